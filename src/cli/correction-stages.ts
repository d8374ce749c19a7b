/**
 * What `explainseg view` injects into the viewer for corrections: the seeded cut (ncut's random walker
 * with the clicks as hard labels) and DenseCRF (crf's refineMaskCrf with the run's own CRF settings).
 * The viewer sits beside the stages, not above them, so it receives them from here.
 */
import { refineMaskCrf, type CrfOverrides } from '../crf/index.js';
import { segmentRandomWalker } from '../ncut/index.js';
import type { CorrectionStages } from '../viewer/index.js';

export function correctionStages(): CorrectionStages {
  return {
    walk: (image, input) => segmentRandomWalker(image, input).probability,
    // run.json's crf block is the pipeline's CrfConfig plus `enabled`; resolveCrfConfig reads only its own keys.
    refine: (image, probability, crf) => refineMaskCrf(image, probability, (crf ?? {}) as CrfOverrides).mask,
  };
}
