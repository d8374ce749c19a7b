#!/usr/bin/env node
// Times refineMaskCrf on a synthetic 512x512 RGB image (2 labels, default kernels, 5 iterations)
// and prints the median of several runs as JSON, with lattice build and iteration times apart.
// Needs the compiled library: `npm run build` first (or pass the compiled folder: --dist DIR).
// Usage: node scripts/crf-speed.mjs [--size 512] [--runs 5] [--dist dist] [--preset default|maskcut]
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((part) => part.trim().split(/\s+/)));
const size = Number(args.size ?? 512);
const runs = Number(args.runs ?? 5);
const dist = resolve(args.dist ?? 'dist');
const preset = args.preset ?? 'default';
if (!existsSync(`${dist}/crf/index.js`)) {
  console.error(`no compiled library at ${dist}/crf/index.js; run \`npm run build\` or pass --dist`);
  process.exit(1);
}
const crf = await import(pathToFileURL(`${dist}/crf/index.js`).href);
const core = await import(pathToFileURL(`${dist}/core/index.js`).href);

/** A bright disc on a graded background, with pixel noise, and a noisy soft map of the disc. */
function syntheticProblem(rows, cols) {
  const rng = core.createRng(1);
  const pixels = rows * cols;
  const image = new Float32Array(3 * pixels);
  const soft = new Float32Array(pixels);
  for (let pixel = 0; pixel < pixels; pixel++) {
    const row = Math.floor(pixel / cols);
    const col = pixel % cols;
    const inside = (row - rows / 2) ** 2 + (col - cols / 2) ** 2 < (rows / 4) ** 2;
    for (let c = 0; c < 3; c++) image[c * pixels + pixel] = Math.min(1, Math.max(0, (inside ? 0.7 : 0.3) + 0.05 * rng.normal() + (0.1 * c * col) / cols));
    soft[pixel] = Math.min(1, Math.max(0, (inside ? 0.65 : 0.35) + 0.2 * rng.normal()));
  }
  return { image: { data: image, channels: 3, rows, cols }, soft: { data: soft, rows, cols } };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const { image, soft } = syntheticProblem(size, size);
const totals = [];
const builds = [];
const cpuTimes = [];
for (let run = 0; run < runs; run++) {
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let firstIteration = 0;
  const options = preset === 'maskcut' ? crf.maskCutCrfPreset : {};
  crf.refineMaskCrf(image, soft, { ...options, onIteration: (event) => { if (event.iteration === 1) firstIteration = performance.now(); } });
  const total = performance.now() - start;
  const cpu = process.cpuUsage(cpuStart);
  // CPU time of this process is less sensitive than wall time to other jobs on a shared machine.
  cpuTimes.push((cpu.user + cpu.system) / 1000);
  totals.push(total);
  builds.push(firstIteration - start);
}
console.log(JSON.stringify({
  size, runs, preset, node: process.version,
  medianTotalMs: Math.round(median(totals)),
  medianUntilFirstIterationMs: Math.round(median(builds)),
  medianCpuMs: Math.round(median(cpuTimes)),
  allTotalsMs: totals.map(Math.round),
}));
