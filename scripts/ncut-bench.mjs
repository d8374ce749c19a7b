#!/usr/bin/env node
// Times the ncut stage on synthetic inputs. Usage: npm run build && node scripts/ncut-bench.mjs [distDir]
// Prints one JSON line per case: median and min of `repeats` runs, in milliseconds.
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const dist = resolve(process.argv[2] ?? 'dist');
const ncut = await import(pathToFileURL(resolve(dist, 'ncut/index.js')).href);
const core = await import(pathToFileURL(resolve(dist, 'core/index.js')).href);

function plantedKeys(rows, cols, dim, noise, seed) {
  const rng = core.createRng(seed);
  const prototypes = [0, 1, 2].map(() => Float64Array.from({ length: dim }, () => rng.normal()));
  const keys = new Float32Array(rows * cols * dim);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const region = r >= 5 && r < 20 && c >= 6 && c < 18 ? 1 : r >= 22 && c >= 20 ? 2 : 0;
      for (let k = 0; k < dim; k++) keys[(r * cols + c) * dim + k] = prototypes[region][k] + noise * rng.normal();
    }
  }
  return keys;
}

function time(label, repeats, run) {
  const times = [];
  let info = {};
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    info = run() ?? {};
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  console.log(JSON.stringify({ label, medianMs: +times[times.length >> 1].toFixed(1), minMs: +times[0].toFixed(1), ...info }));
}

for (const noise of [1.5, 3]) {
  const keys = plantedKeys(32, 32, 384, noise, 1);
  const graph = ncut.affinityCosine({ data: keys, count: 1024, dim: 384 });
  time(`affinityCosine 32x32x384 noise ${noise}`, 5, () => ncut.affinityCosine({ data: keys, count: 1024, dim: 384 }) && undefined);
  time(`cutNormalized lanczos 1024 nodes noise ${noise}`, 5, () => {
    const cut = ncut.cutNormalized(graph, { solver: 'lanczos' });
    return { iterations: cut.iterations };
  });
  time(`tokenCut 32x32x384 noise ${noise} (graph + cut)`, 5, () => ncut.tokenCut(keys, { rows: 32, cols: 32 }) && undefined);
}
const relevance = core.createScalarMap(128, 128);
for (let r = 0; r < 128; r++) {
  for (let c = 0; c < 128; c++) relevance.data[r * 128 + c] = Math.exp(-((r - 60) ** 2 + (c - 70) ** 2) / 800) + 0.05 * Math.sin(r * 0.7 + c * 0.3);
}
const pixelGraph = ncut.affinityPixelGrid(relevance, { radius: 5 });
time('affinityPixelGrid 128x128 radius 5', 3, () => ncut.affinityPixelGrid(relevance, { radius: 5 }) && undefined);
for (const tolerance of [1e-6, 1e-10]) {
  time(`cutNormalized sparse 128x128 radius 5 tol ${tolerance}`, 3, () => {
    const cut = ncut.cutNormalized(pixelGraph, { tolerance });
    return { iterations: cut.iterations, nnz: pixelGraph.columns.length };
  });
}
