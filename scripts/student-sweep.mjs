#!/usr/bin/env node
// Chooses the student's settings on the development data: from a finished `fit` folder (its cached training
// tokens, head and teacher), trains the student under each variant below and scores its masks on the
// held-back (validation) images of the head's split at the pseudo-mask size, beside the teacher's
// pseudo-masks. JSON lines on stdout. Usage: node scripts/student-sweep.mjs MODEL_DIR DATA_DIR [--eval N]
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { createRng, resizeMapBilinear, resizeMaskNearest } from '../dist/core/index.js';
import { readImage, readMask } from '../dist/data/index.js';
import { loadTokenHead } from '../dist/head/index.js';
import { iou } from '../dist/metrics/index.js';
import { binarizeAtValue } from '../dist/postprocess/index.js';
import {
  defaultStudentConfig, gridMap, learnStudentRound, loadClassifier, loadFitTokens, pseudoImage, pseudoMaskFromMap, refineWithCrf, studentProbabilities, teacherTokenMap, tokensOfImages,
} from '../dist/pipeline/index.js';

const args = process.argv.slice(2);
const evalAt = args.indexOf('--eval');
const evalCount = evalAt >= 0 ? Number(args.splice(evalAt, 2)[1]) : 60;
const [modelDir, dataDir] = args;
const stem = (p) => basename(p, extname(p));
const model = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8'));
const base = { ...defaultStudentConfig, ...model.student };
const classifier = await loadClassifier({ weightsPath: model.backbone.weightsPath, headPath: join(modelDir, 'head.json') });
const tokenHead = (await loadTokenHead(join(modelDir, 'teacher', 'token-head.json'))).head;
const dim = classifier.model.config.dim;
const argmax = (v) => v.indexOf(Math.max(...v));
const train = await loadFitTokens(join(modelDir, '.fit'));
const trainSmall = await Promise.all(train.paths.map(async (p) => pseudoImage(await readImage(p), base.pseudoSide)));
const recorded = JSON.parse(await readFile(join(modelDir, 'split.json'), 'utf8'));
const masks = new Map((await readdir(join(dataDir, 'masks'))).map((n) => [stem(n), join(dataDir, 'masks', n)]));
const valPaths = createRng(7).shuffle([...new Set(recorded.val.map((p) => resolve(p)))].sort().filter((p) => masks.has(stem(p)))).slice(0, evalCount).sort();
const val = [];
for (const path of valPaths) {
  const image = await readImage(path);
  const small = pseudoImage(image, base.pseudoSide);
  const [tokens] = await tokensOfImages([image], classifier);
  val.push({ small, tokens, truth: resizeMaskNearest(await readMask(masks.get(stem(path))), small.rows, small.cols) });
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fraction = (m) => m.data.reduce((a, b) => a + b, 0) / m.data.length;

function teacherLabels(config) {
  return train.tokens.map((tokens, i) => ({ tokens, targets: pseudoMaskFromMap(teacherTokenMap(tokens.tokens, tokens.grid, { head: classifier.head, tokenHead, config, predictedClass: argmax(tokens.logits) }), trainSmall[i], { config }).targets }));
}
function studentLabels(config, student) {
  return train.tokens.map((tokens, i) => ({ tokens, targets: pseudoMaskFromMap(gridMap(studentProbabilities(tokens, student, dim), tokens.grid), trainSmall[i], { config, threshold: student.threshold }).targets }));
}
function scoreStudent(config, student) {
  const masksOut = val.map(({ small, tokens }) => {
    const map = resizeMapBilinear(gridMap(studentProbabilities(tokens, student, dim), tokens.grid), small.rows, small.cols);
    const raw = binarizeAtValue(map, student.threshold);
    return config.crf.enabled ? refineWithCrf(small, raw, { ...config.crf, maxSide: Math.max(small.rows, small.cols) }) : raw;
  });
  return { iou: mean(masksOut.map((m, i) => iou(m, val[i].truth))), fraction: mean(masksOut.map(fraction)) };
}
function scoreTeacher(config) {
  const out = val.map(({ small, tokens }) => pseudoMaskFromMap(teacherTokenMap(tokens.tokens, tokens.grid, { head: classifier.head, tokenHead, config, predictedClass: argmax(tokens.logits) }), small, { config }).mask);
  return { iou: mean(out.map((m, i) => iou(m, val[i].truth))), fraction: mean(out.map(fraction)) };
}

const variants = [
  { name: 'default (round 1 shown separately)' },
  { name: 'dark border cleared', darkBorderThreshold: 0.06 },
  { name: 'centre prior 1, dark border', prior: 1, darkBorderThreshold: 0.06 },
  { name: 'centre prior 1, dark border, position', prior: 1, darkBorderThreshold: 0.06, position: true },
  { name: 'shift 0.5', thresholdShift: 0.5 },
  { name: 'patch-logits teacher', teacher: 'patch-logits' },
  { name: 'centre prior 1, dark border, hidden 32', prior: 1, darkBorderThreshold: 0.06, hidden: 32 },
  { name: 'centre prior 1, dark border, position, shift 0.5', prior: 1, darkBorderThreshold: 0.06, position: true, thresholdShift: 0.5 },
  { name: 'centre prior 1, dark border, position, shift 1.0', prior: 1, darkBorderThreshold: 0.06, position: true, thresholdShift: 1.0 },
];
const only = process.env.VARIANTS ? new Set(process.env.VARIANTS.split(',').map(Number)) : undefined;
console.log(JSON.stringify({ trainImages: train.paths.length, valImages: val.length, trueFraction: mean(val.map((v) => fraction(v.truth))) }));
for (const [index, variant] of variants.entries()) {
  if (only && !only.has(index)) continue;
  const config = { ...base, ...variant };
  const started = performance.now();
  const round1 = learnStudentRound(teacherLabels(config), { config, tokenDim: dim, round: 1, seed: 0 }).weights;
  const r1 = scoreStudent(config, round1);
  const round2 = learnStudentRound(studentLabels(config, round1), { config, tokenDim: dim, round: 2, seed: 0 }).weights;
  const r2 = scoreStudent(config, round2);
  console.log(JSON.stringify({ variant: variant.name, teacher: scoreTeacher(config), round1: r1, round2: r2, seconds: Math.round((performance.now() - started) / 1000) }));
}
await classifier.model.dispose();
