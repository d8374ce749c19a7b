#!/usr/bin/python3
"""Golden values for the tiny DINOv2 tests (test/backbone/dinov2-torch.test.ts).

Run with Debian's python3-torch (1.13, CPU):  /usr/bin/python3 scripts/make-dinov2-fixtures.py
Writes test/fixtures/dinov2/tiny-dinov2.json: random weights (fixed seed) in the official DINOv2 names
(Oquab et al. 2023, facebookresearch/dinov2), inputs, and the outputs of a DINOv2 ViT written out below
from the architecture: patch embedding, CLS token plus position embeddings, then register tokens inserted
after the CLS (no position embedding of their own), pre-norm blocks with LayerScale
(x + ls1 * attn(norm1(x)), then + ls2 * mlp(norm2(.))), LayerNorm eps 1e-6, GELU erf, final norm.
Position embeddings for other grids are resized as DINOv2's interpolate_pos_encoding does: bicubic, with
scale_factor (n + offset) / side when the offset is non-zero, else the output size; antialias as given.
The hub's dinov2_vits14 uses offset 0.1 without antialias, dinov2_vits14_reg4 offset 0 with antialias:
the two models here follow those two settings. The mask token is stored but unused at inference.

Outputs compared (batch 2): logits of a linear head on the normed CLS, the normed CLS, the normed patch
tokens, the last block's attention and keys with the register rows (and columns) left out (the runner's
contract: CLS first, then the patches), the interpolated position embedding, and the input gradient of
sum(seed * logits) from torch autograd. Arrays are base64 float32 little-endian.
"""
import base64
import json
import math
import os

import torch
import torch.nn.functional as F

PATCH, DIM, DEPTH, HEADS, MLP_RATIO, GRID, CLASSES, BATCH, REGISTERS = 7, 32, 2, 2, 2, 3, 3, 2, 4
IMAGE = GRID * PATCH
EPS = 1e-6
MODELS = {
    'dinov2': {'registers': 0, 'offset': 0.1, 'antialias': False},
    'dinov2-reg4': {'registers': REGISTERS, 'offset': 0.0, 'antialias': True},
}
SIZES = [(IMAGE, IMAGE), (28, 14)]


def make_weights(gen):
    def rand(*shape, std=0.2):
        return torch.randn(*shape, generator=gen, dtype=torch.float64).float() * std

    w = {
        'cls_token': rand(1, 1, DIM),
        'mask_token': rand(1, DIM),
        'pos_embed': rand(1, GRID * GRID + 1, DIM),
        'patch_embed.proj.weight': rand(DIM, 3, PATCH, PATCH, std=0.1),
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
        w[b + 'ls1.gamma'] = 0.5 + rand(DIM, std=0.3)
        w[b + 'norm2.weight'] = 1 + rand(DIM, std=0.1)
        w[b + 'norm2.bias'] = rand(DIM, std=0.1)
        w[b + 'mlp.fc1.weight'] = rand(hidden, DIM)
        w[b + 'mlp.fc1.bias'] = rand(hidden, std=0.1)
        w[b + 'mlp.fc2.weight'] = rand(DIM, hidden)
        w[b + 'mlp.fc2.bias'] = rand(DIM, std=0.1)
        w[b + 'ls2.gamma'] = 0.5 + rand(DIM, std=0.3)
    extra = {
        'register_tokens': rand(1, REGISTERS, DIM, std=0.5),
        'head.weight': rand(CLASSES, DIM, std=0.5),
        'head.bias': rand(CLASSES, std=0.1),
    }
    return w, extra


def interpolate_pos_encoding(pos, rows, cols, model):
    """DINOv2's rule: unchanged for the training grid, else bicubic with its offset and antialias settings."""
    n = pos.shape[1] - 1
    r0, c0 = rows // PATCH, cols // PATCH
    if r0 * c0 == n and rows == cols:
        return pos
    side = int(math.sqrt(n))
    grid = pos[:, 1:].reshape(1, side, side, DIM).permute(0, 3, 1, 2)
    if model['offset']:
        sizing = {'scale_factor': ((r0 + model['offset']) / side, (c0 + model['offset']) / side)}
    else:
        sizing = {'size': (r0, c0)}
    grid = F.interpolate(grid, mode='bicubic', antialias=model['antialias'], **sizing)
    assert tuple(grid.shape[-2:]) == (r0, c0)
    grid = grid.permute(0, 2, 3, 1).reshape(1, -1, DIM)
    return torch.cat((pos[:, :1], grid), dim=1)


def attention(h, w, b):
    batch, n, _ = h.shape
    hd = DIM // HEADS
    qkv = F.linear(h, w[b + 'attn.qkv.weight'], w[b + 'attn.qkv.bias']).reshape(batch, n, 3, HEADS, hd).permute(2, 0, 3, 1, 4)
    q, k, v = qkv[0], qkv[1], qkv[2]
    attn = ((q * hd ** -0.5) @ k.transpose(-2, -1)).softmax(dim=-1)
    out = F.linear((attn @ v).transpose(1, 2).reshape(batch, n, DIM), w[b + 'attn.proj.weight'], w[b + 'attn.proj.bias'])
    return out, attn, k


def dinov2(w, x, model):
    batch, _, rows, cols = x.shape
    regs = model['registers']
    t = F.conv2d(x, w['patch_embed.proj.weight'], w['patch_embed.proj.bias'], stride=PATCH).flatten(2).transpose(1, 2)
    pos = interpolate_pos_encoding(w['pos_embed'], rows, cols, model)
    t = torch.cat((w['cls_token'].expand(batch, -1, -1), t), dim=1) + pos
    if regs:
        t = torch.cat((t[:, :1], w['register_tokens'].expand(batch, -1, -1), t[:, 1:]), dim=1)
    for i in range(DEPTH):
        b = f'blocks.{i}.'
        out, attn, k = attention(F.layer_norm(t, (DIM,), w[b + 'norm1.weight'], w[b + 'norm1.bias'], EPS), w, b)
        t = t + out * w[b + 'ls1.gamma']
        h = F.layer_norm(t, (DIM,), w[b + 'norm2.weight'], w[b + 'norm2.bias'], EPS)
        h = F.linear(F.gelu(F.linear(h, w[b + 'mlp.fc1.weight'], w[b + 'mlp.fc1.bias'])), w[b + 'mlp.fc2.weight'], w[b + 'mlp.fc2.bias'])
        t = t + h * w[b + 'ls2.gamma']
    t = F.layer_norm(t, (DIM,), w['norm.weight'], w['norm.bias'], EPS)
    keep = [0] + list(range(1 + regs, t.shape[1]))  # CLS, then the patches: registers left out
    cls = t[:, 0]
    return {
        'logits': F.linear(cls, w['head.weight'], w['head.bias']),
        'cls': cls,
        'patchTokens': t[:, 1 + regs:],
        'attention': attn[:, :, keep][:, :, :, keep],
        'keys': k[:, :, keep],
        'posEmbed': pos,
    }


def b64(tensor):
    return base64.b64encode(tensor.detach().contiguous().float().numpy().astype('<f4').tobytes()).decode('ascii')


def make_case(w, gen, model, rows, cols):
    pixels = torch.randn(BATCH, 3, rows, cols, generator=gen, dtype=torch.float64).float().requires_grad_(True)
    seed = torch.randn(BATCH, CLASSES, generator=gen, dtype=torch.float64).float()
    out = dinov2(w, pixels, model)
    (gradient,) = torch.autograd.grad((out['logits'] * seed).sum(), pixels)
    case = {'rows': rows, 'cols': cols, 'batch': BATCH, 'pixels': b64(pixels), 'seed': b64(seed), 'gradient': b64(gradient)}
    case.update({name: b64(value) for name, value in out.items()})
    return case


def main():
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(20240917)
    weights, extra = make_weights(gen)
    everything = {**weights, **extra}
    models = {}
    for name, model in MODELS.items():
        models[name] = {**model, 'cases': [make_case(everything, gen, model, rows, cols) for rows, cols in SIZES]}
    fixture = {
        'config': {'patchSize': PATCH, 'dim': DIM, 'depth': DEPTH, 'heads': HEADS, 'mlpRatio': MLP_RATIO, 'imageSize': IMAGE, 'classes': CLASSES},
        'torch': torch.__version__,
        'weights': {name: {'shape': list(t.shape), 'data': b64(t)} for name, t in everything.items()},
        'models': models,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'dinov2', 'tiny-dinov2.json')
    with open(path, 'w') as f:
        json.dump(fixture, f)
    print(f'wrote {os.path.normpath(path)} ({os.path.getsize(path)} bytes)')


if __name__ == '__main__':
    main()
