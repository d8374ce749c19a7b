/**
 * The whole resolved config checked once, before any model loads or image is read: every leaf has a rule
 * here (a test holds every leaf of the defaults to that), and every bad key is reported in one error that
 * names the key, the value and what is allowed.
 */
import { describeValue, InvalidArgumentError } from '../../core/index.js';
import { NOISE_TUNNEL_TYPES, QUADRATURE_METHODS, RELEVANCE_SIGNS } from '../../attribution/index.js';
import { FEATURE_MAP_KINDS } from '../../features/index.js';
import { EXPLAIN_SOURCES, type PipelineConfig } from './types.js';

/** A leaf's rule: a description of what is allowed and the test. */
interface Rule {
  readonly allowed: string;
  readonly test: (value: unknown) => boolean;
}

const integer = (min: number, max = Infinity): Rule => ({
  allowed: `an integer ${max < Infinity ? `in [${min}, ${max}]` : `>= ${min}`}`,
  test: (v) => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max,
});
const number = (min: number, max = Infinity, options: { openMin?: boolean; openMax?: boolean } = {}): Rule => ({
  allowed: `a number in ${options.openMin ? '(' : '['}${min}, ${max < Infinity ? max : 'inf'}${options.openMax || max === Infinity ? ')' : ']'}`,
  test: (v) => typeof v === 'number' && Number.isFinite(v) && (options.openMin ? v > min : v >= min) && (options.openMax ? v < max : v <= max),
});
const oneOf = (values: readonly string[]): Rule => ({ allowed: `one of ${values.join(', ')}`, test: (v) => typeof v === 'string' && values.includes(v) });
const flag: Rule = { allowed: 'true or false', test: (v) => typeof v === 'boolean' };
const text: Rule = { allowed: 'a non-empty string', test: (v) => typeof v === 'string' && v.length > 0 };

/** Every leaf of PipelineConfig, by its dotted path. */
export const CONFIG_RULES: Readonly<Record<string, Rule>> = {
  inputSize: integer(16, 4096),
  view: oneOf(['resize', 'tiles']),
  tileFraction: number(0, 1, { openMin: true }),
  'explain.source': oneOf(EXPLAIN_SOURCES),
  'explain.target': text,
  'explain.nSteps': integer(1, 10_000),
  'explain.method': oneOf(QUADRATURE_METHODS),
  'explain.baseline': oneOf(['zero', 'black', 'blurred', 'uniform']),
  'explain.internalBatchSize': integer(1, 1024),
  'explain.ntSamples': integer(0, 1000),
  'explain.ntType': oneOf(NOISE_TUNNEL_TYPES),
  'explain.stdevs': number(0),
  'explain.sign': oneOf(RELEVANCE_SIGNS),
  'explain.smoothSigma': number(0, 1000),
  'fusion.enabled': flag,
  'fusion.feature': oneOf(FEATURE_MAP_KINDS),
  'fusion.head': integer(0, 1024),
  'mask.method': oneOf(['morphology', 'ncut']),
  'mask.darkBorderThreshold': number(0, 1),
  'mask.morphology.equalize': flag,
  'mask.morphology.clearBorder': flag,
  'mask.morphology.borderMargin': integer(0),
  'mask.morphology.minObjectFraction': number(0, 1, { openMax: true }),
  'mask.morphology.dilateRadius': integer(0, 1000),
  'mask.morphology.erodeRadius': integer(0, 1000),
  'mask.morphology.fillHoles': flag,
  'mask.morphology.keepLargest': flag,
  'mask.ncut.graph': oneOf(['patch', 'pixel']),
  'mask.ncut.pixelGridSize': integer(2, 1024),
  'mask.ncut.relevanceWeight': number(0),
  'mask.ncut.intensityWeight': number(0),
  'mask.ncut.sigmaFeature': number(0, Infinity, { openMin: true }),
  'mask.ncut.sigmaSpace': number(0, Infinity, { openMin: true }),
  'mask.ncut.radius': integer(1, 100),
  'mask.ncut.split': oneOf(['mean', 'zero', 'median', 'sweep']),
  'mask.ncut.tau': number(-1, 1),
  'crf.enabled': flag,
  'crf.iterations': integer(0, 1000),
  'crf.gaussian.sxy': number(0, Infinity, { openMin: true }),
  'crf.gaussian.weight': number(0),
  'crf.bilateral.sxy': number(0, Infinity, { openMin: true }),
  'crf.bilateral.srgb': number(0, Infinity, { openMin: true }),
  'crf.bilateral.weight': number(0),
  'crf.gtProb': number(0, 1, { openMin: true, openMax: true }),
  'crf.maxSide': integer(1, 100_000),
  seed: integer(0, 2 ** 32 - 1),
};

/** Dotted paths of every leaf of a config object. */
export function configLeafPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) => configLeafPaths(inner, prefix ? `${prefix}.${key}` : key));
}

function valueAt(config: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), config);
}

/** One line per bad key ("explain.nSteps: expected an integer in [1, 10000] but received 0"); empty when all is well. */
export function configProblems(config: unknown): string[] {
  return Object.entries(CONFIG_RULES).flatMap(([path, rule]) => {
    const value = valueAt(config, path);
    return rule.test(value) ? [] : [`${path}: expected ${rule.allowed} but received ${describeValue(value)}`];
  });
}

/** The config itself when every key is valid; otherwise one InvalidArgumentError listing every bad key. */
export function validateConfig(config: PipelineConfig): PipelineConfig {
  const problems = configProblems(config);
  if (problems.length === 1) throw new InvalidArgumentError(`invalid setting ${problems[0]}`);
  if (problems.length > 1) throw new InvalidArgumentError(`invalid settings:\n  - ${problems.join('\n  - ')}`);
  return config;
}
