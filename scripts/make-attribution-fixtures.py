#!/usr/bin/python3
"""Reference values for test/attribution: Integrated Gradients and NoiseTunnel on a tiny tanh MLP.

Run with Debian's python3 (PyTorch 1.13 CPU, numpy, scipy):
    /usr/bin/python3 scripts/make-attribution-fixtures.py
Writes test/fixtures/attribution/toy-mlp-ig.json.

The math follows Captum's definitions (captum.attr.IntegratedGradients, approximation_methods,
NoiseTunnel) re-derived here with plain torch autograd; Captum itself is not installed. Computation is
in float64 so the only differences on the TypeScript side come from its float32 tensors.
"""
import json
import os

import numpy as np
import scipy.ndimage
import torch

CHANNELS, ROWS, COLS, HIDDEN, CLASSES = 2, 4, 4, 6, 3
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'attribution', 'toy-mlp-ig.json')


def model(weights, x):
    """F(x) = W2 tanh(W1 vec(x) + b1) + b2 for a batch of (C, H, W) inputs."""
    hidden = torch.tanh(x.reshape(x.shape[0], -1) @ weights['w1'].T + weights['b1'])
    return hidden @ weights['w2'].T + weights['b2']


def rule(method, steps):
    """Captum's (alphas, step sizes); alphas of the Riemann rules go through torch.linspace (float32)."""
    if method == 'gausslegendre':
        nodes, w = np.polynomial.legendre.leggauss(steps)
        return list(0.5 * (1 + nodes)), list(0.5 * w)
    sizes = [1 / steps] * steps
    if method == 'riemann_trapezoid':
        sizes[0] /= 2
        sizes[-1] /= 2
        return torch.linspace(0, 1, steps).tolist(), sizes
    bounds = {'riemann_left': (0, 1 - 1 / steps), 'riemann_middle': (1 / (2 * steps), 1 - 1 / (2 * steps)),
              'riemann_right': (1 / steps, 1)}[method]
    return torch.linspace(bounds[0], bounds[1], steps).tolist(), sizes


def gradient(weights, points, target):
    points = points.clone().requires_grad_(True)
    scores = model(weights, points)[:, target]
    (grad,) = torch.autograd.grad(scores.sum(), points)
    return scores.detach(), grad


def integrated_gradients(weights, x, baseline, target, method, steps):
    alphas, sizes = rule(method, steps)
    path = torch.stack([baseline + a * (x - baseline) for a in alphas])
    _, grads = gradient(weights, path, target)
    summed = (torch.tensor(sizes, dtype=torch.float64).reshape(-1, 1, 1, 1) * grads).sum(0)
    attribution = (x - baseline) * summed
    ends, _ = gradient(weights, torch.stack([baseline, x]), target)
    delta = attribution.sum() - (ends[1] - ends[0])
    return attribution, float(delta)


def noise_tunnel(weights, x, baseline, target, noises, steps):
    attributions = torch.stack([integrated_gradients(weights, x + n, baseline, target, 'gausslegendre', steps)[0] for n in noises])
    mean, mean_sq = attributions.mean(0), (attributions ** 2).mean(0)
    return {'smoothgrad': mean, 'smoothgrad_sq': mean_sq, 'vargrad': mean_sq - mean * mean}


def flat(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def main():
    torch.manual_seed(20240611)
    dt = torch.float64
    weights = {'w1': torch.randn(HIDDEN, CHANNELS * ROWS * COLS, dtype=dt) * 0.4, 'b1': torch.randn(HIDDEN, dtype=dt) * 0.1,
               'w2': torch.randn(CLASSES, HIDDEN, dtype=dt), 'b2': torch.randn(CLASSES, dtype=dt) * 0.1}
    # Round to float32 so TypeScript sees exactly the same numbers.
    weights = {k: v.float().double() for k, v in weights.items()}
    x = torch.randn(CHANNELS, ROWS, COLS, dtype=dt).float().double()
    given_baseline = (torch.rand(CHANNELS, ROWS, COLS, dtype=dt) * 0.5).float().double()
    target = 1
    cases = []
    for method, steps in [('gausslegendre', 7), ('riemann_left', 5), ('riemann_right', 5), ('riemann_middle', 5), ('riemann_trapezoid', 5)]:
        for name, baseline in [('zero', torch.zeros_like(x)), ('given', given_baseline)]:
            attribution, delta = integrated_gradients(weights, x, baseline, target, method, steps)
            cases.append({'method': method, 'steps': steps, 'baseline': name, 'attribution': flat(attribution), 'delta': delta})
    noises = [(torch.randn(CHANNELS, ROWS, COLS, dtype=dt) * 0.3).float().double() for _ in range(3)]
    tunnel = noise_tunnel(weights, x, given_baseline, target, noises, 6)
    plane = np.arange(30, dtype=np.float64).reshape(5, 6) % 7
    fixture = {
        'provenance': 'scripts/make-attribution-fixtures.py (torch 1.13 autograd, float64)',
        'shape': [CHANNELS, ROWS, COLS], 'hidden': HIDDEN, 'classes': CLASSES, 'target': target,
        'weights': {k: flat(v) for k, v in weights.items()},
        'input': flat(x), 'givenBaseline': flat(given_baseline),
        'integratedGradients': cases,
        'noiseTunnel': {'method': 'gausslegendre', 'steps': 6, 'baseline': 'given', 'noise': [flat(n) for n in noises],
                        'results': {k: flat(v) for k, v in tunnel.items()}},
        'legendre': {str(n): {'nodes': list(np.polynomial.legendre.leggauss(n)[0]), 'weights': list(np.polynomial.legendre.leggauss(n)[1])} for n in (1, 2, 5, 50)},
        'gaussianBlur': {'rows': 5, 'cols': 6, 'sigma': 1.0, 'plane': flat(torch.tensor(plane)),
                         'blurred': flat(torch.tensor(scipy.ndimage.gaussian_filter(plane, 1.0, mode='reflect', truncate=4.0)))},
    }
    with open(OUT, 'w') as handle:
        json.dump(fixture, handle)
        handle.write('\n')


if __name__ == '__main__':
    main()
