#!/usr/bin/env node
// Time one click correction of the review app (seeded random walker + DenseCRF, the code `explainseg view`
// runs) on a synthetic 512 x 512 image, soft map and mask: medians of several runs as one JSON line, with
// the load average. Needs `npm run build` first. Usage: node scripts/bench-correction.mjs [--runs 5] [--side 512]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createImageTensor, createMask, createScalarMap } from '../dist/core/index.js';
import { correctionStages } from '../dist/cli/correction-stages.js';
import { correctMask } from '../dist/viewer/index.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' }, side: { type: 'string', default: '512' } } });
const runs = Number(values.runs);
const side = Number(values.side);
const plane = side * side;
const inside = (i) => (Math.floor(i / side) - side * 0.45) ** 2 + ((i % side) - side * 0.55) ** 2 < (side * 0.2) ** 2;
const image = createImageTensor(3, side, side, Float32Array.from({ length: 3 * plane }, (_, i) => (inside(i % plane) ? 0.75 : 0.3) + 0.05 * Math.sin(i)));
const map = createScalarMap(side, side, Float32Array.from({ length: plane }, (_, i) => (inside(i) ? 0.6 : 0.3) + 0.1 * Math.cos(i / 7)));
const mask = createMask(side, side, Uint8Array.from({ length: plane }, (_, i) => (i % side < side / 2 ? 1 : 0)));
const loaded = { image, map, mask, crf: {} };
const clicks = [{ row: Math.round(side * 0.45), col: Math.round(side * 0.55), label: 1 }, { row: 10, col: 10, label: 0 }];
const stages = correctionStages();
const loadAverageStart = loadavg();
correctMask(loaded, clicks, stages); // warm-up
const ms = [];
for (let r = 0; r < runs; r++) {
  const started = performance.now();
  correctMask(loaded, clicks, stages);
  ms.push(performance.now() - started);
}
ms.sort((a, b) => a - b);
console.log(JSON.stringify({ side, runs, medianMs: Math.round(ms[Math.floor(runs / 2)]), minMs: Math.round(ms[0]), maxMs: Math.round(ms[runs - 1]), loadAverageStart, loadAverageEnd: loadavg() }));
