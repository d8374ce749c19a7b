#!/usr/bin/env node
// Seconds per image of a segment run done one by one (postprocessWorkers 0) and pipelined (1 worker thread
// cutting, refining and writing image i while onnxruntime explains image i+1), on the first N Kvasir images.
// Uses the trained head in runs/heads/kvasir-seg/head.json when present, else a seeded random head.
// Needs the compiled library: `npm run build` first (or --dist DIR).
// Usage: node scripts/postprocess-pool-bench.mjs [--images 4] [--steps 8] [--samples 1] [--variant xncut] [--dist dist]
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({
  options: { images: { type: 'string' }, steps: { type: 'string' }, samples: { type: 'string' }, variant: { type: 'string' }, dist: { type: 'string' } },
});
const dist = resolve(values.dist ?? 'dist');
if (!existsSync(join(dist, 'pipeline/postprocess-worker.js'))) {
  console.error(`no compiled worker in ${dist}; run \`npm run build\` or pass --dist`);
  process.exit(1);
}
const load = (path) => import(pathToFileURL(join(dist, path)).href);
const { loadClassifier } = await load('pipeline/classifier-model.js');
const { resolveConfig } = await load('pipeline/presets.js');
const { runSegmentation } = await load('pipeline/segment-run.js');

const dataDir = resolve('../shared/data/kvasir-seg/images');
const weightsPath = resolve('../shared/weights/vit-s16-ssl/vit-s16-ssl.safetensors');
const headPath = resolve('runs/heads/kvasir-seg/head.json');
if (!existsSync(headPath)) {
  console.error(`no trained head at ${headPath}; train one first ('explainseg bench train')`);
  process.exit(1);
}
const count = Number(values.images ?? 4);
const names = (await readdir(dataDir)).filter((n) => n.endsWith('.jpg')).sort().slice(0, count + 1);
const [warmup, ...images] = names.map((n) => join(dataDir, n));
const config = resolveConfig(values.variant ?? 'xncut', { explain: { nSteps: Number(values.steps ?? 8), ntSamples: Number(values.samples ?? 1) } });
const classifier = await loadClassifier({ weightsPath, headPath });
const context = { ...classifier, config, identity: {} };

async function timed(workers) {
  const outDir = await mkdtemp(join(tmpdir(), `pool-bench-${workers}-`));
  await runSegmentation([warmup], context, { outDir, postprocessWorkers: workers }); // warm caches and the worker
  const started = performance.now();
  const summary = await runSegmentation(images, context, { outDir, postprocessWorkers: workers });
  const seconds = (performance.now() - started) / 1000;
  await rm(outDir, { recursive: true });
  const stage = (key) => summary.done.reduce((sum, d) => sum + (d.timingsMs[key] ?? 0), 0) / summary.done.length / 1000;
  return { workers, images: images.length, failed: summary.failed.length, secondsPerImage: seconds / images.length, explain: stage('total'), mask: stage('mask'), crf: stage('crf'), write: stage('write') };
}

const sequential = await timed(0);
const pipelined = await timed(1);
await classifier.model.dispose();
console.log(JSON.stringify({ variant: values.variant ?? 'xncut', explain: config.explain, sequential, pipelined, speedup: sequential.secondsPerImage / pipelined.secondsPerImage }, null, 2));
