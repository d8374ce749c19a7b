/**
 * What the HTML report shows, as plain data (JSON-able), so a run can be reported long after it ran.
 * The pipeline fills it; the viewer only formats it.
 */
import { ensure } from '../core/index.js';

/** A 95% interval as [low, high]. */
export type Interval = readonly [number, number];

export interface MethodSummary {
  /** Method or variant name, e.g. 'fusion-ncut'. */
  readonly name: string;
  readonly meanIoU: number;
  readonly meanDice: number;
  readonly iouCi?: Interval;
  readonly diceCi?: Interval;
  /** Number of images averaged. */
  readonly n: number;
}

export interface ImageEntry {
  readonly id: string;
  /**
   * Pictures by kind ('overlay', 'heatmap', 'mask', 'groundTruth', ...) as paths relative to the report's
   * folder, '/'-separated. Shown as thumbnails linking to the full picture.
   */
  readonly files: Readonly<Record<string, string>>;
  /** Per-image numbers by column name ('iou', 'dice', 'fusion-ncut iou', ...); NaN shows as a dash. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly predictedClass?: string;
  readonly probability?: number;
}

export interface ReportInput {
  readonly title: string;
  /** Run summary: backbone name, timings, counts. */
  readonly summary: Readonly<Record<string, string | number>>;
  /** The resolved configuration, shown as collapsed JSON. */
  readonly config: unknown;
  readonly methods: readonly MethodSummary[];
  readonly images: readonly ImageEntry[];
}

/** Throws InvalidArgumentError naming the first field that is not of the documented type. */
export function validateReportInput(input: ReportInput): void {
  ensure(typeof input === 'object' && input !== null, 'an object', 'the report input', input);
  ensure(typeof input.title === 'string', 'a string', 'the report title', input.title);
  ensureRecord(input.summary, (v) => typeof v === 'string' || typeof v === 'number', 'the report summary');
  ensure(Array.isArray(input.methods), 'an array', 'the report methods', input.methods);
  input.methods.forEach((method, k) => validateMethod(method, `methods[${k}]`));
  ensure(Array.isArray(input.images), 'an array', 'the report images', input.images);
  input.images.forEach((image, k) => validateImage(image, `images[${k}]`));
}

function validateMethod(method: MethodSummary, what: string): void {
  ensure(typeof method?.name === 'string', 'a string', `${what}.name`, method?.name);
  for (const key of ['meanIoU', 'meanDice', 'n'] as const) ensure(typeof method[key] === 'number', 'a number', `${what}.${key}`, method[key]);
  for (const key of ['iouCi', 'diceCi'] as const) {
    const ci = method[key];
    const ok = ci === undefined || (Array.isArray(ci) && ci.length === 2 && ci.every((v) => typeof v === 'number'));
    ensure(ok, 'undefined or [low, high]', `${what}.${key}`, ci);
  }
}

function validateImage(image: ImageEntry, what: string): void {
  ensure(typeof image?.id === 'string', 'a string', `${what}.id`, image?.id);
  ensureRecord(image.files, (v) => typeof v === 'string' && isRelativePath(v), `${what}.files (relative paths)`);
  ensureRecord(image.metrics, (v) => typeof v === 'number', `${what}.metrics`);
  ensure(image.predictedClass === undefined || typeof image.predictedClass === 'string', 'undefined or a string', `${what}.predictedClass`, image.predictedClass);
  ensure(image.probability === undefined || typeof image.probability === 'number', 'undefined or a number', `${what}.probability`, image.probability);
}

function ensureRecord(value: unknown, valueOk: (v: unknown) => boolean, what: string): void {
  const ok = typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(valueOk);
  ensure(ok, 'a record of valid values', what, value);
}

/**
 * A path the report may link: relative, '/'-separated, no '..' segment. (A scheme such as 'javascript:'
 * cannot sneak in: the HTML percent-encodes each segment, so ':' becomes %3A.)
 */
export function isRelativePath(path: string): boolean {
  if (path.length === 0 || path.startsWith('/') || path.includes('\\')) return false;
  return !path.split('/').includes('..');
}
