#!/usr/bin/env node
// The images of one part of a head's split, for scoring a student beside the trivial references: writes
// OUT/images.txt (the part's image paths), OUT/gt/ (their ground-truth masks), OUT/ellipse/ (a centred
// ellipse covering the mean foreground fraction of up to 50 training-part masks) and OUT/otsu/ (Otsu on the
// grey level, the smaller side), each scored by `explainseg evaluate --pred OUT/NAME --gt OUT/gt`.
// Usage: node scripts/student-references.mjs DATA_DIR SPLIT_JSON OUT [--part test] [--limit N]   (after `npx tsc -p .`)
import { copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { readImage, readMask, writeMaskPng } from '../dist/data/index.js';
import { ellipsePrior, fractionFromMasks, otsuOnIntensity, partImagePaths } from '../dist/pipeline/index.js';
import { createRng } from '../dist/core/index.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : fallback;
};
const part = option('--part', 'test');
const limit = Number(option('--limit', '100000'));
const [dataDir, splitPath, out] = args;
const stem = (path) => basename(path, extname(path));
const recorded = JSON.parse(await readFile(splitPath, 'utf8'));
const masks = new Map((await readdir(join(dataDir, 'masks'))).map((name) => [stem(name), join(dataDir, 'masks', name)]));
const images = createRng(0).shuffle(partImagePaths(recorded, part).filter((p) => masks.has(stem(p)))).slice(0, limit).sort();
const training = createRng(1).shuffle([...new Set(recorded.train)].filter((p) => masks.has(stem(p)))).slice(0, 50);
const fraction = fractionFromMasks(await Promise.all(training.map((p) => readMask(masks.get(stem(p))))));
for (const dir of ['gt', 'ellipse', 'otsu']) await mkdir(join(out, dir), { recursive: true });
for (const path of images) {
  const gt = masks.get(stem(path));
  await copyFile(gt, join(out, 'gt', basename(gt)));
  const image = await readImage(path);
  await writeMaskPng(join(out, 'ellipse', `${stem(path)}.png`), ellipsePrior(image.rows, image.cols, { fraction }));
  await writeMaskPng(join(out, 'otsu', `${stem(path)}.png`), otsuOnIntensity(image, { foreground: 'smaller' }));
}
await writeFile(join(out, 'images.txt'), `${images.join('\n')}\n`);
console.log(JSON.stringify({ part, images: images.length, ellipseFraction: fraction }));
