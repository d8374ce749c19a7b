#!/usr/bin/env node
// Where the time of ViT-S/16's input gradient goes: runs the gradient graph under onnxruntime's profiler
// and prints milliseconds per op type (summed over the profiled runs, divided by the runs) and the node
// count per op type after optimisation, as JSON on stdout. Random weights (speed does not depend on values).
// Needs the compiled library: `npx tsc -p . --outDir .cache/graph-dist` first (or pass --dist DIR).
// Usage: node scripts/graph-profile.mjs [--batch 8] [--runs 2] [--threads 2] [--level extended|all] [--graph gradient|forward]
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-node';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((part) => part.trim().split(/\s+/)));
const batch = Number(args.batch ?? 8);
const runs = Number(args.runs ?? 2);
const threads = Number(args.threads ?? 2);
const level = args.level ?? 'extended';
const which = args.graph ?? 'gradient';
const dist = resolve(args.dist ?? '.cache/graph-dist');
if (!existsSync(`${dist}/backbone/vit-graph.js`)) {
  console.error(`no compiled library at ${dist}; run \`npx tsc -p . --outDir .cache/graph-dist\` or pass --dist`);
  process.exit(1);
}
const load = (path) => import(pathToFileURL(`${dist}/${path}`).href);
const { buildVitGraph } = await load('backbone/vit-graph.js');
const { VIT_SMALL_16 } = await load('backbone/vit-config.js');
const { randomVitWeights } = await load('bench/engine.js');
const { inputGradient } = await load('graph/index.js');

const classes = 2;
const head = { weight: new Float32Array(classes * VIT_SMALL_16.dim).fill(0.01), bias: new Float32Array(classes), features: 'cls' };
const graph = buildVitGraph(randomVitWeights(VIT_SMALL_16), VIT_SMALL_16, { rows: 224, cols: 224, head });
const outputs = which === 'gradient'
  ? { logits: graph.logits, gradient: inputGradient(graph.builder, graph.logits, graph.builder.input('seed', ['batch', classes]), graph.pixels) }
  : { logits: graph.logits };
const model = graph.builder.toModel(outputs);
const prefix = join(tmpdir(), `graph-profile-${process.pid}`);
const session = await ort.InferenceSession.create(model, {
  intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: level,
  enableProfiling: true, profileFilePrefix: prefix, extra: { session: { intra_op: { allow_spinning: '0' } } },
});
const feeds = { pixels: new ort.Tensor('float32', new Float32Array(batch * 3 * 224 * 224).fill(0.1), [batch, 3, 224, 224]) };
if (which === 'gradient') feeds.seed = new ort.Tensor('float32', new Float32Array(batch * classes).fill(1), [batch, classes]);
await session.run(feeds); // warm-up, profiled too: dropped below
const wall = [];
for (let i = 0; i < runs; i++) {
  const start = performance.now();
  await session.run(feeds);
  wall.push(performance.now() - start);
}
session.endProfiling(); // onnxruntime-node returns nothing: the file is PREFIX_<timestamp>.json
await session.release();
const file = join(tmpdir(), readdirSync(tmpdir()).find((name) => name.startsWith(`graph-profile-${process.pid}`)));
const events = JSON.parse(readFileSync(file, 'utf8'));
rmSync(file, { force: true });
const runStarts = events.filter((e) => e.name === 'model_run').map((e) => e.ts).sort((a, b) => a - b);
const timed = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= runStarts[1]);
const byOp = new Map();
const nodeNames = new Map();
for (const event of timed) {
  const op = event.args.op_name;
  byOp.set(op, (byOp.get(op) ?? 0) + event.dur / 1000 / runs);
  (nodeNames.get(op) ?? nodeNames.set(op, new Set()).get(op)).add(event.name);
}
const table = [...byOp].sort((a, b) => b[1] - a[1]).map(([op, ms]) => ({ op, ms: Math.round(ms), nodes: nodeNames.get(op).size }));
const total = table.reduce((sum, row) => sum + row.ms, 0);
const byNode = new Map();
for (const event of timed) byNode.set(event.name, (byNode.get(event.name) ?? 0) + event.dur / 1000 / runs);
const slowest = [...byNode].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([node, ms]) => `${node.replace('_kernel_time', '')} ${ms.toFixed(2)}`);
console.log(JSON.stringify({ which, level, batch, threads, runs, wallMs: wall.map(Math.round), kernelMsTotal: total, table, slowest }, null, 1));
