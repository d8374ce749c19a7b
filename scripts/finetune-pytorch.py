#!/usr/bin/python3
"""Times one fine-tuning epoch of a DINO ViT in PyTorch on the CPU: the yardstick of `explainseg bench train
--finetune-blocks N --compare-pytorch`, which calls this script with the same weights, patches, blocks, batch,
threads, normalisation and initial head as its own epoch, and reads one JSON object from stdout.

Per batch, as ExplainSeg's VitFinetuner: the frozen prefix (patch embedding, position embedding, the first
depth - N blocks) under no_grad, then the last N blocks, the final LayerNorm and a linear head on the CLS token
with gradients, softmax cross-entropy, clip_grad_norm_, and SGD with momentum (head lr, blocks lr x factor).
The first batch's loss before any update is reported as a check that both sides run the same model on the same
data. Needs only Debian's python3-torch and python3-numpy (safetensors is read by hand: fp16/bf16/fp32).

Debian's torch 1.13 is built with BLAS_INFO=generic (no MKL or OpenBLAS): its float32 matmul runs at a few
GFLOP/s, so an epoch of 2,000 patches would take hours here. --max-batches K times the first K batches of the
epoch and scales the mean to the whole epoch (reported as extrapolatedFromBatches); the BLAS the build reports
and a plain 1576x384 @ 384x1536 matmul's GFLOP/s are printed beside it, so the figure can be read for what it is.

Usage: finetune-pytorch.py --weights W.safetensors --patches P.npy --labels L.npy --head H.npy --blocks 2
       --batch 32 --threads 2 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 [--max-batches K]
       [--lr 0.005 --block-lr-factor 0.1 --momentum 0.9 --max-gradient-norm 5]
"""
import argparse
import json
import resource
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

DTYPES = {'F32': np.float32, 'F16': np.float16}


def read_safetensors(path):
    """name -> float32 tensor, by the format's spec: u64 header length, JSON header, raw little-endian data."""
    with open(path, 'rb') as handle:
        data = handle.read()
    (length,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + length])
    base = 8 + length
    tensors = {}
    for name, entry in header.items():
        if name == '__metadata__':
            continue
        begin, end = entry['data_offsets']
        raw = data[base + begin:base + end]
        if entry['dtype'] == 'BF16':
            words = np.frombuffer(raw, dtype='<u2').astype(np.uint32) << 16
            array = words.view(np.float32)
        else:
            array = np.frombuffer(raw, dtype=np.dtype(DTYPES[entry['dtype']]).newbyteorder('<')).astype(np.float32)
        tensors[name] = torch.from_numpy(array.reshape(entry['shape']).copy())
    return tensors


class Block(nn.Module):
    """timm/DINO pre-norm block: x + attn(norm1(x)), x + mlp(norm2(x)); qkv with bias, GELU (erf)."""

    def __init__(self, dim, heads, hidden):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        b, n, d = x.shape
        qkv = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attention = ((q @ k.transpose(-2, -1)) * (d // self.heads) ** -0.5).softmax(dim=-1)
        x = x + self.proj((attention @ v).transpose(1, 2).reshape(b, n, d))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x))))


def build_vit(state, heads):
    dim = state['cls_token'].shape[-1]
    depth = 1 + max(int(name.split('.')[1]) for name in state if name.startswith('blocks.'))
    hidden = state['blocks.0.mlp.fc1.weight'].shape[0]
    patch = state['patch_embed.proj.weight'].shape[-1]
    blocks = nn.ModuleList([Block(dim, heads, hidden) for _ in range(depth)])
    renames = {'attn.qkv': 'qkv', 'attn.proj': 'proj', 'mlp.fc1': 'fc1', 'mlp.fc2': 'fc2'}
    for i, block in enumerate(blocks):
        for name, parameter in block.named_parameters():
            source = next((k for k, v in renames.items() if name.startswith(v + '.')), None)
            key = f'blocks.{i}.' + (name.replace(renames[source], source, 1) if source else name)
            parameter.data.copy_(state[key])
    embed = nn.Conv2d(3, dim, patch, stride=patch)
    embed.weight.data.copy_(state['patch_embed.proj.weight'])
    embed.bias.data.copy_(state['patch_embed.proj.bias'])
    norm = nn.LayerNorm(dim, eps=1e-6)
    norm.weight.data.copy_(state['norm.weight'])
    norm.bias.data.copy_(state['norm.bias'])
    return embed, blocks, norm, dim


def blas_info():
    found = [part.split('=', 1)[1] for part in torch.__config__.show().replace(',', ' ').split() if part.startswith('BLAS_INFO=')]
    return found[0] if found else 'unknown'


def matmul_gflops():
    """A plain float32 1576x384 @ 384x1536 matmul (fc1 of 8 images of 197 tokens, as bench engine's yardstick), best of 3."""
    a, b = torch.randn(1576, 384), torch.randn(384, 1536)
    best = float('inf')
    for _ in range(3):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    return 2 * 1576 * 384 * 1536 / best / 1e9


def main():
    parser = argparse.ArgumentParser()
    for flag in ['--weights', '--patches', '--labels', '--head', '--mean', '--std']:
        parser.add_argument(flag, required=True)
    parser.add_argument('--blocks', type=int, required=True)
    parser.add_argument('--batch', type=int, required=True)
    parser.add_argument('--threads', type=int, required=True)
    parser.add_argument('--heads', type=int, default=0)
    parser.add_argument('--lr', type=float, default=0.005)
    parser.add_argument('--block-lr-factor', type=float, default=0.1)
    parser.add_argument('--momentum', type=float, default=0.9)
    parser.add_argument('--max-gradient-norm', type=float, default=5.0)
    parser.add_argument('--max-batches', type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    state = read_safetensors(args.weights)
    dim_guess = state['cls_token'].shape[-1]
    embed, blocks, norm, dim = build_vit(state, args.heads or max(1, dim_guess // 64))
    cls_token, pos_embed = state['cls_token'], state['pos_embed']
    head_values = torch.from_numpy(np.load(args.head).astype(np.float32))
    classes = head_values.shape[0]
    head = nn.Linear(dim, classes)
    head.weight.data.copy_(head_values[:, :dim])
    head.bias.data.copy_(head_values[:, dim])
    patches = np.load(args.patches, mmap_mode='r')
    labels = torch.from_numpy(np.load(args.labels).astype(np.int64))
    mean = torch.tensor([float(v) for v in args.mean.split(',')]).view(1, 3, 1, 1)
    std = torch.tensor([float(v) for v in args.std.split(',')]).view(1, 3, 1, 1)
    first = len(blocks) - args.blocks
    trainable = list(blocks[first:].parameters()) + list(norm.parameters())
    optimizer = torch.optim.SGD([{'params': head.parameters(), 'lr': args.lr},
                                 {'params': trainable, 'lr': args.lr * args.block_lr_factor}], momentum=args.momentum)

    def batch_at(start):
        pixels = torch.from_numpy(np.asarray(patches[start:start + args.batch], dtype=np.float32) / 255.0)
        return (pixels - mean) / std, labels[start:start + args.batch]

    def loss_of(pixels, target):
        with torch.no_grad():
            x = embed(pixels).flatten(2).transpose(1, 2)
            x = torch.cat([cls_token.expand(x.shape[0], -1, -1), x], dim=1) + pos_embed
            for block in blocks[:first]:
                x = block(x)
        for block in blocks[first:]:
            x = block(x)
        return F.cross_entropy(head(norm(x[:, 0])), target)

    def step(start, count=None):
        pixels, target = batch_at(start)
        if count is not None:
            pixels, target = pixels[:count], target[:count]
        optimizer.zero_grad()
        loss = loss_of(pixels, target)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable + list(head.parameters()), args.max_gradient_norm)
        optimizer.step()
        return loss.item()

    with torch.no_grad():
        first_loss = loss_of(*batch_at(0)).item()
    step(0, 2)  # warm-up on the first two patches, not timed (as on the ExplainSeg side)
    starts = list(range(0, len(patches), args.batch))
    timed = starts[:args.max_batches] if args.max_batches > 0 else starts
    started = time.perf_counter()
    losses = [step(start) for start in timed]
    seconds = time.perf_counter() - started
    print(json.dumps({
        'secondsPerEpoch': seconds * len(starts) / len(timed), 'timedBatches': len(timed), 'batchesPerEpoch': len(starts),
        'extrapolatedFromBatches': len(timed) if len(timed) < len(starts) else None,
        'patches': len(patches), 'batch': args.batch, 'blocks': args.blocks, 'threads': args.threads,
        'firstBatchLoss': first_loss, 'meanLoss': float(np.mean(losses)),
        'peakRssMB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'torch': torch.__version__,
        'blas': blas_info(), 'matmulGflops': matmul_gflops(),
    }))


if __name__ == '__main__':
    sys.exit(main())
