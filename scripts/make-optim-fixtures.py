#!/usr/bin/python3
"""Reference values for test/graph/optim.test.ts and test/graph/loss-values.test.ts.

Run with Debian's python3-torch (1.13, CPU):  /usr/bin/python3 scripts/make-optim-fixtures.py
Writes test/fixtures/optim/optim.json:
- a few steps of torch.optim.SGD and torch.optim.AdamW (float32, as in training) on two parameters with
  fixed gradients per step, in two parameter groups, with the group learning rates scaled between steps
  the way a schedule does;
- the learning-rate factors of StepLR and CosineAnnealingLR, alone and behind a LinearLR warm-up
  (SequentialLR), per epoch;
- clip_grad_norm_ (total norm and clipped gradients);
- CrossEntropyLoss(weight) and BCEWithLogitsLoss(pos_weight) values and logit gradients (float64 autograd).
"""
import json
import os
import warnings

import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'optim', 'optim.json')
STEPS = 4
LR_FACTORS = [1.0, 1.0, 0.5, 0.25]
warnings.filterwarnings('ignore')  # SequentialLR's deprecation chatter


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def optimiser_case(gen, name, make, groups, options):
    init = {'a': torch.randn(2, 3, generator=gen), 'b': torch.randn(4, generator=gen)}
    grads = [{k: torch.randn(v.shape, generator=gen) for k, v in init.items()} for _ in range(STEPS)]
    params = {k: torch.nn.Parameter(v.clone()) for k, v in init.items()}
    optimiser = make([{'params': [params[n] for n in g['params']], **{k: v for k, v in g.items() if k != 'params'}} for g in groups])
    base = [g['lr'] for g in optimiser.param_groups]
    after = []
    for step in range(STEPS):
        for group, lr in zip(optimiser.param_groups, base):
            group['lr'] = lr * LR_FACTORS[step]
        for k, p in params.items():
            p.grad = grads[step][k].clone()
        optimiser.step()
        after.append({k: flat(p) for k, p in params.items()})
    ts_groups = [{'params': g['params'], 'lr': g['lr'], **({'weightDecay': g['weight_decay']} if 'weight_decay' in g else {})} for g in groups]
    return {'name': name, 'optimizer': options.pop('kind'), 'options': options, 'groups': ts_groups, 'lrFactors': LR_FACTORS,
            'initial': {k: flat(v) for k, v in init.items()}, 'gradients': [{k: flat(v) for k, v in g.items()} for g in grads], 'after': after}


def optimiser_cases(gen):
    sgd, adamw = torch.optim.SGD, torch.optim.AdamW
    return [
        optimiser_case(gen, 'SGD, plain', lambda g: sgd(g, lr=0.1), [{'params': ['a', 'b'], 'lr': 0.1}], {'kind': 'sgd'}),
        optimiser_case(gen, 'SGD, momentum 0.9 and weight decay 1e-2, two groups',
                       lambda g: sgd(g, lr=0.1, momentum=0.9, weight_decay=1e-2),
                       [{'params': ['a'], 'lr': 0.05}, {'params': ['b'], 'lr': 0.005, 'weight_decay': 0.0}],
                       {'kind': 'sgd', 'momentum': 0.9, 'weightDecay': 1e-2}),
        optimiser_case(gen, 'SGD, Nesterov momentum 0.8', lambda g: sgd(g, lr=0.1, momentum=0.8, nesterov=True),
                       [{'params': ['a', 'b'], 'lr': 0.1}], {'kind': 'sgd', 'momentum': 0.8, 'nesterov': True}),
        optimiser_case(gen, 'SGD, momentum 0.5 with dampening 0.25', lambda g: sgd(g, lr=0.2, momentum=0.5, dampening=0.25),
                       [{'params': ['a', 'b'], 'lr': 0.2}], {'kind': 'sgd', 'momentum': 0.5, 'dampening': 0.25}),
        optimiser_case(gen, 'AdamW, defaults', lambda g: adamw(g, lr=1e-2), [{'params': ['a', 'b'], 'lr': 1e-2}], {'kind': 'adamw'}),
        optimiser_case(gen, 'AdamW, betas (0.8, 0.99), eps 1e-6, weight decay 0.1, two groups',
                       lambda g: adamw(g, lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
                       [{'params': ['a'], 'lr': 3e-2}, {'params': ['b'], 'lr': 1e-3, 'weight_decay': 0.0}],
                       {'kind': 'adamw', 'betas': [0.8, 0.99], 'eps': 1e-6, 'weightDecay': 0.1}),
    ]


def schedule_factors(make, epochs):
    param = torch.nn.Parameter(torch.zeros(1))
    optimiser = torch.optim.SGD([param], lr=2.0)
    scheduler = make(optimiser)
    factors = []
    for _ in range(epochs):
        factors.append(optimiser.param_groups[0]['lr'] / 2.0)
        optimiser.step()
        scheduler.step()
    return factors


def schedule_cases():
    S = torch.optim.lr_scheduler
    warm = lambda o, start, n: S.LinearLR(o, start_factor=start, total_iters=n)
    return [
        {'name': 'step 3, gamma 0.5', 'kind': 'step', 'options': {'stepSize': 3, 'gamma': 0.5},
         'factors': schedule_factors(lambda o: S.StepLR(o, step_size=3, gamma=0.5), 12)},
        {'name': 'step 3, gamma 0.5, 2 warm-up epochs from 0.25', 'kind': 'step',
         'options': {'stepSize': 3, 'gamma': 0.5, 'warmupEpochs': 2, 'warmupStartFactor': 0.25},
         'factors': schedule_factors(lambda o: S.SequentialLR(o, [warm(o, 0.25, 2), S.StepLR(o, step_size=3, gamma=0.5)], milestones=[2]), 12)},
        {'name': 'cosine over 10 epochs to 0.01', 'kind': 'cosine', 'options': {'totalEpochs': 10, 'minFactor': 0.01},
         'factors': schedule_factors(lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.02), 11)},
        {'name': 'cosine over 10 epochs, 3 warm-up epochs from 1/3', 'kind': 'cosine', 'options': {'totalEpochs': 10, 'warmupEpochs': 3},
         'factors': schedule_factors(lambda o: S.SequentialLR(o, [warm(o, 1 / 3, 3), S.CosineAnnealingLR(o, T_max=7)], milestones=[3]), 11)},
    ]


def clip_cases(gen):
    cases = []
    for max_norm in (1.0, 100.0):
        grads = [torch.randn(2, 3, generator=gen), torch.randn(5, generator=gen)]
        params = [torch.nn.Parameter(torch.zeros_like(g)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = g.clone()
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        cases.append({'maxNorm': max_norm, 'gradients': [flat(g) for g in grads], 'norm': float(norm), 'clipped': [flat(p.grad) for p in params]})
    return cases


def loss_cases():
    logits = torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [2.5, -1.0, 0.5], [-3.0, 4.0, 1.0]], dtype=torch.float64)
    labels = torch.tensor([2, 0, 1, 2])
    multi_hot = torch.tensor([[1, 0, 1], [0, 0, 0], [0, 1, 0], [1, 1, 1]], dtype=torch.float64)
    bce_logits = torch.tensor([[0.0, 2.0, -40.0], [40.0, -3.0, 1.0], [0.5, -0.5, 3.0], [-2.0, 6.0, 0.1]], dtype=torch.float64)
    cases = []
    for name, weight in (('cross-entropy', None), ('cross-entropy, class weights [0.5, 2, 1]', [0.5, 2.0, 1.0])):
        z = logits.clone().requires_grad_(True)
        loss = torch.nn.CrossEntropyLoss(weight=None if weight is None else torch.tensor(weight, dtype=torch.float64))(z, labels)
        loss.backward()
        cases.append({'name': name, 'kind': 'cross-entropy', 'logits': flat(logits), 'labels': labels.tolist(),
                      **({'classWeights': weight} if weight else {}), 'loss': float(loss), 'gradient': flat(z.grad)})
    for name, pos in (('binary cross-entropy', None), ('binary cross-entropy, positive weights [3, 0.5, 1]', [3.0, 0.5, 1.0])):
        z = bce_logits.clone().requires_grad_(True)
        loss = torch.nn.BCEWithLogitsLoss(pos_weight=None if pos is None else torch.tensor(pos, dtype=torch.float64))(z, multi_hot)
        loss.backward()
        cases.append({'name': name, 'kind': 'binary-cross-entropy', 'logits': flat(bce_logits), 'targets': flat(multi_hot),
                      **({'positiveWeights': pos} if pos else {}), 'loss': float(loss), 'gradient': flat(z.grad)})
    return cases


def main():
    gen = torch.Generator().manual_seed(20240612)
    fixture = {'torch': torch.__version__, 'optimizers': optimiser_cases(gen), 'schedules': schedule_cases(),
               'clip': clip_cases(gen), 'losses': loss_cases()}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as handle:
        json.dump(fixture, handle)


if __name__ == '__main__':
    main()
