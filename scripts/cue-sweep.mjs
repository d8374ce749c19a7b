#!/usr/bin/env node
// Chooses a dataset's cue weights and cut on its development images (issue 14; docs/results.md
// "ExplainSeg-ST"): from a finished `fit` folder (head, token head, student, split), up to N images of the
// chosen part with a mask (default: the validation part, which no head or student trained on) is brought to SIDE pixels; each cue (the student's and the teacher's token maps,
// centre prior, colour contrast, darkness, smoothness) is scored alone (pixel ROC AUC), then every weight
// combination of the grid is fused and cut (Otsu, or a fixed fraction), and the best are printed with their
// mean IoU, with and without DenseCRF for the best. JSON lines on stdout.
// Usage (after `npx tsc -p .`): node scripts/cue-sweep.mjs MODEL_DIR DATA_DIR [--part val|development|test]
//   [--images 40] [--side 160] [--grid 0,0.5,1] [--cues student,teacher,...] [--ig CLASS: IG black-baseline relevance as the teacher] [--objectness] [--only '{"teacher":2,"prior":0.5}' --cut otsu]
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { createRng, resizeMaskNearest } from '../dist/core/index.js';
import { loadBackbone } from '../dist/backbone/index.js';
import { CUE_NAMES, fuseCues, standardise } from '../dist/cues/index.js';
import { readImage, readMask } from '../dist/data/index.js';
import { loadTokenHead } from '../dist/head/index.js';
import { iou, mapRocAuc } from '../dist/metrics/index.js';
import {
  cuePlanes, cutFused, defaultStudentConfig, explainImage, maskCutBaseline, inferenceTokenMaps, resolveConfig, loadClassifier, loadStudentWeights, partImagePaths, pseudoImage, readRecordedSplit, refineWithCrf, tokensOfImages, validPixels,
} from '../dist/pipeline/index.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : fallback;
};
const part = option('--part', 'val');
const count = Number(option('--images', '40'));
const side = Number(option('--side', '160'));
const grid = option('--grid', '0,0.5,1').split(',').map(Number);
const only = option('--only', undefined);
const onlyCut = option('--cut', 'otsu');
const igTarget = option('--ig', undefined);
const objectness = args.includes('--objectness') ? args.splice(args.indexOf('--objectness'), 1) : undefined;
const gridCues = option('--cues', CUE_NAMES.join(',')).split(',');
const [modelDir, dataDir] = args;
const stem = (p) => basename(p, extname(p));
const model = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
const config = { ...defaultStudentConfig, ...model.student };
const classifier = await loadClassifier({ weightsPath: model.backbone.weightsPath, headPath: join(modelDir, 'head.json') });
const tokenHead = (await loadTokenHead(join(modelDir, 'teacher', 'token-head.json'))).head;
const student = await loadStudentWeights(join(modelDir, 'student.json'));
const recorded = await readRecordedSplit(join(modelDir, 'split.json'));
const masks = new Map((await readdir(join(dataDir, 'masks'))).map((n) => [stem(n).replace(/_(mask|segmentation|lesion)$/i, ''), join(dataDir, 'masks', n)]));
// 'val': the validation part's source images that none of the head, the token head and the student trained on.
const valPart = () => [...new Set(recorded.val.map((p) => resolve(p)))].filter((p) => !new Set(recorded.train.map((t) => resolve(t))).has(p)).sort();
const paths = createRng(3).shuffle((part === 'val' ? valPart() : partImagePaths(recorded, part)).filter((p) => masks.has(stem(p)))).slice(0, count).sort();
// --objectness: the union of MaskCut's masks (480-pixel keys, CutLER's settings) as the 'objectness' cue.
const maskCutModel = objectness ? (await loadBackbone(model.backbone.weightsPath, { inputSize: 480 })).model : undefined;
const allCues = Object.fromEntries(CUE_NAMES.map((name) => [name, 1]));
const items = [];
for (const path of paths) {
  const image = await readImage(path);
  const small = pseudoImage(image, side);
  const truth = resizeMaskNearest(await readMask(masks.get(stem(path))), small.rows, small.cols);
  const [tokens] = await tokensOfImages([image], classifier);
  const predictedClass = tokens.logits.indexOf(Math.max(...tokens.logits));
  const tokenMaps = inferenceTokenMaps(tokens, { head: classifier.head, student, tokenHead, config: { ...config, cues: allCues }, dim: classifier.model.config.dim, predictedClass });
  if (igTarget) {
    // --ig CLASS: the teacher plane is Integrated Gradients' relevance (black baseline, 8 steps x 2 samples) of CLASS instead of the token head's map.
    const explainConfig = resolveConfig('xncut', { explain: { baseline: 'black', nSteps: 8, ntSamples: 2, stdevs: 0.3, smoothSigma: 6, target: igTarget } });
    tokenMaps.teacher = (await explainImage(image, { model: classifier.model, head: classifier.head, config: explainConfig })).relevance.input;
  }
  if (maskCutModel) {
    const union = (await maskCutBaseline(image, { model: maskCutModel })).union;
    tokenMaps.objectness = { rows: union.rows, cols: union.cols, data: Float32Array.from(union.data) };
  }
  const valid = validPixels(small, config.darkBorderThreshold);
  const planes = cuePlanes(small, allCues, { tokenMaps, valid, smoothing: config.cueSmoothing });
  const z = Object.fromEntries(Object.entries(planes).map(([name, plane]) => [name, standardise(plane, valid)]));
  items.push({ small, truth, valid, planes: z });
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fraction = (m) => m.data.reduce((a, b) => a + b, 0) / m.data.length;
console.log(JSON.stringify({ modelDir, part, images: items.length, side, trueFraction: mean(items.map((it) => fraction(it.truth))), paths: paths.map(stem) }));
for (const name of CUE_NAMES.filter((cue) => items.every((it) => it.planes[cue]))) {
  const aucs = items.map((it) => mapRocAuc({ rows: it.small.rows, cols: it.small.cols, data: it.planes[name] }, it.truth)).filter(Number.isFinite);
  console.log(JSON.stringify({ cue: name, rocAuc: mean(aucs) }));
}
const CUTS = ['otsu', 0.1, 0.15, 0.2, 0.25, 0.3, 0.4];
/** Mean IoU and predicted fraction of every cut in `cuts` for one weighting (fused once per image). */
function score(weights, cuts, crf) {
  const sums = cuts.map(() => ({ iou: 0, fraction: 0 }));
  for (const it of items) {
    const fused = fuseCues(it.planes, weights, it.valid);
    cuts.forEach((cut, k) => {
      let mask = cutFused(fused, { rows: it.small.rows, cols: it.small.cols, valid: it.valid }, cut);
      if (crf) mask = refineWithCrf(it.small, mask, { ...config.crf, enabled: true, maxSide: side });
      sums[k].iou += iou(mask, it.truth) / items.length;
      sums[k].fraction += fraction(mask) / items.length;
    });
  }
  return cuts.map((cut, k) => ({ weights, cut, crf, iou: sums[k].iou, fraction: sums[k].fraction }));
}
if (only) {
  const weights = JSON.parse(only);
  const cut = onlyCut === 'otsu' ? 'otsu' : Number(onlyCut);
  for (const crf of [false, true]) console.log(JSON.stringify(score(weights, [cut], crf)[0]));
} else {
  const results = [];
  const combos = [{}];
  for (const name of gridCues) combos.splice(0, combos.length, ...combos.flatMap((c) => grid.map((w) => ({ ...c, ...(w ? { [name]: w } : {}) }))));
  for (const weights of combos) {
    if (Object.keys(weights).length === 0) continue;
    results.push(...score(weights, CUTS, false));
  }
  results.sort((a, b) => b.iou - a.iou);
  for (const result of results.slice(0, 10)) console.log(JSON.stringify(result));
  for (const name of CUE_NAMES) console.log(JSON.stringify({ alone: name, ...results.find((r) => Object.keys(r.weights).length === 1 && r.weights[name]) }));
  console.log(JSON.stringify({ best: 'with DenseCRF', ...score(results[0].weights, [results[0].cut], true)[0] }));
}
await classifier.model.dispose();
