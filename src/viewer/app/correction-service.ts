/**
 * The server side of a correction session: validates a request against the index (a known run and image,
 * clicks inside the image), keeps the decoded inputs of the last few images so each click only re-runs the
 * cut, and answers previews (a PNG data URI, nothing written) and accepts (written, then re-indexed).
 */
import { join } from 'node:path';
import { ensure, ensureInteger, type Mask } from '../../core/index.js';
import { encodeMaskPng, pngDataUri, readMask } from '../../data/index.js';
import {
  correctMask, ensureClick, loadCorrectionInputs, writeCorrection,
  type Click, type CorrectionSettings, type CorrectionStages, type LoadedCorrection,
} from '../correct/index.js';
import { HttpError } from './http-guard.js';
import type { ReviewIndex } from '../review/index.js';
import { scoreMasks } from '../review/index.js';

/** More clicks than anyone makes on one image; a longer list is refused. */
const MAX_CLICKS = 1000;
/** Decoded images kept between clicks. */
const CACHED_IMAGES = 4;

export interface CorrectionRequest {
  readonly run: number;
  readonly id: string;
  readonly clicks: readonly Click[];
}

export interface CorrectionAnswer {
  readonly foregroundFraction: number;
  readonly iou: number | null;
  readonly dice: number | null;
  readonly clicks: number;
}

export class CorrectionService {
  private readonly loaded = new Map<string, Promise<LoadedCorrection>>();

  constructor(private readonly index: ReviewIndex, private readonly stages: CorrectionStages, private readonly settings: CorrectionSettings = {}) {}

  /** The request body as a correction request; InvalidArgumentError (400) names the first bad field. */
  parse(body: unknown): CorrectionRequest {
    ensure(typeof body === 'object' && body !== null && !Array.isArray(body), 'an object { run, id, clicks }', 'the request body', body);
    const { run, id, clicks } = body as Record<string, unknown>;
    ensureInteger(run, 'the run', { min: 0, max: this.index.runCount - 1 });
    ensure(typeof id === 'string', 'a string', 'the image id', id);
    ensure(Array.isArray(clicks) && clicks.length <= MAX_CLICKS, `an array of at most ${MAX_CLICKS} clicks`, 'the clicks', clicks);
    if (!this.index.record(run as number, id as string)) throw new HttpError(404, 'no such image in this run');
    const plain = (clicks as Click[]).map((click) => ({ row: click?.row, col: click?.col, label: click?.label }) as Click);
    return { run: run as number, id: id as string, clicks: plain };
  }

  async preview(request: CorrectionRequest): Promise<CorrectionAnswer & { mask: string }> {
    const { mask, answer } = await this.correct(request);
    return { ...answer, mask: pngDataUri(await encodeMaskPng(mask)) };
  }

  async accept(request: CorrectionRequest): Promise<CorrectionAnswer & { files: { mask: string; log: string } }> {
    const { result, answer } = await this.correct(request);
    const dir = this.index.snapshot(request.run)!.dir;
    await writeCorrection(dir, request.id, result, this.settings);
    await this.index.refresh();
    return { ...answer, files: { mask: `corrected/${request.id}.png`, log: `corrected/${request.id}.json` } };
  }

  private async correct(request: CorrectionRequest): Promise<{ mask: Mask; result: ReturnType<typeof correctMask>; answer: CorrectionAnswer }> {
    const loaded = await this.load(request.run, request.id);
    request.clicks.forEach((click, k) => ensureClick(click, loaded.image, `click ${k + 1}`));
    const result = correctMask(loaded, request.clicks, this.stages, this.settings);
    const score = await this.score(request.id, result.mask);
    return { mask: result.mask, result, answer: { foregroundFraction: result.foregroundFraction, ...score, clicks: request.clicks.length } };
  }

  private load(run: number, id: string): Promise<LoadedCorrection> {
    const key = `${run}\0${id}`;
    const record = this.index.record(run, id)!;
    let entry = this.loaded.get(`${key}\0${record.modifiedMs}`);
    if (!entry) {
      const snapshot = this.index.snapshot(run)!;
      const crf = snapshot.config?.crf;
      entry = loadCorrectionInputs({
        imagePath: record.source, mapPath: join(snapshot.dir, record.files.soft), maskPath: join(snapshot.dir, record.files.mask),
        ...(crf ? { crf } : {}),
      });
      entry.catch(() => this.loaded.delete(`${key}\0${record.modifiedMs}`));
      this.loaded.set(`${key}\0${record.modifiedMs}`, entry);
      while (this.loaded.size > CACHED_IMAGES) this.loaded.delete(this.loaded.keys().next().value!);
    }
    return entry;
  }

  private async score(id: string, mask: Mask): Promise<{ iou: number | null; dice: number | null }> {
    const gtPath = await this.index.groundTruthPath(id);
    if (!gtPath) return { iou: null, dice: null };
    const score = scoreMasks(mask, await readMask(gtPath));
    const finite = (v: number): number | null => (Number.isFinite(v) ? v : null);
    return { iou: finite(score.iou), dice: finite(score.dice) };
  }
}
