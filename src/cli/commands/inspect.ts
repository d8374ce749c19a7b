import { countParameters, inferVitConfig, loadWeights, type LoadedWeights, type VitWeightsConfig } from '../../backbone/weights/index.js';
import { ExplainSegError } from '../../core/errors.js';
import { invalid } from '../../core/validate.js';
import type { Command } from '../command.js';

const usage = `Usage: explainseg inspect WEIGHTS [--json]

Describe a weights file (.pth, .safetensors, .npy or a folder of .npy files): the ViT architecture its
shapes imply, parameter count, the dtypes stored in the file, its SHA-256 and the entries left out.

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
}

export async function summarizeWeights(file: string): Promise<WeightsSummary> {
  const weights = await loadWeights(file);
  return {
    file,
    format: weights.format,
    sha256: weights.sha256,
    dtypes: weights.dtypes,
    tensors: weights.stateDict.size,
    parameters: countParameters(weights.stateDict),
    vit: tryInferVit(weights),
    ignored: weights.ignored,
    metadata: weights.metadata,
  };
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
  ];
  return `${lines.join('\n')}\n`;
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
    return 0;
  },
};

export default inspectCommand;
