#!/usr/bin/env python3
"""Reference values for src/ncut: scipy.linalg.eigh on the generalized problem (D - W) y = lambda D y.

Run from the repository root: /usr/bin/python3 scripts/make-ncut-fixtures.py
Writes test/fixtures/ncut/*.json. Weights are rounded to float32 before solving because the TypeScript
graphs store float32 weights; the eigenproblem is then the same one on both sides.
"""
import json
import os

import numpy as np
from scipy import ndimage
from scipy.linalg import eigh

OUT = os.path.join('test', 'fixtures', 'ncut')


def as_f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def second_pair(w):
    d = w.sum(axis=1)
    values, vectors = eigh(np.diag(d) - w, np.diag(d))
    y = vectors[:, 1]
    # Same sign convention as the TypeScript solver: the largest |y_i| is positive.
    if y[np.argmax(np.abs(y))] < 0:
        y = -y
    return values, y


def gaussian_case(rng):
    centres = np.array([[0, 0, 0, 0, 0], [2.5, 0, 1, 0, 0], [0, 3, 0, 1, 0]], dtype=np.float64)
    labels = np.repeat(np.arange(3), [20, 16, 12])
    features = as_f32(centres[labels] + 0.6 * rng.standard_normal((labels.size, 5)))
    sigma = 1.5
    dist2 = ((features[:, None, :] - features[None, :, :]) ** 2).sum(-1)
    w = as_f32(np.exp(-dist2 / sigma ** 2))
    values, y = second_pair(w)
    return {'count': int(labels.size), 'dim': 5, 'sigma': sigma, 'features': features.ravel().tolist(),
            'weights': w.ravel().tolist(), 'eigenvalues': values[:3].tolist(), 'eigenvector': y.tolist()}


def tokencut_case(rng):
    rows, cols, dim = 6, 7, 8
    background, foreground = rng.standard_normal(dim), rng.standard_normal(dim)
    planted = np.zeros((rows, cols), dtype=bool)
    planted[1:4, 2:5] = True
    base = np.where(planted.ravel()[:, None], foreground, background)
    keys = as_f32(base + 0.45 * rng.standard_normal((rows * cols, dim)))
    unit = keys / np.linalg.norm(keys, axis=1, keepdims=True)
    cosine = unit @ unit.T
    tau, eps = 0.2, 1e-5
    w = as_f32(np.where(cosine > tau, 1.0, eps))
    values, y = second_pair(w)
    side = y > y.mean()
    seed = int(np.argmax(np.abs(y)))
    if not side[seed]:
        side = ~side
    labels, _ = ndimage.label(side.reshape(rows, cols))  # default structure: 4-connectivity
    mask = (labels == labels.flat[seed]).astype(int)
    return {'rows': rows, 'cols': cols, 'dim': dim, 'tau': tau, 'eps': eps, 'keys': keys.ravel().tolist(),
            'weights': w.ravel().tolist(), 'eigenvalues': values[:3].tolist(), 'eigenvector': y.tolist(),
            'mask': mask.ravel().tolist(), 'planted': planted.astype(int).ravel().tolist()}


def pixel_case(rng):
    rows, cols, radius, sigma_feature, sigma_space = 7, 8, 3.0, 0.3, 2.0
    relevance = np.zeros((rows, cols))
    relevance[2:5, 3:7] = 0.9
    relevance = as_f32(relevance + 0.05 * rng.random((rows, cols)))
    intensity = as_f32(0.5 + 0.2 * rng.random((rows, cols)))
    feats = np.stack([relevance.ravel(), intensity.ravel()], axis=1)
    r, c = np.divmod(np.arange(rows * cols), cols)
    dist2 = (r[:, None] - r[None, :]) ** 2 + (c[:, None] - c[None, :]) ** 2
    feat2 = ((feats[:, None, :] - feats[None, :, :]) ** 2).sum(-1)
    w = np.exp(-feat2 / sigma_feature ** 2 - dist2 / sigma_space ** 2)
    w = as_f32(np.where((dist2 < radius ** 2) & (dist2 > 0), w, 0.0))
    values, y = second_pair(w)
    return {'rows': rows, 'cols': cols, 'radius': radius, 'sigmaFeature': sigma_feature, 'sigmaSpace': sigma_space,
            'relevance': relevance.ravel().tolist(), 'intensity': intensity.ravel().tolist(),
            'weights': w.ravel().tolist(), 'eigenvalues': values[:3].tolist(), 'eigenvector': y.tolist()}


def main():
    rng = np.random.default_rng(20240611)
    os.makedirs(OUT, exist_ok=True)
    cases = {'gaussian-eigh.json': gaussian_case(rng), 'tokencut-eigh.json': tokencut_case(rng),
             'pixel-eigh.json': pixel_case(rng)}
    for name, case in cases.items():
        with open(os.path.join(OUT, name), 'w') as handle:
            json.dump(case, handle, separators=(',', ':'))
        print(name, 'eigenvalues', case['eigenvalues'])


if __name__ == '__main__':
    main()
