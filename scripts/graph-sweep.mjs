#!/usr/bin/env node
// Forward and forward + input-gradient ms/image of ViT-S/16 (random weights) per batch size and
// optimisation level, one JSON line per setting on stdout (medians of --runs after a warm-up).
// Needs the compiled library: `npx tsc -p . --outDir .cache/graph-dist` first (or pass --dist DIR).
// Usage: node scripts/graph-sweep.mjs [--batches 1,4,8,16,25] [--levels extended] [--runs 3] [--threads 2] [--spinning on|off]
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((part) => part.trim().split(/\s+/)));
const dist = resolve(args.dist ?? '.cache/graph-dist');
if (!existsSync(`${dist}/bench/engine.js`)) {
  console.error(`no compiled library at ${dist}; run \`npx tsc -p . --outDir .cache/graph-dist\` or pass --dist`);
  process.exit(1);
}
const { benchEngine } = await import(pathToFileURL(`${dist}/bench/engine.js`).href);
const batches = (args.batches ?? '1,4,8,16,25').split(',').map(Number);
const levels = (args.levels ?? 'extended').split(',');
for (const optimizationLevel of levels) {
  for (const batch of batches) {
    const loadBefore = loadavg()[0];
    const r = await benchEngine({ batch, runs: Number(args.runs ?? 3), threads: Number(args.threads ?? 2), optimizationLevel, gemm: false, spinning: args.spinning === 'on' });
    console.log(JSON.stringify({
      level: optimizationLevel, batch, fwdMsPerImage: Math.round(r.forwardMsPerImage), gradMsPerImage: Math.round(r.gradMsPerImage),
      fwdCpuMsPerImage: Math.round(r.forwardCpuMsPerImage), gradCpuMsPerImage: Math.round(r.gradCpuMsPerImage),
      gradBatchMs: r.gradBatchMs.map(Math.round), load: [loadBefore, loadavg()[0]].map((l) => l.toFixed(1)), rssMB: Math.round(r.peakRssMB),
    }));
  }
}
