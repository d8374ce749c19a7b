import { checkDinov2StateDict, detectVitBackbone, inferDinov2Config } from '../../backbone/index.js';
import { checkVitStateDict, countParameters, inferVitConfig, loadWeights, type LoadedWeights, type VitWeightsConfig } from '../../backbone/weights/index.js';
import { ExplainSegError, WeightsError } from '../../core/errors.js';
import { invalid } from '../../core/validate.js';
import type { Command } from '../command.js';

const usage = `Usage: explainseg inspect WEIGHTS [--json]

Describe a weights file (.pth, .safetensors, .npy or a folder of .npy files): the ViT architecture its
shapes imply, parameter count, the dtypes stored in the file, its SHA-256 and the entries left out.
Every tensor is checked against the ViT its shapes imply: missing, unexpected or mis-shaped tensors are
listed on stderr and the exit status is 4.

Options:
  --json   print one JSON object instead of text`;

export interface WeightsSummary {
  readonly file: string;
  readonly format: LoadedWeights['format'];
  readonly sha256: string;
  readonly dtypes: string[];
  readonly tensors: number;
  readonly parameters: number;
  /** Undefined when the tensors do not describe a ViT (e.g. a MobileNet folder). */
  readonly vit: VitWeightsConfig | undefined;
  readonly ignored: string[];
  readonly metadata: Record<string, string>;
  /** Missing, unexpected and mis-shaped tensors against the ViT the shapes imply; empty when it fits. */
  readonly problems: string[];
}

export async function summarizeWeights(file: string): Promise<WeightsSummary> {
  const weights = await loadWeights(file);
  const vit = tryInferVit(weights);
  return {
    file,
    format: weights.format,
    sha256: weights.sha256,
    dtypes: weights.dtypes,
    tensors: weights.stateDict.size,
    parameters: countParameters(weights.stateDict),
    vit,
    ignored: weights.ignored,
    metadata: weights.metadata,
    problems: vitProblems(weights, vit),
  };
}

const VIT_NAME = /^(cls_token|pos_embed|patch_embed\.|blocks\.\d+\.)/;

/**
 * Every missing, unexpected and mis-shaped tensor against the ViT the shapes imply. Tensors with ViT names
 * from which no ViT can be inferred (pos_embed missing, say) are a problem too; other arrays (a MobileNet
 * folder, a single .npy) are not checked.
 */
function vitProblems(weights: LoadedWeights, vit: VitWeightsConfig | undefined): string[] {
  const named = [...weights.stateDict.keys()].some((name) => VIT_NAME.test(name));
  if (!vit && !named) return [];
  try {
    if (!vit) inferVitConfig(weights.stateDict);
    else if (detectVitBackbone(weights.stateDict) === 'dinov2') checkDinov2StateDict(weights.stateDict, inferDinov2Config(weights.stateDict));
    else checkVitStateDict(weights.stateDict, vit);
    return [];
  } catch (error) {
    if (error instanceof WeightsError) return [...error.problems];
    throw error;
  }
}

function tryInferVit(weights: LoadedWeights): VitWeightsConfig | undefined {
  try {
    return inferVitConfig(weights.stateDict);
  } catch (error) {
    if (error instanceof ExplainSegError) return undefined;
    throw error;
  }
}

export function formatSummary(summary: WeightsSummary): string {
  const vit = summary.vit;
  const architecture = vit
    ? `ViT patch ${vit.patchSize}, dim ${vit.dim}, depth ${vit.depth}, heads ${vit.heads} (assumed dim/64), MLP ${vit.mlpDim}, ` +
      `${vit.numPatches} patches${vit.imageSize ? ` (${vit.imageSize}x${vit.imageSize} input)` : ''}, qkv bias ${vit.qkvBias ? 'yes' : 'no'}`
    : 'not a ViT (no patch_embed.proj.weight / pos_embed)';
  const lines = [
    `file:         ${summary.file}`,
    `format:       ${summary.format}`,
    `architecture: ${architecture}`,
    `parameters:   ${summary.parameters.toLocaleString('en-US')} in ${summary.tensors} tensors`,
    `dtypes:       ${summary.dtypes.join(', ')} (loaded as float32)`,
    `sha256:       ${summary.sha256}`,
    `ignored:      ${summary.ignored.length === 0 ? 'none' : ''}`,
    ...summary.ignored.map((entry) => `  - ${entry}`),
    `check:        ${checkText(summary)}`,
  ];
  return `${lines.join('\n')}\n`;
}

function checkText(summary: WeightsSummary): string {
  if (summary.problems.length > 0) return `${summary.problems.length} problem(s): missing, unexpected or mis-shaped tensors (listed on stderr)`;
  return summary.vit ? 'every tensor of this ViT present, with its shape; none unexpected' : 'not checked (not a ViT)';
}

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'describe a weights file: architecture, parameters, dtypes, SHA-256, ignored keys',
  usage,
  options: { json: { type: 'boolean' } },
  async run(args, io) {
    const [file, ...extra] = args.positionals;
    if (file === undefined || extra.length > 0) throw invalid('one weights file', 'inspect', args.positionals.join(' '));
    const summary = await summarizeWeights(file);
    io.stdout.write(args.values.json ? `${JSON.stringify(summary, null, 2)}\n` : formatSummary(summary));
    // The summary is printed first, so the user sees what the file holds; the problems fail the command.
    if (summary.problems.length > 0) throw new WeightsError(file, summary.problems);
    return 0;
  },
};

export default inspectCommand;
