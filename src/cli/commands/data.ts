import { defaultCacheDir } from '../../core/io/download.js';
import { invalid } from '../../core/validate.js';
import { datasetSources, fetchDataset, FETCHABLE_DATASETS, type FetchDatasetResult } from '../../data/index.js';
import type { Command } from '../command.js';
import { stringFlag } from '../flags.js';
import { createProgressBar } from '../progress-bar.js';

const usage = `Usage: explainseg data fetch NAME [--cache DIR] [--url URL] [--sha256 HEX]
       explainseg data list

Download a dataset's official release into the cache (EXPLAINSEG_CACHE or ~/.cache/explainseg), resuming a
partial download and verifying its SHA-256, then unpack it atomically into CACHE/data/NAME in the layout
the dataset adapters read (the demo finds it there). Datasets without a direct download get a message
saying where to get them and where to put them. Mind each dataset's terms ('explainseg data list').

Options:
  --cache DIR     cache folder (default: EXPLAINSEG_CACHE or ~/.cache/explainseg)
  --url URL       download from this URL instead of the official one (a mirror)
  --sha256 HEX    expected SHA-256 of the archive

Names: ${FETCHABLE_DATASETS.join(', ')}`;

export const dataCommand: Command = {
  name: 'data',
  summary: 'fetch or list the datasets (Kvasir-SEG, BUS-BRA, PH2, MoNuSeg) into the cache',
  usage,
  options: {
    cache: { type: 'string' },
    url: { type: 'string' },
    sha256: { type: 'string' },
  },
  async run(args, io) {
    const [verb, name, ...extra] = args.positionals;
    if (verb === 'list' && name === undefined) {
      io.stdout.write(listText());
      return 0;
    }
    if (verb !== 'fetch' || name === undefined || extra.length > 0) throw invalid("'fetch NAME' or 'list'", 'data command', args.positionals.join(' '));
    const result = await fetchDataset(name, {
      cacheDir: stringFlag(args.values, 'cache') || defaultCacheDir(io.env),
      url: stringFlag(args.values, 'url'),
      sha256: stringFlag(args.values, 'sha256'),
      onProgress: createProgressBar(io),
    });
    io.stdout.write(resultText(result));
    return 0;
  },
};

function listText(): string {
  return Object.entries(datasetSources).map(([key, source]) => {
    const where = source.download ? `direct download (${source.download.size}): ${source.download.url}` : `no direct download: see ${source.homepage}`;
    return `${key}\t${source.title}\n\t${where}\n\tterms: ${source.terms}\n`;
  }).join('');
}

/** Say exactly what was checked: never claim a verification that did not happen. */
function resultText(result: FetchDatasetResult): string {
  if (!result.downloaded) return `already present: ${result.dir}${result.sha256 ? ` (unpacked from an archive with sha256 ${result.sha256})` : ''}\n`;
  const check = result.verified
    ? `(verified against the ${result.expectedFrom === 'option' ? '--sha256 value' : result.expectedFrom === 'stored' ? 'hash recorded by the first download' : 'published hash'})`
    : '(NOT verified: no published hash for this archive; recorded it so later downloads verify against it)';
  return `unpacked ${result.files} file(s) into ${result.dir}\narchive sha256 ${result.sha256} ${check}\n`;
}

export default dataCommand;
