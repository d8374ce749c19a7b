import { resolve } from 'node:path';
import { invalid } from '../../core/index.js';
import { describeConfig, headBackboneKind, readModelFolderKind, runMicraNetSegmentFolder, runSegmentFolder, runStudentSegmentFolder } from '../../pipeline/index.js';
import { join } from 'node:path';
import { loadHead, resolveHeadFile } from '../../head/index.js';
import { commandLine, type CliIo, type Command, type ParsedArgs } from '../command.js';
import { pipelineOptionSpecs, pipelineOptionsUsage, resolveCliConfig } from '../config-flags.js';
import { backboneFlag, integerFlag, resolveBackboneWeights } from '../flags.js';
import { ensureOutputDir } from '../output-dir.js';
import { createProgressBar } from '../progress-bar.js';

const usage = `Usage: explainseg segment IMAGE... --head FILE --out DIR [--weights FILE] [pipeline options]
       explainseg segment IMAGE... --model MODEL_DIR --out DIR [--variant NAME] [--weights FILE]

With --model (a folder written by 'explainseg fit'): one forward pass per image, the student's map fused with the
image cues of the model's preset (DenseCRF where the preset keeps it);
with --model and --variant, the paper's variant with the model folder's head.json;
with --model of a 'fit --method micranet' folder: MICRA-Net's Grad-CAM / PCA masks of the classes it predicts.

Segment each image with the method of the paper (Algorithm 1): predict, explain with Integrated Gradients x
NoiseTunnel, optionally fuse with the ViT feature map, cut the map into a mask (morphology or Normalized Cut)
and refine it with DenseCRF. Writes per image ID/mask.png (0/255, original size), ID/map.png (16-bit soft map),
ID/overlay.png, ID/heatmap.png and ID/result.json, then summary.json and run.json.
Interrupted runs resume: images already done under the same input and config are skipped. Ctrl-C finishes
the images in flight, writes the summary and exits 130. One process at a time per folder (a lock file).

Options:
  --weights FILE   backbone weights; default EXPLAINSEG_WEIGHTS, then the cache ('explainseg weights fetch');
                   a head trained on MobileNetV2 needs --weights DIR (its folder of .npy files)
  --backbone KIND  vit-dino | dinov2 | mobilenetv2: a check that the head was trained on this kind
  --head FILE      head.json written by 'explainseg train'
  --model DIR      a model folder written by 'explainseg fit' (instead of --head)
  --out DIR        output folder
  --threads N      onnxruntime threads (default 2)
  --token-head FILE  a token head ('explainseg train-token-head'), for --explain-source token-head
  --force-new-config  replace the results of other settings in --out (otherwise refused, so a folder never
                   mixes masks made with different settings)

${pipelineOptionsUsage}`;

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const { values, positionals: images } = args;
  if (images.length === 0) throw invalid('at least one image path', 'explainseg segment', images.length);
  if (typeof values.model === 'string' && typeof values.head === 'string') throw invalid('either --model or --head', '--head', values.head);
  if (typeof values.model === 'string') {
    const kind = await readModelFolderKind(values.model);
    if (kind === 'micranet') return runMicraNet(args, io);
    if (typeof values.variant !== 'string') return runStudent(args, io);
  }
  if (typeof values.model === 'string') values.head = join(values.model, 'head.json');
  if (typeof values.head !== 'string') throw invalid('a head file', '--head', values.head);
  if (typeof values.out !== 'string') throw invalid('an output folder', '--out', values.out);
  await ensureOutputDir(values.out, '--out');
  const config = await resolveCliConfig(values);
  const threads = integerFlag(values, 'threads', { min: 1 });
  const headPath = await resolveHeadFile(values.head);
  const backbone = headBackboneKind(await loadHead(headPath), headPath, backboneFlag(values));
  const weights = { path: await resolveBackboneWeights(values, io.env, backbone, `the head ${headPath} (trained on ${backbone})`) };
  const outDir = resolve(values.out);
  io.stderr.write(`segment: ${images.length} image(s), ${describeConfig(config)}\n`);
  const interrupt = new AbortController();
  const onInterrupt = (): void => {
    io.stderr.write('\nsegment: interrupted; finishing the images in flight (Ctrl-C again to stop at once)\n');
    process.off('SIGINT', onInterrupt);
    interrupt.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    const summary = await runSegmentFolder(images, {
      outDir, command: commandLine('segment', args), config, weightsPath: weights.path, headPath,
      forceNewConfig: values['force-new-config'] === true, signal: interrupt.signal, backbone,
      ...(typeof values['token-head'] === 'string' ? { tokenHeadPath: values['token-head'] } : {}),
      onProgress: createProgressBar(io), ...(threads ? { threads } : {}),
    });
    io.stdout.write(`${summary.done.length} segmented (${summary.skipped} already done), ${summary.failed.length} failed; results in ${outDir}\n`);
    for (const image of summary.done) for (const warning of image.warnings ?? []) io.stderr.write(`  warning: ${image.source}: ${warning}\n`);
    for (const failure of summary.failed) io.stderr.write(`  failed: ${failure.message.includes(failure.source) ? failure.message : `${failure.source}: ${failure.message}`}\n`);
    if (summary.interrupted) {
      io.stderr.write(`segment: stopped before every image was done; run the same command again to resume (finished images are kept)\n`);
      return 130;
    }
    return summary.failed.length > 0 ? 1 : 0;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}

/** --model without --variant: the student of an 'explainseg fit' model folder. */
async function runStudent(args: ParsedArgs, io: CliIo): Promise<number> {
  const { values, positionals: images } = args;
  if (typeof values.out !== 'string') throw invalid('an output folder', '--out', values.out);
  const outDir = await ensureOutputDir(values.out, '--out');
  const weightsPath = typeof values.weights === 'string' ? resolve(values.weights) : undefined;
  io.stderr.write(`segment: ${images.length} image(s) with the student of ${values.model}\n`);
  const summary = await runStudentSegmentFolder(images, {
    modelDir: resolve(values.model as string), outDir, command: commandLine('segment', args), onProgress: createProgressBar(io),
    forceNewConfig: values['force-new-config'] === true, ...(weightsPath ? { weightsPath } : {}),
  });
  return reportModelRun(summary, outDir, io);
}

/** --model of a MICRA-Net folder: its own segmentation; the paper's pipeline flags do not apply. */
async function runMicraNet(args: ParsedArgs, io: CliIo): Promise<number> {
  const { values, positionals: images } = args;
  for (const flag of ['variant', 'weights', 'token-head', 'backbone']) if (values[flag] !== undefined) throw invalid('no ExplainSeg flag with a MICRA-Net model folder', `--${flag}`, values[flag]);
  if (typeof values.out !== 'string') throw invalid('an output folder', '--out', values.out);
  const outDir = await ensureOutputDir(values.out, '--out');
  const threads = integerFlag(values, 'threads', { min: 1 });
  io.stderr.write(`segment: ${images.length} image(s) with the MICRA-Net of ${values.model}\n`);
  const summary = await runMicraNetSegmentFolder(images, {
    modelDir: resolve(values.model as string), outDir, command: commandLine('segment', args), onProgress: createProgressBar(io),
    forceNewConfig: values['force-new-config'] === true, ...(threads ? { threads } : {}),
  });
  return reportModelRun(summary, outDir, io);
}

function reportModelRun(summary: Awaited<ReturnType<typeof runStudentSegmentFolder>>, outDir: string, io: CliIo): number {
  io.stdout.write(`${summary.done.length} segmented (${summary.skipped} already done), ${summary.failed.length} failed; results in ${outDir}\n`);
  for (const failure of summary.failed) io.stderr.write(`  failed: ${failure.source}: ${failure.message}\n`);
  return summary.failed.length > 0 ? 1 : 0;
}

export const segmentCommand: Command = {
  name: 'segment',
  summary: 'segment images with a trained head (explain, fuse, cut, DenseCRF); resumable',
  usage,
  options: {
    weights: { type: 'string' },
    head: { type: 'string' },
    model: { type: 'string' },
    backbone: { type: 'string' },
    out: { type: 'string' },
    threads: { type: 'string' },
    'force-new-config': { type: 'boolean' },
    'token-head': { type: 'string' },
    ...pipelineOptionSpecs,
  },
  run,
};
