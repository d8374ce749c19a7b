#!/usr/bin/python3
"""Reference colormaps for src/pipeline/overlay.ts, from Debian's python3-matplotlib (3.6).

Writes test/fixtures/overlay/colormaps.json:
  - turbo: matplotlib's 256-entry Turbo table (Google's published table), entry i taken at x = i / 255;
  - jet: matplotlib's piecewise-linear jet segment data evaluated exactly (np.interp) at 41 points.
Prints the 33 Turbo knots (table sampled at x = k / 32, linear between entries) that overlay.ts keeps.

Run from the repository root: /usr/bin/python3 scripts/make-overlay-fixtures.py
"""
import json

import matplotlib
import numpy as np
from matplotlib import _cm

KNOTS = 33


def turbo_table():
    return np.array(matplotlib.colormaps['turbo'].colors, dtype=np.float64)


def turbo_knots(table):
    x = np.linspace(0, 1, len(table))
    kx = np.linspace(0, 1, KNOTS)
    return np.stack([np.interp(kx, x, table[:, c]) for c in range(3)], axis=1)


def jet_exact(xs):
    channels = []
    for name in ('red', 'green', 'blue'):
        segments = np.array(_cm._jet_data[name], dtype=np.float64)
        channels.append(np.interp(xs, segments[:, 0], segments[:, 1]))
    return np.stack(channels, axis=1)


def main():
    table = turbo_table()
    knots = np.round(turbo_knots(table), 4)
    x = np.linspace(0, 1, len(table))
    approx = np.stack([np.interp(x, np.linspace(0, 1, KNOTS), knots[:, c]) for c in range(3)], axis=1)
    print('max |knots - table| =', np.abs(approx - table).max())
    print('knots (r, g, b):')
    for row in knots:
        print(f'  [{row[0]:.4f}, {row[1]:.4f}, {row[2]:.4f}],')
    jet_x = np.linspace(0, 1, 41)
    fixture = {
        'provenance': f'matplotlib {matplotlib.__version__}, scripts/make-overlay-fixtures.py',
        'turbo': {'x': x.round(8).tolist(), 'rgb': table.round(6).tolist()},
        'jet': {'x': jet_x.round(8).tolist(), 'rgb': jet_exact(jet_x).round(8).tolist()},
    }
    with open('test/fixtures/overlay/colormaps.json', 'w') as handle:
        json.dump(fixture, handle, separators=(',', ':'))
        handle.write('\n')


if __name__ == '__main__':
    main()
