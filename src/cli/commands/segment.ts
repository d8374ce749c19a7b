import { join, resolve } from 'node:path';
import { invalid, sha256File, writeJsonAtomic, writeRunManifest } from '../../core/index.js';
import { resolveWeightsPath } from '../../backbone/weights/index.js';
import { loadClassifier } from '../../pipeline/classifier-model.js';
import { describeConfig, runSegmentation } from '../../pipeline/segment-run.js';
import type { CliIo, Command, ParsedArgs } from '../command.js';
import { pipelineOptionSpecs, pipelineOptionsUsage, resolveCliConfig } from '../config-flags.js';
import { integerFlag } from '../flags.js';
import { createProgressBar } from '../progress-bar.js';

const usage = `Usage: explainseg segment IMAGE... --head FILE --out DIR [--weights FILE] [pipeline options]

Segment each image with the method of the paper (Algorithm 1): predict, explain with Integrated Gradients x
NoiseTunnel, optionally fuse with the ViT feature map, cut the map into a mask (morphology or Normalized Cut)
and refine it with DenseCRF. Writes per image ID/mask.png (0/255, original size), ID/map.png (16-bit soft map),
ID/overlay.png, ID/heatmap.png and ID/result.json, then summary.json and run.json.
Interrupted runs resume: images already done under the same input and config are skipped.

Options:
  --weights FILE   ViT weights; default EXPLAINSEG_WEIGHTS, then the cache ('explainseg weights fetch')
  --head FILE      head.json written by 'explainseg train'
  --out DIR        output folder
  --threads N      onnxruntime threads (default 2)

${pipelineOptionsUsage}`;

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const started = new Date();
  const { values, positionals: images } = args;
  if (images.length === 0) throw invalid('at least one image path', 'explainseg segment', images.length);
  if (typeof values.head !== 'string') throw invalid('a head file', '--head', values.head);
  if (typeof values.out !== 'string') throw invalid('an output folder', '--out', values.out);
  const config = await resolveCliConfig(values);
  const weights = await resolveWeightsPath({ flag: values.weights as string | undefined, env: io.env.EXPLAINSEG_WEIGHTS, cache: io.env.EXPLAINSEG_CACHE });
  const threads = integerFlag(values, 'threads', { min: 1 });
  const classifier = await loadClassifier({ weightsPath: weights.path, headPath: values.head, ...(threads ? { threads } : {}) });
  const outDir = resolve(values.out);
  io.stderr.write(`segment: ${images.length} image(s), ${describeConfig(config)}\n`);
  const identity = { weightsSha256: classifier.backboneSha256, headSha256: await sha256File(values.head) };
  try {
    const summary = await runSegmentation(images, { ...classifier, config, identity }, {
      outDir,
      onProgress: createProgressBar(io),
    });
    await writeRunManifest(outDir, {
      command: `explainseg segment ${process.argv.slice(3).join(' ')}`.trim(),
      config,
      seed: config.seed,
      startedAt: started,
      weightFiles: { backbone: weights.path, head: values.head },
      timingsMs: { total: Date.now() - started.getTime() },
    });
    await writeJsonAtomic(join(outDir, 'summary.json'), summary);
    io.stdout.write(`${summary.done.length} segmented (${summary.skipped} already done), ${summary.failed.length} failed; results in ${outDir}\n`);
    for (const failure of summary.failed) io.stderr.write(`  failed: ${failure.message.includes(failure.source) ? failure.message : `${failure.source}: ${failure.message}`}\n`);
    return summary.failed.length > 0 ? 1 : 0;
  } finally {
    await classifier.model.dispose();
  }
}

export const segmentCommand: Command = {
  name: 'segment',
  summary: 'segment images with a trained head (explain, fuse, cut, DenseCRF); resumable',
  usage,
  options: {
    weights: { type: 'string' },
    head: { type: 'string' },
    out: { type: 'string' },
    threads: { type: 'string' },
    ...pipelineOptionSpecs,
  },
  run,
};
