import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importCycles, importEdges, layeringViolations, sourceFiles, type ImportEdge } from './helpers/import-graph.js';

const STAGES = ['attribution', 'features', 'postprocess', 'cues', 'ncut', 'crf', 'metrics'];
const LOWER = ['core', 'graph', 'backbone', 'data', 'head', ...STAGES, 'render'];

/** Which top-level folders each folder of src/ may import from (besides itself). Dependencies point one way. */
const topLevel: Record<string, string[]> = {
  core: [],
  graph: ['core'],
  backbone: ['core', 'graph'],
  data: ['core'],
  head: ['core'],
  attribution: ['core'],
  features: ['core'],
  postprocess: ['core'],
  cues: ['core'],
  ncut: ['core'],
  crf: ['core'],
  metrics: ['core'],
  render: ['core'],
  pipeline: LOWER,
  bench: [...LOWER, 'pipeline'],
  viewer: ['core', 'metrics', 'data', 'render', 'ncut', 'crf'],
  cli: [...LOWER, 'pipeline', 'bench', 'viewer'],
};

/**
 * The pipeline's own layers, read top down as the method and its uses: settings, the model, Algorithm 1 for
 * one image (and step 1, training; and the competitors), scores, what long runs stand on, the run folders.
 */
const pipelineLayers: Record<string, string[]> = {
  'pipeline/config': [],
  'pipeline/model': [],
  'pipeline/method': ['pipeline/config', 'pipeline/model'],
  'pipeline/training': ['pipeline/model'],
  'pipeline/competitors': ['pipeline/model'],
  'pipeline/evaluation': [],
  'pipeline/runtime': ['pipeline/config', 'pipeline/method'],
  'pipeline/student': ['pipeline/config', 'pipeline/model', 'pipeline/method', 'pipeline/training'],
  'pipeline/runs': ['pipeline/config', 'pipeline/model', 'pipeline/method', 'pipeline/training', 'pipeline/competitors', 'pipeline/evaluation', 'pipeline/runtime', 'pipeline/student'],
};

const srcRoot = resolve(__dirname, '..', 'src');
const edges = importEdges(srcRoot);

describe('architecture: dependencies point one way (STYLE.md)', () => {
  it('knows every top-level folder of src/ and every folder of src/pipeline/', () => {
    const files = sourceFiles(srcRoot).map((f) => relative(srcRoot, f));
    const folders = [...new Set(files.filter((f) => f.includes('/')).map((f) => f.split('/')[0]!))];
    expect(folders.filter((f) => !(f in topLevel))).toEqual([]);
    const pipelineFolders = [...new Set(files.filter((f) => f.split('/').length > 2 && f.startsWith('pipeline/')).map((f) => f.split('/').slice(0, 2).join('/')))];
    expect(pipelineFolders.filter((f) => !(f in pipelineLayers))).toEqual([]);
  });

  it('has no import that goes against the layering of src/', () => {
    expect(layeringViolations(edges.filter((e) => e.from.includes('/')), topLevel, { depth: 1 })).toEqual([]);
  });

  it('has no import that goes against the layering of src/pipeline/', () => {
    expect(layeringViolations(edges, pipelineLayers, { depth: 2, within: 'pipeline' })).toEqual([]);
  });

  it('has no import cycle anywhere in src/', () => {
    expect(importCycles(edges)).toEqual([]);
  });

  it('lets the CLI, the benchmarks and the viewer reach the pipeline only through its index.ts files', () => {
    const outside = edges.filter((e) => /^(cli|bench|viewer)\//.test(e.from) && e.to.startsWith('pipeline/') && !e.to.endsWith('index.ts'));
    expect(outside.map((e) => `${e.from} imports ${e.to}`)).toEqual([]);
  });

  it('gives every folder of src/pipeline/ an index.ts', () => {
    for (const folder of ['pipeline', ...Object.keys(pipelineLayers)]) expect(statSync(join(srcRoot, folder, 'index.ts')).isFile()).toBe(true);
  });
});

describe('architecture: sizes a reader can hold (issue: the pipeline redesign)', () => {
  const folders = (dir: string): string[] => [dir, ...readdirSync(dir).map((n) => join(dir, n)).filter((p) => statSync(p).isDirectory()).flatMap(folders)];

  it('has no folder of src/ with more than 12 files directly in it', () => {
    const crowded = folders(srcRoot)
      .map((dir) => ({ dir: relative(srcRoot, dir) || '.', files: readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile()).length }))
      .filter(({ files }) => files > 12);
    expect(crowded).toEqual([]);
  });

  it('has no source file over 400 lines', () => {
    const long = sourceFiles(srcRoot)
      .map((file) => ({ file: relative(srcRoot, file), lines: readFileSync(file, 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 400);
    expect(long).toEqual([]);
  });
});

describe('architecture checks on a synthetic import list (they can fail)', () => {
  const edge = (from: string, to: string): ImportEdge => ({ from, to });

  it('reports a forbidden import between top-level folders and one between pipeline layers', () => {
    expect(layeringViolations([edge('ncut/cut.ts', 'crf/refine.ts')], topLevel, { depth: 1 })).toEqual(['ncut/cut.ts imports crf/']);
    const upward = [edge('pipeline/method/segment-image.ts', 'pipeline/runs/segment-run.ts')];
    expect(layeringViolations(upward, pipelineLayers, { depth: 2, within: 'pipeline' })).toEqual(['pipeline/method/segment-image.ts imports pipeline/runs/']);
    const sideways = [edge('pipeline/competitors/cut-baselines.ts', 'pipeline/method/mask-from-map.ts')];
    expect(layeringViolations(sideways, pipelineLayers, { depth: 2, within: 'pipeline' })).toEqual(['pipeline/competitors/cut-baselines.ts imports pipeline/method/']);
    expect(layeringViolations([edge('pipeline/runs/a.ts', 'pipeline/method/b.ts')], pipelineLayers, { depth: 2, within: 'pipeline' })).toEqual([]);
  });

  it('reports a folder without a rule', () => {
    expect(layeringViolations([edge('pipeline/extra/x.ts', 'pipeline/config/y.ts')], pipelineLayers, { depth: 2, within: 'pipeline' }))
      .toEqual(['pipeline/extra/x.ts: folder pipeline/extra/ has no layering rule']);
  });

  it('finds a cycle of two files and one of three, and none in a chain', () => {
    expect(importCycles([edge('a.ts', 'b.ts'), edge('b.ts', 'a.ts')])).toEqual([['a.ts', 'b.ts', 'a.ts']]);
    expect(importCycles([edge('a.ts', 'b.ts'), edge('b.ts', 'c.ts'), edge('c.ts', 'a.ts')])).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
    expect(importCycles([edge('a.ts', 'b.ts'), edge('b.ts', 'c.ts')])).toEqual([]);
  });
});
