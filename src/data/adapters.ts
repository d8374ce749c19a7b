import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { DatasetError, ensureInteger } from '../core/index.js';
import { parseCsv, parseCsvWithHeader } from './csv.js';
import {
  checkClassesPresent, checkImageFiles, IMAGE_EXTENSIONS, ProblemList,
  type AdapterOptions, type Dataset, type DatasetItem,
} from './dataset.js';

/** Sorted names of the image files in a folder (by extension); a missing folder is a DatasetError. */
export async function listImageFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    throw new DatasetError(`expected an image folder at ${dir} but received nothing there`);
  }
  return names.filter((name) => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase())).sort();
}

async function readLabelsCsv(path: string): Promise<Record<string, string>[]> {
  if (!existsSync(path)) throw new DatasetError(`expected a label file at ${path} but received nothing there`);
  return parseCsvWithHeader(await readFile(path, 'utf8')).records;
}

export function stemOf(name: string): string {
  return basename(name, extname(name));
}

/** A labels.csv + images/ + masks/ layout: how names map to files and rows to classes. */
interface CsvLayout {
  readonly name: string;
  readonly classes: string[];
  readonly imageExtension: string;
  readonly maskExtension: string;
  /** Class index for a row, or a problem sentence. */
  readonly labelOf: (record: Record<string, string>) => number | string;
  readonly groupOf: (record: Record<string, string>) => string | undefined;
}

async function loadCsvLayout(root: string, layout: CsvLayout, options: AdapterOptions): Promise<Dataset> {
  const problems = new ProblemList();
  const csvPath = join(root, 'labels.csv');
  let records = (await readLabelsCsv(csvPath)).sort((a, b) => (a.name! < b.name! ? -1 : a.name! > b.name! ? 1 : 0));
  const imageNames = new Set(await listImageFiles(join(root, 'images')));
  const maskNames = new Set(await listImageFiles(join(root, 'masks')));
  const listed = new Set(records.map((record) => `${record.name}${layout.imageExtension}`));
  for (const name of imageNames) if (!listed.has(name)) problems.add(join(root, 'images', name), `image without a label in ${csvPath}`);
  if (options.limit !== undefined) records = records.slice(0, ensureInteger(options.limit, 'the dataset limit', { min: 1 }));
  const items: DatasetItem[] = [];
  for (const record of records) {
    const imageName = `${record.name}${layout.imageExtension}`;
    const maskName = `${record.name}${layout.maskExtension}`;
    const label = layout.labelOf(record);
    if (typeof label === 'string') problems.add(csvPath, `row '${record.name}': ${label}`);
    if (!imageNames.has(imageName)) problems.add(join(root, 'images', imageName), `labelled in ${csvPath} but the image file is missing`);
    if (typeof label === 'string' || !imageNames.has(imageName)) continue;
    const group = layout.groupOf(record);
    items.push({
      id: record.name!, imagePath: join(root, 'images', imageName), label,
      ...(maskNames.has(maskName) ? { maskPath: join(root, 'masks', maskName) } : {}),
      ...(group === undefined ? {} : { group }),
    });
  }
  const good = await checkImageFiles(items, problems);
  checkClassesPresent(layout.classes, good, csvPath, problems);
  return { name: layout.name, classes: layout.classes, items: good, warnings: problems.settle(layout.name, options.skipBad) };
}

/** BUS-BRA breast ultrasound (Gomez-Flores et al., Med. Phys. 2024): benign / malignant, grouped by patient case. */
export async function loadBusBra(root: string, options: AdapterOptions = {}): Promise<Dataset> {
  const classes = ['benign', 'malignant'];
  return loadCsvLayout(root, {
    name: 'bus-bra', classes, imageExtension: '.png', maskExtension: '.png',
    labelOf: (record) => indexOrProblem(classes, record.pathology, 'pathology'),
    groupOf: (record) => (record.case ? `case-${record.case}` : undefined),
  }, options);
}

export interface Ph2Options extends AdapterOptions {
  /** 'binary': nevus vs melanoma (default); 'three': common nevus, atypical nevus, melanoma. */
  labels?: 'binary' | 'three';
}

/** PH2 dermoscopy (Mendonca et al., EMBC 2013). No patient ids are published, so each image is its own group. */
export async function loadPh2(root: string, options: Ph2Options = {}): Promise<Dataset> {
  const three = options.labels === 'three';
  const classes = three ? ['common_nevus', 'atypical_nevus', 'melanoma'] : ['nevus', 'melanoma'];
  return loadCsvLayout(root, {
    name: 'ph2', classes, imageExtension: '.jpg', maskExtension: '.png',
    labelOf: (record) => indexOrProblem(three ? ['0', '1', '2'] : ['0', '1'], three ? record.clinical_diagnosis : record.malignant, three ? 'clinical_diagnosis' : 'malignant'),
    groupOf: (record) => record.name,
  }, options);
}

function indexOrProblem(allowed: readonly string[], value: string | undefined, column: string): number | string {
  const index = value === undefined ? -1 : allowed.indexOf(value);
  return index >= 0 ? index : `expected one of ${allowed.join(', ')} for column '${column}' but received '${value ?? ''}'`;
}

export interface GenericOptions extends AdapterOptions {
  /** A CSV of path,label[,mask] (paths relative to the CSV); without it, one sub-folder of `root` per class. */
  csv?: string;
  /** Class order; default the sorted distinct labels (or folder names). */
  classes?: string[];
}

/** Any labelled image collection: one folder per class, or a CSV of path,label[,mask]. */
export async function loadGeneric(root: string, options: GenericOptions = {}): Promise<Dataset> {
  const problems = new ProblemList();
  const { rows, where } = options.csv === undefined ? await rowsFromFolders(root, problems) : await rowsFromCsv(resolve(root, options.csv));
  const classes = options.classes ?? [...new Set(rows.map((row) => row.label))].sort();
  let items: DatasetItem[] = [];
  for (const row of rows) {
    const label = classes.indexOf(row.label);
    if (label < 0) problems.add(row.imagePath, `label '${row.label}' is not one of the classes ${classes.join(', ')}`);
    else if (!existsSync(row.imagePath)) problems.add(row.imagePath, `labelled in ${where} but the image file is missing`);
    else items.push({ id: row.id, imagePath: row.imagePath, label, ...(row.maskPath ? { maskPath: row.maskPath } : {}) });
  }
  if (options.limit !== undefined) items = items.slice(0, ensureInteger(options.limit, 'the dataset limit', { min: 1 }));
  const good = await checkImageFiles(items, problems);
  checkClassesPresent(classes, good, where, problems);
  return { name: 'generic', classes, items: good, warnings: problems.settle('generic', options.skipBad) };
}

interface GenericRow {
  id: string;
  imagePath: string;
  label: string;
  maskPath?: string;
}

async function rowsFromFolders(root: string, problems: ProblemList): Promise<{ rows: GenericRow[]; where: string }> {
  let entries;
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch {
    throw new DatasetError(`expected a dataset folder at ${root} but received nothing there`);
  }
  const rows: GenericRow[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.isFile() && IMAGE_EXTENSIONS.includes(extname(entry.name).toLowerCase())) {
      problems.add(join(root, entry.name), 'image outside any class folder (no label)');
    }
    if (!entry.isDirectory()) continue;
    const names = await listImageFiles(join(root, entry.name));
    if (names.length === 0) problems.add(join(root, entry.name), `class '${entry.name}' has no images`);
    for (const name of names) rows.push({ id: `${entry.name}/${stemOf(name)}`, imagePath: join(root, entry.name, name), label: entry.name });
  }
  return { rows, where: root };
}

async function rowsFromCsv(csvPath: string): Promise<{ rows: GenericRow[]; where: string }> {
  if (!existsSync(csvPath)) throw new DatasetError(`expected a label file at ${csvPath} but received nothing there`);
  const table = parseCsv(await readFile(csvPath, 'utf8'));
  const hasHeader = table.length > 0 && /^(path|image|file|filename)$/i.test(table[0]![0]!);
  const base = dirname(csvPath);
  const at = (path: string): string => (isAbsolute(path) ? path : join(base, path));
  const rows = table.slice(hasHeader ? 1 : 0).map(([path = '', label = '', mask = '']) => ({
    id: stemOf(path), imagePath: at(path), label, ...(mask ? { maskPath: at(mask) } : {}),
  }));
  return { rows, where: csvPath };
}
