import { resolve } from 'node:path';
import { invalid } from '../../core/index.js';
import { QUADRATURE_METHODS } from '../../attribution/index.js';
import { FEATURE_MAP_KINDS } from '../../features/index.js';
import type { BackboneKind } from '../../backbone/index.js';
import { loadHead, resolveHeadFile } from '../../head/index.js';
import {
  defaultConfig, headBackboneKind, mergeConfig, runExplainFolder, type ImageExplanation, type PartialPipelineConfig, type PipelineConfig,
} from '../../pipeline/index.js';
import { commandLine, type Command, type ParsedArgs } from '../command.js';
import { readConfigFile } from '../config-flags.js';
import { backboneFlag, choiceFlag, integerFlag, numberFlag, requiredStringFlag, resolveBackboneWeights, stringFlag, type FlagValues } from '../flags.js';
import { ensureOutputDir } from '../output-dir.js';
import { createProgressBar } from '../progress-bar.js';

const BASELINES = ['zero', 'black', 'blurred', 'uniform'] as const;
const FEATURES = FEATURE_MAP_KINDS;

const usage = `Usage: explainseg explain IMAGE... --head FILE --out DIR [--weights FILE] [options]

Explain the classifier's prediction for each image (paper Sec. 3.3-3.5): Integrated Gradients smoothed
by NoiseTunnel, reduced to a relevance map, plus the backbone's feature map and their fusion. The head
decides the backbone (a ViT, or MobileNetV2, which needs --weights DIR and gives token-norm for the
attention feature maps). Writes per image
STEM.prediction.json, STEM.{relevance,feature,fused}.{png,f32,f32.json}, STEM.relevance-heatmap.png and
STEM.{relevance,fused}-overlay.png, then summary.json and run.json. An unreadable image is reported and
skipped; the exit status is then 1.

Options:
  --weights FILE     ViT weights (.pth, .safetensors, .npy); default EXPLAINSEG_WEIGHTS, then the cache;
                     for a MobileNetV2 head the folder of .npy files (required), e.g. /path/to/mobilenetv2-imagenet
  --head FILE        head.json written by 'explainseg train'
  --backbone KIND    vit-dino | dinov2 | mobilenetv2: a check that the head was trained on this kind
  --out DIR          folder to write
  --n-steps N        Integrated Gradients path steps (default ${defaultConfig.explain.nSteps})
  --method M         ${QUADRATURE_METHODS.join(' | ')} (default ${defaultConfig.explain.method})
  --nt-samples K     NoiseTunnel samples, 0 turns it off (default ${defaultConfig.explain.ntSamples})
  --stdevs S         NoiseTunnel noise standard deviation, normalised input space (default ${defaultConfig.explain.stdevs})
  --baseline B       ${BASELINES.join(' | ')} (default ${defaultConfig.explain.baseline})
  --feature F        ${FEATURES.join(' | ')} (default ${defaultConfig.fusion.feature})
  --seed S           seed of the noise and of a uniform baseline (default ${defaultConfig.seed})
  --config FILE      JSON partial pipeline config, merged over the defaults; flags win over it
  --threads N        onnxruntime threads (default 2)`;

const options = {
  weights: { type: 'string' },
  head: { type: 'string' },
  backbone: { type: 'string' },
  out: { type: 'string' },
  'n-steps': { type: 'string' },
  method: { type: 'string' },
  'nt-samples': { type: 'string' },
  stdevs: { type: 'string' },
  baseline: { type: 'string' },
  feature: { type: 'string' },
  seed: { type: 'string' },
  config: { type: 'string' },
  threads: { type: 'string' },
} as const;

/** The flags as a partial config, so they merge like a config file and cannot drift from its type. */
function flagConfig(values: FlagValues): PartialPipelineConfig {
  const explain: NonNullable<PartialPipelineConfig['explain']> = {};
  const nSteps = integerFlag(values, 'n-steps', { min: 1 });
  const ntSamples = integerFlag(values, 'nt-samples', { min: 0 });
  const method = choiceFlag(values, 'method', QUADRATURE_METHODS);
  const stdevs = numberFlag(values, 'stdevs', { min: 0 });
  const baseline = choiceFlag(values, 'baseline', BASELINES);
  if (nSteps !== undefined) explain.nSteps = nSteps;
  if (ntSamples !== undefined) explain.ntSamples = ntSamples;
  if (method !== undefined) explain.method = method;
  if (stdevs !== undefined) explain.stdevs = stdevs;
  if (baseline !== undefined) explain.baseline = baseline;
  const seed = integerFlag(values, 'seed', { min: 0 });
  const feature = choiceFlag(values, 'feature', FEATURES);
  return {
    explain,
    ...(feature === undefined ? {} : { fusion: { feature } }),
    ...(seed === undefined ? {} : { seed }),
  };
}

export interface ResolvedExplain {
  readonly config: PipelineConfig;
  readonly images: string[];
  readonly outDir: string;
  readonly weightsPath: string;
  readonly headPath: string;
  /** The head's backbone kind (--backbone, when given, must agree with it). */
  readonly backbone: BackboneKind;
}

export async function resolveExplainConfig(args: ParsedArgs, env: NodeJS.ProcessEnv): Promise<ResolvedExplain> {
  const { values } = args;
  if (args.positionals.length === 0) throw invalid('at least one IMAGE', 'explain', 'none');
  const head = requiredStringFlag(values, 'head');
  const outDir = await ensureOutputDir(requiredStringFlag(values, 'out'), '--out');
  const configPath = stringFlag(values, 'config');
  const fileConfig = configPath === undefined ? {} : await readConfigFile(configPath);
  const config = mergeConfig(defaultConfig, fileConfig, flagConfig(values));
  const headPath = await resolveHeadFile(resolve(head));
  const asked = backboneFlag(values);
  const backbone = headBackboneKind(await loadHead(headPath), headPath, asked);
  const weightsPath = await resolveBackboneWeights(values, env, backbone, asked ? `--backbone ${asked}` : `the head's ${backbone} backbone`);
  return { config, images: args.positionals.map((image) => resolve(image)), outDir, weightsPath, headPath, backbone };
}

function resultLine(stem: string, explanation: ImageExplanation): string {
  const probability = explanation.probabilities[explanation.predictedClass]!;
  return `${stem}: ${explanation.className} (p=${probability.toFixed(3)}), |delta|/|F(x)-F(x')| = ${explanation.convergence.relativeDelta.toExponential(2)}, ${(explanation.timingsMs.total! / 1000).toFixed(1)}s\n`;
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'relevance, feature and fused maps for images (Integrated Gradients x NoiseTunnel)',
  usage,
  options,
  async run(args, io) {
    const { config, images, outDir, weightsPath, headPath, backbone } = await resolveExplainConfig(args, io.env);
    const threads = integerFlag(args.values, 'threads', { min: 1 });
    const { done, failures } = await runExplainFolder(images, {
      outDir, command: commandLine('explain', args), config, weightsPath, headPath, backbone, ...(threads === undefined ? {} : { threads }),
      onProgress: createProgressBar(io),
      onWarning: (warning) => io.stderr.write(`explainseg explain: warning: ${warning}\n`),
      onSkipped: (_, problem) => io.stderr.write(`explainseg explain: skipped ${problem}\n`),
    });
    for (const { stem, explanation } of done) io.stdout.write(resultLine(stem, explanation));
    io.stdout.write(`wrote ${done.length} explanation(s) to ${outDir} (and summary.json, run.json)\n`);
    if (failures.length === 0) return 0;
    io.stderr.write(`explainseg explain: ${failures.length} of ${images.length} image(s) failed:\n${failures.map((f) => `  - ${f.problem}\n`).join('')}`);
    return 1;
  },
};

export default explainCommand;
