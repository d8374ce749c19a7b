#!/usr/bin/env node
// Times the post-processing stages (morphology chain, patch and pixel NCut, DenseCRF) on seeded synthetic
// inputs and prints the JSON of benchPostprocess. Needs the compiled library: `npm run build` first.
// Usage: node scripts/postprocess-bench.mjs [--runs 5] [--size 512] [--dist dist]
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({ options: { runs: { type: 'string' }, size: { type: 'string' }, dist: { type: 'string' } } });
const dist = resolve(values.dist ?? 'dist');
const entry = resolve(dist, 'bench/postprocess.js');
if (!existsSync(entry)) {
  console.error(`no compiled library at ${entry}; run \`npm run build\` or pass --dist`);
  process.exit(1);
}
const { benchPostprocess } = await import(pathToFileURL(entry).href);
const result = benchPostprocess({ runs: Number(values.runs ?? 5), size: Number(values.size ?? 512) });
console.log(JSON.stringify(result, null, 2));
