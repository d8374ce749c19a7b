/**
 * Unary potentials for the dense CRF: the energy -log P(label) of each pixel on its own,
 * as pydensecrf's utils.unary_from_softmax and utils.unary_from_labels compute them.
 */
import { ensure, ensureInteger, ensureMap, ensureMask, ensureNumber, type Mask, type ScalarMap } from '../core/index.js';

/** Per-label planar fields over an image: data is labels x rows x cols (label-major). */
export interface LabelFields {
  readonly data: Float32Array;
  readonly labels: number;
  readonly rows: number;
  readonly cols: number;
}

export function ensureLabelFields(fields: LabelFields, what: string): void {
  ensureInteger(fields.labels, `the number of labels of ${what}`, { min: 2 });
  ensure(fields.rows > 0 && fields.cols > 0, 'positive rows and cols', what, `${fields.rows}x${fields.cols}`);
  ensure(fields.data.length === fields.labels * fields.rows * fields.cols,
    `${fields.labels * fields.rows * fields.cols} values (labels x rows x cols)`, `${what}'s data`, fields.data.length);
}

/**
 * Unary energy -log(max(p, clip)) from per-label probabilities (pydensecrf's unary_from_softmax
 * with scale=None; Kraehenbuehl & Koltun 2011, Sec. 2). Probabilities need not sum to one.
 *
 * Example: probabilities [0.2, 0.8] for one pixel give energies [1.609, 0.223].
 */
export function unaryFromProbabilities(probabilities: LabelFields, options: { clip?: number } = {}): LabelFields {
  ensureLabelFields(probabilities, 'the label probabilities');
  const clip = ensureNumber(options.clip ?? 1e-5, 'the probability clip', { min: Number.MIN_VALUE, max: 1 });
  const data = new Float32Array(probabilities.data.length);
  for (let at = 0; at < data.length; at++) {
    const p = probabilities.data[at]!;
    ensure(p >= 0 && p <= 1, 'probabilities in [0, 1]', 'the label probabilities', p);
    data[at] = -Math.log(Math.max(p, clip));
  }
  return { ...probabilities, data };
}

/** Two-label probabilities [1 - p, p] from a foreground probability map in [0, 1]. */
export function probabilitiesFromForeground(foreground: ScalarMap): LabelFields {
  ensureMap(foreground, 'the foreground probability map');
  const pixels = foreground.rows * foreground.cols;
  const data = new Float32Array(2 * pixels);
  for (let pixel = 0; pixel < pixels; pixel++) {
    const p = foreground.data[pixel]!;
    ensure(p >= 0 && p <= 1, 'values in [0, 1]', 'the foreground probability map', p);
    data[pixel] = 1 - p;
    data[pixels + pixel] = p;
  }
  return { data, labels: 2, rows: foreground.rows, cols: foreground.cols };
}

/**
 * Unary energy from hard labels (pydensecrf's unary_from_labels with zero_unsure=False): the
 * given label costs -log(gtProb), every other label -log((1 - gtProb) / (labels - 1)).
 * A `Mask` of 0/1 is the two-label case; pydensecrf's users pass gtProb 0.5 to 0.9
 * (with two labels, 0.5 carries no information).
 *
 * Example: label 1 of 2 with gtProb 0.7 gives energies [-log 0.3, -log 0.7] = [1.204, 0.357].
 */
export function unaryFromLabels(labelImage: Mask, labels: number, options: { gtProb?: number } = {}): LabelFields {
  ensureMask(labelImage, 'the label image');
  ensureInteger(labels, 'the number of labels', { min: 2, max: 256 });
  const gtProb = options.gtProb ?? 0.7;
  ensure(typeof gtProb === 'number' && gtProb > 0 && gtProb < 1, 'a probability in (0, 1)', 'gtProb', gtProb);
  const pixels = labelImage.rows * labelImage.cols;
  const givenEnergy = -Math.log(gtProb);
  const otherEnergy = -Math.log((1 - gtProb) / (labels - 1));
  const data = new Float32Array(labels * pixels).fill(otherEnergy);
  for (let pixel = 0; pixel < pixels; pixel++) {
    const label = labelImage.data[pixel]!;
    ensure(label < labels, `labels below ${labels}`, 'the label image', label);
    data[label * pixels + pixel] = givenEnergy;
  }
  return { data, labels, rows: labelImage.rows, cols: labelImage.cols };
}
