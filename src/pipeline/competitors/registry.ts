/**
 * The competing methods a comparison can run next to ExplainSeg's variants (the paper's baselines, Table 2),
 * as one table: each entry says which model it needs and names the masks it returns. `compare` reads only
 * this table, so a new competitor is one entry here.
 */
import type { ImageTensor, Mask } from '../../core/index.js';
import type { ExplainableModel } from '../../backbone/index.js';
import type { MicraNetModel } from '../../backbone/index.js';
import { bestSingleMask, maskCutBaseline, tokenCutBaseline } from './cut-baselines.js';
import { runMicraNetCompetitor, type MicraNetClassRule } from './micranet/index.js';
import { ellipsePrior, otsuOnIntensity } from './references.js';

export const COMPETITOR_NAMES = ['tokencut', 'tokencut-crf', 'maskcut', 'ellipse', 'otsu', 'micranet'] as const;
export type CompetitorName = (typeof COMPETITOR_NAMES)[number];
/** What `compare` runs when its config names none: all but those that need a model trained for them. */
export const DEFAULT_COMPETITORS: readonly CompetitorName[] = ['tokencut', 'tokencut-crf', 'maskcut', 'ellipse', 'otsu'];

/** What a competitor may use: the classifier's backbone, MaskCut's own-resolution backbone, priors, the truth. */
export interface CompetitorContext {
  readonly model: ExplainableModel;
  /** The backbone at MaskCut's input size (CutLER: 480); present when 'maskcut' is run. */
  readonly maskCutModel?: ExplainableModel;
  /** Foreground fraction of the ellipse prior, taken from training masks only. */
  readonly ellipseFraction: number;
  /** Only for oracle rows that say so in their name (MaskCut's best single mask). */
  readonly groundTruth: Mask;
  /** A MICRA-Net trained on the dataset's training part (`micranetModel` of a compare dataset). */
  readonly micraNetModel?: MicraNetModel;
  /** Which classes it segments (default the original's 'positive'). */
  readonly micraNetClasses?: MicraNetClassRule;
}

export interface Competitor {
  /**
   * 'backbone': the classifier's ViT; 'maskcut-backbone': a second ViT at MaskCut's input size;
   * 'micranet-model': a MICRA-Net trained for the dataset; 'none'.
   */
  readonly needs: 'backbone' | 'maskcut-backbone' | 'micranet-model' | 'none';
  /** The masks to score, by the row name they get in the tables. */
  run(image: ImageTensor, context: CompetitorContext): Promise<Record<string, Mask>>;
}

export const COMPETITORS: Readonly<Record<CompetitorName, Competitor>> = {
  tokencut: {
    needs: 'backbone',
    run: async (image, { model }) => ({ tokencut: (await tokenCutBaseline(image, { model })).mask }),
  },
  'tokencut-crf': {
    needs: 'backbone',
    run: async (image, { model }) => ({ 'tokencut-crf': (await tokenCutBaseline(image, { model, crf: {} })).mask }),
  },
  maskcut: {
    needs: 'maskcut-backbone',
    run: async (image, { maskCutModel, groundTruth }) => {
      const result = await maskCutBaseline(image, { model: maskCutModel! });
      return { 'maskcut (union)': result.union, 'maskcut (best single)': bestSingleMask(result.masks, groundTruth).mask };
    },
  },
  ellipse: {
    needs: 'none',
    run: async (image, { ellipseFraction }) => ({ 'ellipse prior': ellipsePrior(image.rows, image.cols, { fraction: ellipseFraction }) }),
  },
  otsu: {
    needs: 'none',
    run: async (image) => ({ 'otsu (intensity)': otsuOnIntensity(image) }),
  },
  micranet: {
    needs: 'micranet-model',
    run: (image, { micraNetModel, micraNetClasses }) => runMicraNetCompetitor(image, micraNetModel!, micraNetClasses ? { classes: micraNetClasses } : {}),
  },
};
