import { fetchWeights, weightsRegistry } from '../../backbone/weights/index.js';
import { invalid } from '../../core/validate.js';
import type { Command } from '../command.js';
import { stringFlag } from '../flags.js';
import { createProgressBar } from '../progress-bar.js';

const usage = `Usage: explainseg weights fetch NAME [--cache DIR] [--url URL] [--sha256 HEX]
       explainseg weights list

Download named weights into the cache (EXPLAINSEG_CACHE or ~/.cache/explainseg), resuming a partial
download, verifying its SHA-256 and renaming it into place only when complete.

Options:
  --cache DIR     cache folder (default: EXPLAINSEG_CACHE or ~/.cache/explainseg)
  --url URL       download from this URL instead of the official one (a mirror)
  --sha256 HEX    expected SHA-256 of the file

Names: ${Object.keys(weightsRegistry).join(', ')}`;

export const weightsCommand: Command = {
  name: 'weights',
  summary: 'fetch or list known backbone weights (DINO ViT-S/16)',
  usage,
  options: {
    cache: { type: 'string' },
    url: { type: 'string' },
    sha256: { type: 'string' },
  },
  async run(args, io) {
    const [verb, name, ...extra] = args.positionals;
    if (verb === 'list' && name === undefined) {
      for (const [key, known] of Object.entries(weightsRegistry)) io.stdout.write(`${key}\t${known.description}\n\t${known.url}\n`);
      return 0;
    }
    if (verb !== 'fetch' || name === undefined || extra.length > 0) throw invalid("'fetch NAME' or 'list'", 'weights command', args.positionals.join(' '));
    const result = await fetchWeights(name, {
      cacheDir: stringFlag(args.values, 'cache') ?? io.env.EXPLAINSEG_CACHE,
      url: stringFlag(args.values, 'url'),
      sha256: stringFlag(args.values, 'sha256'),
      onProgress: createProgressBar(io),
    });
    io.stdout.write(`${result.downloaded ? 'downloaded' : 'already present'}: ${result.path}\n`);
    io.stdout.write(`sha256 ${result.sha256} ${verificationText(result.verified, result.expectedFrom)}\n`);
    return 0;
  },
};

/** Say exactly what was checked: never claim a verification that did not happen. */
function verificationText(verified: boolean, from: string | undefined): string {
  if (verified) return from === 'stored' ? '(verified against the hash recorded by the first download)' : `(verified against the ${from === 'option' ? '--sha256 value' : 'published hash'})`;
  return '(NOT verified: no known hash for this file; recorded it so later runs verify against it)';
}

export default weightsCommand;
