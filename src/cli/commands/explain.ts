import { basename, extname, join, resolve } from 'node:path';
import { createProgressTracker, ExplainSegError, invalid, writeJsonAtomic, writeRunManifest } from '../../core/index.js';
import { QUADRATURE_METHODS } from '../../attribution/index.js';
import { resolveWeightsPath } from '../../backbone/weights/index.js';
import { readImageChecked } from '../../data/index.js';
import { resolveHeadFile } from '../../head/index.js';
import { defaultConfig, explainImage, gradientEvaluationsPerImage, loadClassifier, mergeConfig, writeExplanation, type Classifier, type ImageExplanation, type PartialPipelineConfig, type PipelineConfig } from '../../pipeline/index.js';
import type { CliIo, Command, ParsedArgs } from '../command.js';
import { readConfigFile } from '../config-flags.js';
import { choiceFlag, integerFlag, numberFlag, requiredStringFlag, stringFlag, weightsSearch, type FlagValues } from '../flags.js';
import { ensureOutputDir } from '../output-dir.js';
import { createProgressBar } from '../progress-bar.js';

const BASELINES = ['zero', 'black', 'blurred', 'uniform'] as const;
const FEATURES = ['cls-attention', 'token-norm', 'pca'] as const;

const usage = `Usage: explainseg explain IMAGE... --head FILE --out DIR [--weights FILE] [options]

Explain the classifier's prediction for each image (paper Sec. 3.3-3.5): Integrated Gradients smoothed
by NoiseTunnel, reduced to a relevance map, plus the ViT feature map and their fusion. Writes per image
STEM.prediction.json, STEM.{relevance,feature,fused}.{png,f32,f32.json}, STEM.relevance-heatmap.png and
STEM.{relevance,fused}-overlay.png, then summary.json and run.json. An unreadable image is reported and
skipped; the exit status is then 1.

Options:
  --weights FILE     ViT weights (.pth, .safetensors, .npy); default EXPLAINSEG_WEIGHTS, then the cache
  --head FILE        head.json written by 'explainseg train'
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

export async function resolveExplainConfig(args: ParsedArgs, env: NodeJS.ProcessEnv): Promise<{ config: PipelineConfig; images: string[]; outDir: string; weightsPath: string; headPath: string }> {
  const { values } = args;
  if (args.positionals.length === 0) throw invalid('at least one IMAGE', 'explain', 'none');
  const head = requiredStringFlag(values, 'head');
  const outDir = await ensureOutputDir(requiredStringFlag(values, 'out'), '--out');
  const configPath = stringFlag(values, 'config');
  const fileConfig = configPath === undefined ? {} : await readConfigFile(configPath);
  const config = mergeConfig(defaultConfig, fileConfig, flagConfig(values));
  const headPath = await resolveHeadFile(resolve(head));
  const weights = await resolveWeightsPath(weightsSearch(values, env));
  return { config, images: args.positionals.map((image) => resolve(image)), outDir, weightsPath: resolve(weights.path), headPath };
}

/** File stems, made unique with -2, -3... so that a/x.png and b/x.png do not overwrite each other. */
export function uniqueStems(paths: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((path) => {
    const stem = basename(path, extname(path));
    const count = (seen.get(stem) ?? 0) + 1;
    seen.set(stem, count);
    return count === 1 ? stem : `${stem}-${count}`;
  });
}

/** A bad image file is skipped; anything else (a model or config problem) stops the run. */
function isPerImageProblem(error: unknown): error is ExplainSegError {
  return error instanceof ExplainSegError && (error.code === 'E_INPUT_FILE' || error.code === 'E_SIZE_MISMATCH');
}

interface RunState {
  readonly classifier: Classifier;
  readonly config: PipelineConfig;
  readonly outDir: string;
  readonly io: CliIo;
}

async function explainAll(images: readonly string[], state: RunState): Promise<{ done: { file: string; stem: string; explanation: ImageExplanation }[]; failures: { file: string; problem: string }[] }> {
  const perImage = gradientEvaluationsPerImage(state.config.explain);
  const progress = createProgressTracker('explain', images.length * perImage, createProgressBar(state.io));
  const stems = uniqueStems(images);
  const done: { file: string; stem: string; explanation: ImageExplanation }[] = [];
  const failures: { file: string; problem: string }[] = [];
  for (const [index, file] of images.entries()) {
    const offset = index * perImage;
    try {
      const { image, warnings } = await readImageChecked(file);
      for (const warning of warnings) state.io.stderr.write(`explainseg explain: warning: ${warning}\n`);
      const context = { model: state.classifier.model, head: state.classifier.head, config: state.config };
      const explanation = await explainImage(image, context, (event) => progress.set(offset + event.done, basename(file)));
      await writeExplanation(state.outDir, stems[index]!, { source: file, image, explanation });
      done.push({ file, stem: stems[index]!, explanation });
    } catch (error) {
      if (!isPerImageProblem(error)) throw error;
      failures.push({ file, problem: error.message });
      state.io.stderr.write(`explainseg explain: skipped ${error.message}\n`);
    }
    progress.set(offset + perImage, basename(file));
  }
  return { done, failures };
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
    const startedAt = new Date();
    const { config, images, outDir, weightsPath, headPath } = await resolveExplainConfig(args, io.env);
    const threads = integerFlag(args.values, 'threads', { min: 1 });
    const loadStart = performance.now();
    const classifier = await loadClassifier({ weightsPath, headPath, ...(threads === undefined ? {} : { threads }) });
    const loadMs = performance.now() - loadStart;
    try {
      const { done, failures } = await explainAll(images, { classifier, config, outDir, io });
      for (const { stem, explanation } of done) io.stdout.write(resultLine(stem, explanation));
      await writeJsonAtomic(join(outDir, 'summary.json'), {
        classes: classifier.head.head.classes,
        images: done.map(({ file, stem, explanation }) => ({ file, stem, className: explanation.className, probabilities: Array.from(explanation.probabilities), relativeDelta: explanation.convergence.relativeDelta })),
        failures,
      });
      await writeRunManifest(outDir, {
        command: 'explain', config: { ...config, inputSize: classifier.model.rows }, seed: config.seed, startedAt,
        inputFiles: Object.fromEntries(done.map(({ file, stem }) => [stem, file])),
        weightFiles: { backbone: weightsPath, head: headPath },
        timingsMs: { loadClassifier: loadMs, ...Object.fromEntries(done.map(({ stem, explanation }) => [`explain:${stem}`, explanation.timingsMs.total!])) },
      });
      io.stdout.write(`wrote ${done.length} explanation(s) to ${outDir} (and summary.json, run.json)\n`);
      if (failures.length === 0) return 0;
      io.stderr.write(`explainseg explain: ${failures.length} of ${images.length} image(s) failed:\n${failures.map((f) => `  - ${f.problem}\n`).join('')}`);
      return 1;
    } finally {
      await classifier.model.dispose();
    }
  },
};

export default explainCommand;
