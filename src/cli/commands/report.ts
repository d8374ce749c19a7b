import { resolve } from 'node:path';
import { invalid } from '../../core/index.js';
import { ReviewIndex, writeRunReport } from '../../viewer/index.js';
import type { Command, ParsedArgs } from '../command.js';
import { integerFlag, requiredStringFlag, stringFlag } from '../flags.js';

const usage = `Usage: explainseg report RUN_DIR [RUN_DIR...] --out report.html [--gt DIR] [--images ID,ID] [--title T]

Write one self-contained HTML file (pictures embedded, no external files) for one or more run folders:
the metrics table (mean IoU / Dice with 95% bootstrap intervals, pooled scores, corrections), a Dice
histogram per run, a Figure-2 grid (input, ground truth, each run's mask with the ground-truth outline)
and a per-image table. Without --images the grid shows the best, median and worst image by Dice of the
first run.

Options:
  --out FILE         the HTML file to write
  --gt DIR           ground-truth masks, matched to image ids by file stem (default: a demo's RUN/ID/truth.png)
  --images ID,ID     image ids for the grid, comma-separated
  --title T          the page title
  --thumbnail N      longest side of a grid picture in pixels (default 192)`;

export interface ReportCliConfig {
  readonly runDirs: readonly string[];
  readonly out: string;
  readonly gtDir?: string;
  readonly images?: readonly string[];
  readonly title?: string;
  readonly thumbnailSide?: number;
}

export function resolveReportConfig(args: ParsedArgs): ReportCliConfig {
  const { values, positionals } = args;
  if (positionals.length === 0) throw invalid('at least one run folder', 'explainseg report', positionals.length);
  const gtDir = stringFlag(values, 'gt');
  const images = stringFlag(values, 'images')?.split(',').map((id) => id.trim()).filter((id) => id.length > 0);
  const title = stringFlag(values, 'title');
  const thumbnailSide = integerFlag(values, 'thumbnail', { min: 16, max: 1024 });
  return {
    runDirs: positionals, out: resolve(requiredStringFlag(values, 'out')),
    ...(gtDir ? { gtDir } : {}), ...(images && images.length > 0 ? { images } : {}),
    ...(title ? { title } : {}), ...(thumbnailSide === undefined ? {} : { thumbnailSide }),
  };
}

export const reportCommand: Command = {
  name: 'report',
  summary: 'one self-contained HTML report for runs: metrics, Dice histogram, Figure-2 grid',
  usage,
  options: { out: { type: 'string' }, gt: { type: 'string' }, images: { type: 'string' }, title: { type: 'string' }, thumbnail: { type: 'string' } },
  async run(args, io) {
    const config = resolveReportConfig(args);
    const index = await ReviewIndex.open(config.runDirs, config.gtDir === undefined ? {} : { gtDir: config.gtDir });
    const path = await writeRunReport(config.out, index, {
      ...(config.images ? { images: config.images } : {}), ...(config.title ? { title: config.title } : {}),
      ...(config.thumbnailSide === undefined ? {} : { thumbnailSide: config.thumbnailSide }),
    });
    io.stdout.write(`wrote ${path} (${index.ids().length} image(s), ${index.runCount} run(s))\n`);
    return 0;
  },
};
