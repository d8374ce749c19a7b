import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../src/core/index.js';
import { countByLabel, loadBusBra, loadDataset, loadGeneric, loadKvasirSeg, loadPh2 } from '../../src/data/index.js';
import { makeTempDir, writeRectMask, writeSolid } from './synthetic.js';

/** A BUS-BRA-like folder: 4 labelled images (2 cases), plus the given faults. */
async function busBraFolder(faults: { wrongSizeMask?: boolean; unlabelledImage?: boolean; missingImage?: boolean } = {}): Promise<string> {
  const root = await makeTempDir('busbra-');
  const rows = [['a-1', 'benign', '1'], ['a-2', 'malignant', '1'], ['b-1', 'benign', '2'], ['b-2', 'malignant', '2']];
  if (faults.missingImage) rows.push(['ghost', 'benign', '3']);
  await writeFile(join(root, 'labels.csv'), `name,pathology,malignant,birads,case\n${rows.map(([n, p, c]) => `${n},${p},${p === 'malignant' ? 1 : 0},4,${c}`).join('\n')}\n`);
  for (const [name] of rows.filter(([n]) => n !== 'ghost')) {
    await writeSolid(join(root, 'images', `${name}.png`), 12, 10, [50, 50, 50]);
    const maskCols = faults.wrongSizeMask && name === 'b-1' ? 11 : 10;
    await writeRectMask(join(root, 'masks', `${name}.png`), 12, maskCols, { top: 2, left: 2, rows: 4, cols: 4 });
  }
  if (faults.unlabelledImage) await writeSolid(join(root, 'images', 'stray.png'), 12, 10, [0, 0, 0]);
  return root;
}

describe('bus-bra adapter', () => {
  it('reads classes, masks and patient groups from labels.csv', async () => {
    const dataset = await loadBusBra(await busBraFolder());
    expect(dataset.classes).toEqual(['benign', 'malignant']);
    expect(dataset.items.map((i) => [i.id, i.label, i.group])).toEqual([['a-1', 0, 'case-1'], ['a-2', 1, 'case-1'], ['b-1', 0, 'case-2'], ['b-2', 1, 'case-2']]);
    expect(dataset.items.every((i) => i.maskPath?.endsWith(`${i.id}.png`))).toBe(true);
  });

  it('lists every offender in one DatasetError: wrong-size mask, unlabelled image, missing image', async () => {
    const root = await busBraFolder({ wrongSizeMask: true, unlabelledImage: true, missingImage: true });
    const error = await loadBusBra(root).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    const message = (error as Error).message;
    expect(message).toContain(`${join(root, 'masks', 'b-1.png')}: expected 12x10`);
    expect(message).toContain('but received 12x11');
    expect(message).toContain(`${join(root, 'images', 'stray.png')}: image without a label`);
    expect(message).toContain(`${join(root, 'images', 'ghost.png')}: labelled in`);
    expect(message).toMatch(/3 problem/);
  });

  it('returns the problems as warnings with skipBad and drops the bad items', async () => {
    const dataset = await loadBusBra(await busBraFolder({ wrongSizeMask: true, unlabelledImage: true }), { skipBad: true });
    expect(dataset.items.map((i) => i.id)).toEqual(['a-1', 'a-2', 'b-2']);
    expect(dataset.warnings.map((w) => w.file.split('/').slice(-2).join('/'))).toEqual(['images/stray.png', 'masks/b-1.png']);
  });
});

describe('ph2 adapter', () => {
  it('maps binary and three-class labels', async () => {
    const root = await makeTempDir('ph2-');
    await writeFile(join(root, 'labels.csv'), 'name,clinical_diagnosis,label,malignant\nIMD1,0,common_nevus,0\nIMD2,1,atypical_nevus,0\nIMD3,2,melanoma,1\n');
    for (const name of ['IMD1', 'IMD2', 'IMD3']) {
      await writeSolid(join(root, 'images', `${name}.jpg`), 8, 8, [200, 100, 50]);
      await writeRectMask(join(root, 'masks', `${name}.png`), 8, 8, { top: 0, left: 0, rows: 3, cols: 3 });
    }
    expect((await loadPh2(root)).items.map((i) => i.label)).toEqual([0, 0, 1]);
    const three = await loadDataset('ph2', root, { labels: 'three' });
    expect([three.classes.length, ...three.items.map((i) => i.label)]).toEqual([3, 0, 1, 2]);
  });
});

describe('generic adapter', () => {
  it('takes one folder per class and reports an empty class and an unlabelled image', async () => {
    const root = await makeTempDir('generic-');
    await writeSolid(join(root, 'cat', 'x.png'), 4, 4, [1, 2, 3]);
    await writeSolid(join(root, 'dog', 'y.png'), 4, 4, [1, 2, 3]);
    expect((await loadGeneric(root)).items.map((i) => [i.id, i.label])).toEqual([['cat/x', 0], ['dog/y', 1]]);
    await mkdir(join(root, 'empty'));
    await writeSolid(join(root, 'loose.png'), 4, 4, [1, 2, 3]);
    const message = await loadGeneric(root).catch((e: Error) => e.message);
    expect(message).toContain("class 'empty' has no images");
    expect(message).toContain('loose.png: image outside any class folder');
  });

  it('takes a CSV of path,label,mask relative to the CSV', async () => {
    const root = await makeTempDir('generic-csv-');
    await writeSolid(join(root, 'img', 'a.png'), 6, 6, [9, 9, 9]);
    await writeSolid(join(root, 'img', 'b.png'), 6, 6, [9, 9, 9]);
    await writeRectMask(join(root, 'img', 'b-mask.png'), 6, 6);
    await writeFile(join(root, 'list.csv'), 'path,label,mask\nimg/a.png,healthy,\nimg/b.png,"lesion, large",img/b-mask.png\n');
    const dataset = await loadGeneric(root, { csv: 'list.csv' });
    expect(dataset.classes).toEqual(['healthy', 'lesion, large']);
    expect(dataset.items[1]!.maskPath).toBe(join(root, 'img', 'b-mask.png'));
  });
});

describe('kvasir-seg adapter', () => {
  it('cuts JPEG-masked frames into balanced patches grouped by frame', async () => {
    const root = await makeTempDir('kvasir-');
    for (const name of ['f1', 'f2']) {
      await writeSolid(join(root, 'images', `${name}.jpg`), 32, 32, [150, 60, 60]);
      // 4 x 4 grid of 8-pixel patches; the polyp fills the top-left 16 x 16 block: 4 positive, 12 negative.
      await writeRectMask(join(root, 'masks', `${name}.jpg`), 32, 32, { top: 0, left: 0, rows: 16, cols: 16 });
    }
    const unbalanced = await loadKvasirSeg(root, { balance: false });
    expect(countByLabel(unbalanced.items, 2)).toEqual([24, 8]);
    const dataset = await loadKvasirSeg(root, { seed: 1 });
    expect(countByLabel(dataset.items, 2)).toEqual([8, 8]);
    const first = dataset.items.find((item) => item.id === 'f1@0,0')!;
    expect(first).toMatchObject({ label: 1, group: 'f1', crop: { top: 0, left: 0, rows: 8, cols: 8 } });
    expect((await loadKvasirSeg(root, { seed: 1 })).items).toEqual(dataset.items);
    await writeSolid(join(root, 'images', 'lonely.jpg'), 32, 32, [1, 1, 1]);
    await expect(loadKvasirSeg(root)).rejects.toThrow(/lonely\.jpg: image without a mask/);
  });
});
