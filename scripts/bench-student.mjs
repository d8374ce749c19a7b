#!/usr/bin/env node
// Seconds per image of the student's segmentation (one forward pass, the student's map fused with the
// preset's image cues at the working size, DenseCRF where the preset keeps it) on images resized to 512 pixels on the longer side, with the model's
// load time, medians of several runs, and the machine's load average, as JSON on stdout.
// Usage: node scripts/bench-student.mjs MODEL_DIR IMAGE... [--runs N]   (after `npx tsc -p .`)
import { loadavg, cpus } from 'node:os';
import { join } from 'node:path';
import { resizeImageBilinear } from '../dist/core/index.js';
import { readImage } from '../dist/data/index.js';
import { loadTokenHead } from '../dist/head/index.js';
import { loadClassifier, loadStudentModelFile, loadStudentWeights, segmentWithStudent, STUDENT_FILES } from '../dist/pipeline/index.js';

const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args.splice(runsAt, 2)[1]) : 5;
const [modelDir, ...paths] = args;
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const loadStart = performance.now();
const model = await loadStudentModelFile(modelDir);
const student = await loadStudentWeights(join(modelDir, 'student.json'));
const classifier = await loadClassifier({ weightsPath: model.backbone.weightsPath, headPath: join(modelDir, 'head.json') });
const tokenHead = (model.student.cues.teacher ?? 0) !== 0 ? (await loadTokenHead(join(modelDir, STUDENT_FILES.tokenHead))).head : undefined;
const loadMs = performance.now() - loadStart;
const images = [];
for (const path of paths) {
  const image = await readImage(path);
  const scale = 512 / Math.max(image.rows, image.cols);
  images.push(resizeImageBilinear(image, Math.round(image.rows * scale), Math.round(image.cols * scale)));
}
await segmentWithStudent(images[0], { ...classifier, student, ...(tokenHead ? { tokenHead } : {}), config: model.student }); // warm-up: session creation
const perImage = [];
const stages = {};
for (const image of images) {
  const totals = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const { timingsMs } = await segmentWithStudent(image, { ...classifier, student, ...(tokenHead ? { tokenHead } : {}), config: model.student });
    totals.push(performance.now() - start);
    for (const [k, v] of Object.entries(timingsMs)) (stages[k] ??= []).push(v);
  }
  perImage.push(median(totals));
}
await classifier.model.dispose();
console.log(JSON.stringify({
  model: modelDir, images: paths.length, side: 512, runs, crfMaxSide: model.student.crf.maxSide,
  loadMs: Math.round(loadMs), medianMsPerImage: Math.round(median(perImage)),
  medianStageMs: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, Math.round(median(v))])),
  machine: { cpus: cpus().length, loadAverage1m: loadavg()[0] },
}, null, 2));
