#!/usr/bin/python3
"""Golden fixtures for src/postprocess from scikit-image 0.19 / SciPy 1.10 (Debian python3-skimage).

Run from the repository root:  /usr/bin/python3 scripts/make-postprocess-fixtures.py
Writes test/fixtures/postprocess/{morphology,intensity}.json. Masks are stored as strings of 0/1 in
row-major order. Float maps are generated as float32 and handed to scikit-image as float64, which is the
arithmetic the TypeScript port uses (float64 on float32 values), so thresholds compare exactly.
"""
import json
import os

import numpy as np
import skimage
from scipy import ndimage as ndi
from skimage import color, exposure, filters, measure, morphology, segmentation

OUT_DIR = os.path.join('test', 'fixtures', 'postprocess')


def bits(mask):
    return ''.join('1' if v else '0' for v in np.asarray(mask, dtype=bool).ravel())


def blob_mask(rows, cols, seed):
    """Disks and a ring (with a hole), parts touching the border, and salt noise."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:rows, 0:cols]
    mask = np.zeros((rows, cols), dtype=bool)
    mask |= (yy - 10) ** 2 + (xx - 12) ** 2 <= 36                      # disk
    ring = (yy - 26) ** 2 + (xx - 24) ** 2
    mask |= (ring <= 64) & (ring >= 9)                                  # ring with a hole
    mask |= (yy - 2) ** 2 + (xx - (cols - 3)) ** 2 <= 16                # touches the top-right border
    mask[rows - 4:, 3:9] = True                                         # touches the bottom
    mask[5:8, 30:31] = True                                             # thin bar
    mask ^= rng.random((rows, cols)) < 0.04                             # salt and pepper
    return mask


def morphology_cases(mask):
    footprints = {f'disk{r}': morphology.disk(r) for r in (1, 2, 3)}
    footprints.update({f'square{n}': morphology.square(n) for n in (3, 4, 5)})
    out = {}
    for name, fp in footprints.items():
        out[f'dilate_{name}'] = bits(morphology.binary_dilation(mask, fp))
        out[f'erode_{name}'] = bits(morphology.binary_erosion(mask, fp))
        out[f'open_{name}'] = bits(morphology.binary_opening(mask, fp))
        out[f'close_{name}'] = bits(morphology.binary_closing(mask, fp))
    return out


def component_cases(mask):
    return {
        'label4': measure.label(mask, connectivity=1).ravel().tolist(),
        'label8': measure.label(mask, connectivity=2).ravel().tolist(),
        'clear_border_0': bits(segmentation.clear_border(mask)),
        'clear_border_2': bits(segmentation.clear_border(mask, buffer_size=2)),
        'remove_small_5_c4': bits(morphology.remove_small_objects(mask, 5, connectivity=1)),
        'remove_small_12_c8': bits(morphology.remove_small_objects(mask, 12, connectivity=2)),
        'fill_holes': bits(ndi.binary_fill_holes(mask)),
    }


def mask_entry(name, mask):
    rows, cols = mask.shape
    entry = {'name': name, 'rows': rows, 'cols': cols, 'data': bits(mask)}
    entry.update(morphology_cases(mask))
    entry.update(component_cases(mask))
    return entry


def float_maps():
    rng = np.random.default_rng(7)
    yy, xx = np.mgrid[0:40, 0:40]
    blob = np.exp(-((yy - 18) ** 2 + (xx - 22) ** 2) / 60.0) + 0.15 * rng.standard_normal((40, 40))
    uniform = rng.random((23, 29))
    few_levels = rng.integers(0, 5, (17, 19)) * 0.25 + 0.1
    skewed = rng.exponential(1.0, (30, 25)) - 3.0
    return {'blob': blob, 'uniform': uniform, 'few_levels': few_levels, 'skewed': skewed}


def map_entry(name, values):
    values32 = values.astype(np.float32)
    as64 = values32.astype(np.float64)
    rows, cols = as64.shape
    return {
        'name': name, 'rows': rows, 'cols': cols,
        'data': [float(v) for v in as64.ravel()],
        'otsu': float(filters.threshold_otsu(as64)),
        'otsu_64_bins': float(filters.threshold_otsu(as64, nbins=64)),
        'equalize_hist': [round(float(v), 10) for v in exposure.equalize_hist(as64).ravel()],
    }


def clahe_entry(values):
    """Loose reference only: the port's CLAHE differs in clip redistribution and padding."""
    values32 = values.astype(np.float32).astype(np.float64)
    scaled = (values32 - values32.min()) / (values32.max() - values32.min())
    out = exposure.equalize_adapthist(scaled, kernel_size=(10, 10), clip_limit=0.01)
    return {'tiles': 4, 'clip_limit': 0.01, 'values': [round(float(v), 6) for v in out.ravel()]}


def grayscale_entry():
    rng = np.random.default_rng(3)
    rgb = rng.random((4, 5, 3)).astype(np.float32).astype(np.float64)
    return {
        'rows': 4, 'cols': 5,
        'chw': [float(v) for v in np.transpose(rgb, (2, 0, 1)).ravel()],
        'gray': [float(v) for v in color.rgb2gray(rgb).ravel()],
    }


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = {'generator': 'scripts/make-postprocess-fixtures.py', 'skimage': skimage.__version__}
    masks = [mask_entry('blobs40', blob_mask(40, 40, 1)), mask_entry('blobs37x43', blob_mask(37, 43, 2))]
    with open(os.path.join(OUT_DIR, 'morphology.json'), 'w') as f:
        json.dump({'meta': meta, 'masks': masks}, f, separators=(',', ':'))
    maps = float_maps()
    intensity = {
        'meta': meta,
        'maps': [map_entry(name, values) for name, values in maps.items()],
        'clahe_blob': clahe_entry(maps['blob']),
        'grayscale': grayscale_entry(),
    }
    with open(os.path.join(OUT_DIR, 'intensity.json'), 'w') as f:
        json.dump(intensity, f, separators=(',', ':'))


if __name__ == '__main__':
    main()
