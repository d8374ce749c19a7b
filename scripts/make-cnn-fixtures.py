#!/usr/bin/python3
"""Golden values for the CNN tests (test/backbone/mobilenetv2-torch.test.ts, test/backbone/micranet-torch.test.ts,
test/pipeline/micranet-segment-torch.test.ts).

Run with Debian's python3-torch (1.13, CPU):  /usr/bin/python3 scripts/make-cnn-fixtures.py
Writes, with random weights from fixed seeds (no real weights):
- test/fixtures/cnn/tiny-mobilenetv2.json: a MobileNetV2-like net in the ONNX Model Zoo numbering (conv_I_weight,
  conv_I_bias, BatchNorm folded): stem [conv s2 ReLU6, depthwise ReLU6, 1x1 linear], three inverted-residual blocks
  (s2; residual; s2), last 1x1 conv ReLU6, global average, linear head; the feature map, pooled feature, logits and
  the input gradient of sum(seed * logits) from autograd, at 32x32 (batch 2) and 30x34 (batch 1, odd sides).
- test/fixtures/cnn/tiny-micranet.json: MICRA-Net as FLClab/MICRA-Net network.py with narrow blocks (4, 6, 8, 8),
  S = 32, 3 input channels, 2 classes: eval-mode logits; one train-mode step (fixed dropout mask, BCEWithLogitsLoss
  with pos_weight) with the loss, every parameter's gradient and the updated running statistics; and for image 0
  and each class, the eight Grad-CAM maps of gradCAM.class_activation_map and the steps of gradCAM.segment_cam
  written out in numpy (PCA by SVD instead of sklearn's randomized solver: the same component up to a sign, which
  the sign rule removes; skimage's gaussian(sigma=1) = scipy's mode 'nearest', truncate 4, written out here; the
  foreground of utils.get_foreground on the channel mean, our adaptation to RGB).
- test/fixtures/cnn/plateau.json: the learning rates of torch's ReduceLROnPlateau over a made-up validation curve.
Arrays are base64 float32 little-endian.
"""
import base64
import json
import os

import numpy
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'cnn')


def b64(t):
    array = t.detach().cpu().numpy() if torch.is_tensor(t) else numpy.asarray(t)
    return base64.b64encode(array.astype('<f4').tobytes()).decode('ascii')


# ---------------------------------------------------------------- MobileNetV2
STEM = [0, 2, 4]
BLOCKS = [([5, 7, 9], 2, False), ([10, 12, 14], 1, True), ([16, 18, 20], 2, False)]
LAST = 21
SHAPES = {0: (8, 3, 3, 3), 2: (8, 1, 3, 3), 4: (4, 8, 1, 1), 5: (12, 4, 1, 1), 7: (12, 1, 3, 3), 9: (6, 12, 1, 1),
          10: (18, 6, 1, 1), 12: (18, 1, 3, 3), 14: (6, 18, 1, 1), 16: (18, 6, 1, 1), 18: (18, 1, 3, 3), 20: (8, 18, 1, 1),
          21: (16, 8, 1, 1)}
CLASSES = 3


def mobilenet_weights(gen):
    w = {}
    for i, shape in SHAPES.items():
        fan_in = shape[1] * shape[2] * shape[3]
        w[f'conv_{i}_weight'] = torch.randn(*shape, generator=gen, dtype=torch.float64).float() * (2.0 / fan_in) ** 0.5 * 1.5
        w[f'conv_{i}_bias'] = torch.randn(shape[0], generator=gen, dtype=torch.float64).float() * 0.5
    w['head.weight'] = torch.randn(CLASSES, SHAPES[LAST][0], generator=gen, dtype=torch.float64).float() * 0.5
    w['head.bias'] = torch.randn(CLASSES, generator=gen, dtype=torch.float64).float() * 0.1
    return w


def conv(w, x, i, stride, act):
    weight = w[f'conv_{i}_weight']
    y = F.conv2d(x, weight, w[f'conv_{i}_bias'], stride=stride, padding=(weight.shape[2] - 1) // 2, groups=x.shape[1] // weight.shape[1])
    return torch.clamp(y, 0, 6) if act else y


def mobilenet(w, x):
    x = conv(w, x, STEM[0], 2, True)
    x = conv(w, x, STEM[1], 1, True)
    x = conv(w, x, STEM[2], 1, False)
    for (e, d, p), stride, residual in BLOCKS:
        h = conv(w, conv(w, conv(w, x, e, 1, True), d, stride, True), p, 1, False)
        x = x + h if residual else h
    fmap = conv(w, x, LAST, 1, True)
    pooled = fmap.mean(dim=(2, 3))
    return fmap, pooled, F.linear(pooled, w['head.weight'], w['head.bias'])


def mobilenet_fixture():
    gen = torch.Generator().manual_seed(20240701)
    w = mobilenet_weights(gen)
    cases = []
    for rows, cols, batch in ((32, 32, 2), (30, 34, 1)):
        pixels = (torch.randn(batch, 3, rows, cols, generator=gen, dtype=torch.float64).float() * 1.5).requires_grad_(True)
        seed = torch.randn(batch, CLASSES, generator=gen, dtype=torch.float64).float()
        fmap, pooled, logits = mobilenet(w, pixels)
        (gradient,) = torch.autograd.grad((logits * seed).sum(), pixels)
        cases.append({'rows': rows, 'cols': cols, 'batch': batch, 'grid': list(fmap.shape[2:]), 'pixels': b64(pixels), 'seed': b64(seed),
                      'featureMap': b64(fmap), 'pooled': b64(pooled), 'logits': b64(logits), 'gradient': b64(gradient)})
    layout = {'stem': STEM, 'blocks': [{'convs': c, 'stride': s, 'residual': r} for c, s, r in BLOCKS], 'last': LAST}
    weights = {name: {'shape': list(t.shape), 'data': b64(t)} for name, t in w.items()}
    return {'layout': layout, 'classes': CLASSES, 'weights': weights, 'cases': cases}


# ---------------------------------------------------------------- MICRA-Net
LAYERS = ['1a', '1b', '2a', '2b', '3a', '3b', '4a', '4b']
WIDTHS = [4, 4, 6, 6, 8, 8, 8, 8]
SIZE, IN_CHANNELS, M_CLASSES, P_DROP, EPS, MOMENTUM = 32, 3, 2, 0.5, 1e-5, 0.1
POS_WEIGHT = [3.3, 1.6]


def micranet_weights(gen):
    def rand(*shape, std=1.0):
        return torch.randn(*shape, generator=gen, dtype=torch.float64).float() * std
    w = {}
    for k, layer in enumerate(LAYERS):
        cin = IN_CHANNELS if k == 0 else WIDTHS[k - 1]
        cout = WIDTHS[k]
        w[f'conv{layer}.weight'] = rand(cout, cin, 3, 3, std=(2.0 / (cin * 9)) ** 0.5)
        w[f'conv{layer}.bias'] = rand(cout, std=0.1)
        w[f'bnorm{layer}.weight'] = 1 + rand(cout, std=0.2)
        w[f'bnorm{layer}.bias'] = rand(cout, std=0.2)
        w[f'bnorm{layer}.running_mean'] = rand(cout, std=0.3)
        w[f'bnorm{layer}.running_var'] = 0.5 + torch.rand(cout, generator=gen, dtype=torch.float64).float()
    w['linear1.weight'] = rand(M_CLASSES, WIDTHS[-1], std=0.5)
    w['linear1.bias'] = rand(M_CLASSES, std=0.1)
    return w


def micranet(w, x, training, mask=None):
    """network.py forward; returns logits and the ReLU output of every conv layer (kept in the graph)."""
    acts = []
    for k, layer in enumerate(LAYERS):
        x = F.conv2d(x, w[f'conv{layer}.weight'], w[f'conv{layer}.bias'], padding=1)
        x = F.batch_norm(x, w[f'bnorm{layer}.running_mean'], w[f'bnorm{layer}.running_var'], w[f'bnorm{layer}.weight'],
                         w[f'bnorm{layer}.bias'], training=training, momentum=MOMENTUM, eps=EPS)
        x = F.relu(x)
        if x.requires_grad:
            x.retain_grad()
        acts.append(x)
        if layer in ('1b', '2b', '3b'):
            x = F.max_pool2d(x, 2)
    x = F.max_pool2d(x, SIZE // 8).reshape(x.shape[0], -1)
    if training:
        x = x * mask / (1 - P_DROP)
    return F.linear(x, w['linear1.weight'], w['linear1.bias']), acts


def grad_cam_maps(acts):
    """gradCAM.class_activation_map for one image and one class, after the backward pass."""
    maps = []
    for key, a in zip(LAYERS, acts):
        A_k, grad = a.detach().numpy().astype(numpy.float64), a.grad.numpy().astype(numpy.float64)
        alpha = grad.mean(axis=(2, 3))
        local = numpy.sum(A_k * alpha[:, :, None, None], axis=1)
        if key == '4b':
            local = numpy.maximum(local, 0)
        lo, hi = local.min(axis=(1, 2)), local.max(axis=(1, 2))
        local = (local - lo[:, None, None]) / (hi - lo + 1e-12)[:, None, None]
        maps.append(local.repeat(SIZE // local.shape[1], axis=1).repeat(SIZE // local.shape[2], axis=2)[0])
    return numpy.array(maps)


def gaussian_nearest(image, sigma=1.0):
    radius = int(4.0 * sigma + 0.5)
    offsets = numpy.arange(-radius, radius + 1)
    kernel = numpy.exp(-0.5 * offsets ** 2 / sigma ** 2)
    kernel /= kernel.sum()
    out = image
    for axis in (0, 1):
        padded = numpy.pad(out, [(radius, radius) if a == axis else (0, 0) for a in (0, 1)], mode='edge')
        n = out.shape[axis]
        out = sum(kernel[j] * numpy.take(padded, numpy.arange(j, j + n), axis=axis) for j in range(2 * radius + 1))
    return out


def foreground(image):
    gray = image.mean(axis=0)
    h, w = gray.shape
    binned = gray.reshape(h // 8, 8, w // 8, 8).mean(axis=3).mean(axis=1)
    return (binned > numpy.quantile(binned, 0.5)).repeat(8, axis=0).repeat(8, axis=1)


def segment(maps, image):
    """gradCAM.segment_cam for one image and one class."""
    reshaped = numpy.transpose(maps, (1, 2, 0)).reshape(-1, maps.shape[0])
    index = (reshaped[:, 7] > 0) & foreground(image).ravel()
    if index.sum() < 1:
        raise ValueError('degenerate last map: pick another weight seed')
    features = reshaped[:, :-1]
    centred = features - features.mean(axis=0)
    _, _, vt = numpy.linalg.svd(centred, full_matrices=False)
    transformed = centred @ vt[0]
    avg = numpy.average(transformed, weights=reshaped[:, 7])
    m, M = transformed[index].min(), transformed[index].max()
    transformed = (transformed - m) / (M - m)
    if avg < 0:
        transformed = 1 - transformed
    smooth = gaussian_nearest(transformed.reshape(SIZE, SIZE), 1)
    return smooth, smooth > numpy.quantile(smooth, q=0.8), foreground(image)


def micranet_fixture():
    gen = torch.Generator().manual_seed(20240703)
    w = micranet_weights(gen)
    batch = 2
    # Images with structure (a bright square on a darker ramp) so the maps and the foreground are not noise alone.
    yy, xx = torch.meshgrid(torch.arange(SIZE), torch.arange(SIZE), indexing='ij')
    base = 0.2 + 0.3 * xx.float() / SIZE
    pixels = torch.stack([base + 0.6 * ((yy - 8 - 6 * b).abs() < 6).float() * ((xx - 12 - 4 * b).abs() < 6).float() for b in range(batch)])
    pixels = (pixels[:, None].repeat(1, IN_CHANNELS, 1, 1) + 0.05 * torch.rand(batch, IN_CHANNELS, SIZE, SIZE, generator=gen)).clamp(0, 1)
    targets = torch.tensor([[1.0, 0.0], [1.0, 1.0]])
    mask = (torch.rand(batch, WIDTHS[-1], generator=gen) > P_DROP).float()

    train_w = {k: v.clone().requires_grad_(not k.split('.')[-1].startswith('running')) for k, v in w.items()}
    logits, _ = micranet(train_w, pixels, training=True, mask=mask)
    loss = F.binary_cross_entropy_with_logits(logits, targets, pos_weight=torch.tensor(POS_WEIGHT))
    loss.backward()
    grads = {k: b64(v.grad) for k, v in train_w.items() if v.grad is not None}
    running = {k: b64(v) for k, v in train_w.items() if 'running' in k}

    eval_w = {k: v.clone() for k, v in w.items()}
    eval_logits, _ = micranet(eval_w, pixels, training=False)
    cams, segments = [], []
    for c in range(M_CLASSES):
        x0 = pixels[:1].clone().requires_grad_(True)
        logits0, acts = micranet(eval_w, x0, training=False)
        logits0.backward(torch.eye(M_CLASSES)[c][None])
        maps = grad_cam_maps(acts).astype(numpy.float32).astype(numpy.float64)  # segment what the fixture stores
        smooth, mask_c, fg = segment(maps, pixels[0].numpy().astype(numpy.float64))
        cams.append(b64(maps))
        segments.append({'smooth': b64(smooth), 'mask': mask_c.astype(int).ravel().tolist(), 'foreground': fg.astype(int).ravel().tolist()})
    config = {'inputSize': SIZE, 'inputChannels': IN_CHANNELS, 'classes': M_CLASSES, 'channels': WIDTHS[::2], 'dropout': P_DROP}
    return {
        'config': config, 'positiveWeights': POS_WEIGHT,
        'weights': {k: {'shape': list(v.shape), 'data': b64(v)} for k, v in w.items()},
        'pixels': b64(pixels), 'targets': b64(targets), 'dropoutMask': b64(mask), 'batch': batch,
        'train': {'loss': loss.item(), 'logits': b64(logits), 'gradients': grads, 'running': running},
        'eval': {'logits': b64(eval_logits)},
        'gradCam': {'image': 0, 'maps': cams, 'segments': segments},
    }


# ---------------------------------------------------------------- ReduceLROnPlateau
def plateau_fixture():
    """torch.optim.lr_scheduler.ReduceLROnPlateau on a made-up validation curve, MICRA-Net's settings and others."""
    gen = torch.Generator().manual_seed(20240704)
    metrics = [1.0 / (1 + e) + 0.3 + 0.02 * float(torch.rand(1, generator=gen)) if e < 12 else 0.38 + 0.002 * float(torch.rand(1, generator=gen)) for e in range(60)]
    runs = []
    for settings in ({'factor': 0.1, 'patience': 10, 'threshold': 0.01, 'min_lr': 1e-5}, {'factor': 0.5, 'patience': 2, 'cooldown': 3, 'min_lr': 1e-4}):
        p = torch.nn.Parameter(torch.zeros(1))
        optimizer = torch.optim.Adam([p], lr=1e-3)
        scheduler = torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, **settings)
        lrs = []
        for m in metrics:
            scheduler.step(m)
            lrs.append(optimizer.param_groups[0]['lr'])
        runs.append({'settings': settings, 'lrs': lrs})
    return {'lr': 1e-3, 'metrics': metrics, 'runs': runs}


if __name__ == '__main__':
    os.makedirs(OUT, exist_ok=True)
    for name, make in (('tiny-mobilenetv2.json', mobilenet_fixture), ('tiny-micranet.json', micranet_fixture), ('plateau.json', plateau_fixture)):
        with open(os.path.join(OUT, name), 'w') as f:
            json.dump(make(), f)
        print(name, os.path.getsize(os.path.join(OUT, name)), 'bytes')
