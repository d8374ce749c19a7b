#!/usr/bin/python3
"""Golden values for the tiny ViT tests (test/backbone/vit-torch.test.ts).

Run with Debian's python3-torch (1.13, CPU):  /usr/bin/python3 scripts/make-vit-fixtures.py
Writes test/fixtures/vit/tiny-vit.json: random weights (fixed seed) in DINO/timm names, inputs, and the
outputs of a timm-equivalent ViT written out below (pre-norm blocks, LayerNorm eps 1e-6, GELU erf,
qkv reshaped (B, N, 3, heads, hd) and permuted (2, 0, 3, 1, 4), DINO's bicubic pos-embed interpolation),
plus the input gradient of sum(seed * logits) from torch autograd. Arrays are base64 float32 little-endian.
"""
import base64
import json
import math
import os

import torch
import torch.nn.functional as F

PATCH, DIM, DEPTH, HEADS, MLP_RATIO, IMAGE, CLASSES, BATCH = 4, 32, 2, 2, 2, 16, 3, 2
EPS = 1e-6


def make_weights(gen):
    def rand(*shape, std=0.2):
        return torch.randn(*shape, generator=gen, dtype=torch.float64).float() * std

    grid = IMAGE // PATCH
    w = {
        'cls_token': rand(1, 1, DIM),
        'pos_embed': rand(1, grid * grid + 1, DIM),
        'patch_embed.proj.weight': rand(DIM, 3, PATCH, PATCH),
        'patch_embed.proj.bias': rand(DIM),
        'norm.weight': 1 + rand(DIM, std=0.1),
        'norm.bias': rand(DIM, std=0.1),
    }
    hidden = MLP_RATIO * DIM
    for i in range(DEPTH):
        b = f'blocks.{i}.'
        w[b + 'norm1.weight'] = 1 + rand(DIM, std=0.1)
        w[b + 'norm1.bias'] = rand(DIM, std=0.1)
        w[b + 'attn.qkv.weight'] = rand(3 * DIM, DIM)
        w[b + 'attn.qkv.bias'] = rand(3 * DIM, std=0.1)
        w[b + 'attn.proj.weight'] = rand(DIM, DIM)
        w[b + 'attn.proj.bias'] = rand(DIM, std=0.1)
        w[b + 'norm2.weight'] = 1 + rand(DIM, std=0.1)
        w[b + 'norm2.bias'] = rand(DIM, std=0.1)
        w[b + 'mlp.fc1.weight'] = rand(hidden, DIM)
        w[b + 'mlp.fc1.bias'] = rand(hidden, std=0.1)
        w[b + 'mlp.fc2.weight'] = rand(DIM, hidden)
        w[b + 'mlp.fc2.bias'] = rand(DIM, std=0.1)
    w['head.weight'] = rand(CLASSES, DIM, std=0.5)
    w['head.bias'] = rand(CLASSES, std=0.1)
    return w


def interpolate_pos_encoding(w, rows, cols):
    """DINO vision_transformer.py interpolate_pos_encoding (the +0.1 and scale_factor quirk kept)."""
    pos = w['pos_embed']
    n = pos.shape[1] - 1
    r0, c0 = rows // PATCH, cols // PATCH
    if r0 * c0 == n and rows == cols:
        return pos
    side = int(math.sqrt(n))
    grid = pos[:, 1:].reshape(1, side, side, DIM).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, scale_factor=((r0 + 0.1) / side, (c0 + 0.1) / side), mode='bicubic')
    assert grid.shape[-2] == r0 and grid.shape[-1] == c0
    grid = grid.permute(0, 2, 3, 1).reshape(1, -1, DIM)
    return torch.cat((pos[:, :1], grid), dim=1)


def vit(w, x):
    batch, _, rows, cols = x.shape
    t = F.conv2d(x, w['patch_embed.proj.weight'], w['patch_embed.proj.bias'], stride=PATCH).flatten(2).transpose(1, 2)
    t = torch.cat((w['cls_token'].expand(batch, -1, -1), t), dim=1) + interpolate_pos_encoding(w, rows, cols)
    hd = DIM // HEADS
    for i in range(DEPTH):
        b = f'blocks.{i}.'
        h = F.layer_norm(t, (DIM,), w[b + 'norm1.weight'], w[b + 'norm1.bias'], EPS)
        n = h.shape[1]
        qkv = F.linear(h, w[b + 'attn.qkv.weight'], w[b + 'attn.qkv.bias']).reshape(batch, n, 3, HEADS, hd).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * hd ** -0.5).softmax(dim=-1)
        o = (attn @ v).transpose(1, 2).reshape(batch, n, DIM)
        t = t + F.linear(o, w[b + 'attn.proj.weight'], w[b + 'attn.proj.bias'])
        h = F.layer_norm(t, (DIM,), w[b + 'norm2.weight'], w[b + 'norm2.bias'], EPS)
        h = F.gelu(F.linear(h, w[b + 'mlp.fc1.weight'], w[b + 'mlp.fc1.bias']))
        t = t + F.linear(h, w[b + 'mlp.fc2.weight'], w[b + 'mlp.fc2.bias'])
    t = F.layer_norm(t, (DIM,), w['norm.weight'], w['norm.bias'], EPS)
    cls = t[:, 0]
    logits = F.linear(cls, w['head.weight'], w['head.bias'])
    return {'logits': logits, 'cls': cls, 'attention': attn, 'queries': q, 'keys': k, 'values': v, 'patchTokens': t[:, 1:]}


def b64(tensor):
    return base64.b64encode(tensor.detach().contiguous().float().numpy().astype('<f4').tobytes()).decode('ascii')


def make_case(w, gen, rows, cols):
    pixels = torch.randn(BATCH, 3, rows, cols, generator=gen, dtype=torch.float64).float().requires_grad_(True)
    seed = torch.randn(BATCH, CLASSES, generator=gen, dtype=torch.float64).float()
    out = vit(w, pixels)
    (gradient,) = torch.autograd.grad((out['logits'] * seed).sum(), pixels)
    case = {'rows': rows, 'cols': cols, 'batch': BATCH, 'pixels': b64(pixels), 'seed': b64(seed), 'gradient': b64(gradient)}
    case.update({name: b64(out[name]) for name in ('logits', 'cls', 'attention', 'keys')})
    return case


def main():
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(20240611)
    w = make_weights(gen)
    fixture = {
        'config': {'patchSize': PATCH, 'dim': DIM, 'depth': DEPTH, 'heads': HEADS, 'mlpRatio': MLP_RATIO, 'imageSize': IMAGE, 'classes': CLASSES},
        'torch': torch.__version__,
        'weights': {name: {'shape': list(t.shape), 'data': b64(t)} for name, t in w.items()},
        'cases': [make_case(w, gen, IMAGE, IMAGE), make_case(w, gen, 24, 20)],
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'vit', 'tiny-vit.json')
    with open(path, 'w') as f:
        json.dump(fixture, f)
    print(f'wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes)')


if __name__ == '__main__':
    main()
