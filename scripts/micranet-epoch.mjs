#!/usr/bin/env node
// One MICRA-Net training epoch on real images, to size how many epochs are practical on a machine: reads the
// first --count images of a folder (sorted), resizes them to --size, trains one epoch at --batch (Adam, BCE,
// the original's augmentation and dropout) and one validation pass over --validation further images; prints
// JSON with the wall and CPU times of each phase, the peak resident memory and the load average.
// Labels are all "present" (timing does not depend on them). Needs the compiled library:
// `npx tsc -p . --outDir .cache/micranet-dist` first (or pass --dist DIR).
// Usage: node scripts/micranet-epoch.mjs --data ../shared/data/kvasir-seg/images [--count 128] [--validation 32] [--size 256] [--batch 64] [--threads 2]
import { readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const args = Object.fromEntries(process.argv.slice(2).join(' ').split('--').filter(Boolean).map((part) => part.trim().split(/\s+/)));
const dist = resolve(args.dist ?? '.cache/micranet-dist');
const [count, validationCount, size, batch, threads] = [args.count ?? 128, args.validation ?? 32, args.size ?? 256, args.batch ?? 64, args.threads ?? 2].map(Number);
const { trainMicraNet, micraNetSamplesFromItems } = await import(pathToFileURL(join(dist, 'pipeline/competitors/micranet/index.js')).href);

const files = readdirSync(args.data).filter((name) => /\.(jpe?g|png)$/i.test(name)).sort().slice(0, count + validationCount);
const items = files.map((name) => ({ id: name, imagePath: join(args.data, name), label: 0 }));
const clock = () => ({ wall: performance.now(), cpu: process.cpuUsage() });
const since = (start) => ({ wallS: (performance.now() - start.wall) / 1000, cpuS: (() => { const u = process.cpuUsage(start.cpu); return (u.user + u.system) / 1e6; })() });

const loadStart = clock();
const config = { classes: 1, inputSize: size, inputChannels: 3 };
const train = await micraNetSamplesFromItems(items.slice(0, count), config);
const validation = await micraNetSamplesFromItems(items.slice(count), config);
const load = since(loadStart);
const phases = [];
const trainStart = clock();
const result = await trainMicraNet(train, validation, {
  config, epochs: 1, batchSize: batch, seed: 0, threads,
  onProgress: (event) => phases.push({ ...event, ...since(trainStart) }),
});
const epoch = since(trainStart);
console.log(JSON.stringify({
  images: { train: count, validation: validationCount, size, batch, threads },
  load, epoch, history: result.history, peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), loadAverage: loadavg(),
}, null, 2));
