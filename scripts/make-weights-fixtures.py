#!/usr/bin/python3
"""Write the tiny weights fixtures for test/backbone/weights-*.test.ts.

Run with Debian's python3 (PyTorch 1.13, NumPy): /usr/bin/python3 scripts/make-weights-fixtures.py
Writes test/fixtures/weights/: four torch.save checkpoints of a ViT-shaped state dict (patch 4, dim 8,
depth 1, 8x8 input -> 4 patches, MLP 32), two .npy files, and expected.json with the float32 values a
loader must return (half/bfloat16 values as rounded by PyTorch, then widened to float32).
"""
import json
import os
import zipfile
from collections import OrderedDict

import numpy as np
import torch

OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'weights')
DIM, PATCH, TOKENS, MLP = 8, 4, 5, 32


def tiny_vit(seed):
    """A DINO/timm-named state dict with small, exactly representable-ish random values."""
    g = torch.Generator().manual_seed(seed)
    shapes = OrderedDict([
        ('cls_token', [1, 1, DIM]), ('pos_embed', [1, TOKENS, DIM]),
        ('patch_embed.proj.weight', [DIM, 3, PATCH, PATCH]), ('patch_embed.proj.bias', [DIM]),
        ('blocks.0.norm1.weight', [DIM]), ('blocks.0.norm1.bias', [DIM]),
        ('blocks.0.attn.qkv.weight', [3 * DIM, DIM]), ('blocks.0.attn.qkv.bias', [3 * DIM]),
        ('blocks.0.attn.proj.weight', [DIM, DIM]), ('blocks.0.attn.proj.bias', [DIM]),
        ('blocks.0.norm2.weight', [DIM]), ('blocks.0.norm2.bias', [DIM]),
        ('blocks.0.mlp.fc1.weight', [MLP, DIM]), ('blocks.0.mlp.fc1.bias', [MLP]),
        ('blocks.0.mlp.fc2.weight', [DIM, MLP]), ('blocks.0.mlp.fc2.bias', [DIM]),
        ('norm.weight', [DIM]), ('norm.bias', [DIM]),
    ])
    return OrderedDict((k, torch.randn(s, generator=g)) for k, s in shapes.items())


def with_views(sd):
    """Same values, but some tensors are non-contiguous views or sit at a storage offset."""
    out = OrderedDict(sd)
    out['blocks.0.attn.proj.weight'] = sd['blocks.0.attn.proj.weight'].t().contiguous().t()  # strides (1, 8)
    fc1 = sd['blocks.0.mlp.fc1.weight'].clone()
    out['blocks.0.mlp.fc1.weight'] = fc1
    # fc2 shares fc1's storage only if values agree; make fc2 := fc1.t() and record that in expected
    out['blocks.0.mlp.fc2.weight'] = fc1.t()
    pool = torch.cat([torch.zeros(2), sd['norm.bias'], torch.zeros(3)])
    out['norm.bias'] = pool[2:2 + DIM]  # storage offset 2, storage length 13
    return out


def flat(t):
    # float32 values written as their shortest round-tripping decimal (parse, then Math.fround, is exact)
    return [float(repr(np.float32(v))) for v in t.detach().float().contiguous().reshape(-1).tolist()]


def dump_expected(sd):
    return {k: {'shape': list(v.shape), 'data': flat(v)} for k, v in sd.items()}


def main():
    os.makedirs(OUT, exist_ok=True)
    teacher, student = tiny_vit(0), tiny_vit(1)
    torch.save(teacher, os.path.join(OUT, 'tiny-vit.pth'))

    head = OrderedDict([('mlp.0.weight', torch.ones(4, DIM)), ('last_layer.weight_g', torch.ones(16, 1))])
    wrap = lambda sd: OrderedDict([*(('module.backbone.' + k, v) for k, v in sd.items()),
                                   *(('module.head.' + k, v) for k, v in head.items())])
    torch.save({'student': wrap(student), 'teacher': wrap(teacher), 'epoch': 100, 'lr': 0.0005},
               os.path.join(OUT, 'tiny-vit-wrapped.pth'))

    views = with_views(teacher)
    assert not views['blocks.0.attn.proj.weight'].is_contiguous()
    assert not views['blocks.0.mlp.fc2.weight'].is_contiguous()
    assert views['norm.bias'].storage_offset() == 2
    torch.save(views, os.path.join(OUT, 'tiny-vit-views.pth'))

    half = OrderedDict((k, v.half()) for k, v in teacher.items())
    half['norm.weight'] = teacher['norm.weight'].bfloat16()
    half['norm.bias'] = teacher['norm.bias'].bfloat16()
    torch.save(half, os.path.join(OUT, 'tiny-vit-half.pth'))

    np.save(os.path.join(OUT, 'v1-f4.npy'), teacher['blocks.0.mlp.fc1.weight'].numpy().astype('<f4'))
    with open(os.path.join(OUT, 'v2-f2.npy'), 'wb') as f:
        np.lib.format.write_array(f, teacher['patch_embed.proj.weight'].numpy().astype('<f2'), version=(2, 0))

    view_names = ['blocks.0.attn.proj.weight', 'blocks.0.mlp.fc2.weight', 'norm.bias']
    deflated = os.path.join(OUT, 'tiny-vit-deflate.pth')
    with zipfile.ZipFile(os.path.join(OUT, 'tiny-vit.pth')) as src, \
            zipfile.ZipFile(deflated, 'w', zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():  # same archive, re-packed with deflate entries
            dst.writestr(info.filename.replace('tiny-vit/', 'archive/'), src.read(info.filename))

    expected = {'plain': dump_expected(teacher),
                'student': dump_expected(OrderedDict([('cls_token', student['cls_token'])])),
                'views': dump_expected(OrderedDict((k, views[k]) for k in view_names)),
                'half': dump_expected(half),
                'npy_f2': flat(torch.from_numpy(teacher['patch_embed.proj.weight'].numpy().astype('<f2')))}
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, separators=(',', ':'))


if __name__ == '__main__':
    main()
