import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DatasetError } from '../../core/index.js';
import { parseCsvWithHeader } from '../csv.js';

/**
 * How an official release archive maps onto the folder the dataset adapters read (adapters.ts,
 * patch-adapters.ts): images/ and masks/ with matching stems, plus labels.csv for the CSV layouts.
 */
export interface ArchiveLayout {
  /** The target path ('/'-separated, relative) of an archive member, or undefined to leave it out. */
  target(name: string): string | undefined;
  /** Entries (files or folders) the unpacked folder must hold before it is renamed into place. */
  readonly required: readonly string[];
  /** Work on the unpacked (not yet renamed) folder, e.g. write labels.csv from the release's own table. */
  finish?(dir: string): Promise<void>;
}

/** Members under `root/` (the release's top folder, any case), mapped by `map`; everything else is left out. */
function underRoot(root: string, map: (rest: string) => string | undefined): (name: string) => string | undefined {
  const prefix = `${root.toLowerCase()}/`;
  return (name) => {
    if (name.endsWith('/') || !name.toLowerCase().startsWith(prefix)) return undefined;
    return map(name.slice(prefix.length));
  };
}

/** Kvasir-SEG's kvasir-seg.zip holds Kvasir-SEG/images, Kvasir-SEG/masks and Kvasir-SEG/kavsir_bboxes.json. */
export const kvasirSegLayout: ArchiveLayout = {
  target: underRoot('Kvasir-SEG', (rest) => (/^(images|masks)\/[^/]+$/.test(rest) || rest === 'kavsir_bboxes.json' ? rest : undefined)),
  required: ['images', 'masks'],
};

/**
 * BUS-BRA's BUSBRA.zip holds BUSBRA/Images/bus_X.png, BUSBRA/Masks/mask_X.png and BUSBRA/bus_data.csv
 * (ID, Case, Histology, Pathology, BIRADS, ...). Masks take the image's name, and labels.csv is written
 * from bus_data.csv in the columns the adapter reads; the release's own files are kept beside them.
 */
export const busBraLayout: ArchiveLayout = {
  target: underRoot('BUSBRA', (rest) => {
    const mask = /^Masks\/mask_([^/]+)$/i.exec(rest);
    if (mask) return `masks/bus_${mask[1]}`;
    const image = /^Images\/([^/]+)$/i.exec(rest);
    if (image) return `images/${image[1]}`;
    return rest.includes('/') ? undefined : rest;
  }),
  required: ['images', 'masks', 'bus_data.csv'],
  finish: writeBusBraLabels,
};

const BUS_BRA_COLUMNS = ['ID', 'Case', 'Pathology', 'BIRADS'];

/** labels.csv (name, pathology, malignant, birads, case) from the release's bus_data.csv. */
export async function writeBusBraLabels(dir: string): Promise<void> {
  const source = join(dir, 'bus_data.csv');
  const { columns, records } = parseCsvWithHeader(await readFile(source, 'utf8'));
  const missing = BUS_BRA_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length > 0) {
    throw new DatasetError(`expected columns ${BUS_BRA_COLUMNS.join(', ')} in ${source} but received ${columns.join(', ') || 'no header'}`);
  }
  const rows = records.map((record) => {
    const pathology = record.Pathology!.toLowerCase();
    return [record.ID, pathology, pathology === 'malignant' ? '1' : '0', record.BIRADS, record.Case].join(',');
  });
  await writeFile(join(dir, 'labels.csv'), `name,pathology,malignant,birads,case\n${rows.join('\n')}\n`);
}
