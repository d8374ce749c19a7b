import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Which top-level folders each folder of src/ may import from (besides itself). Dependencies point one way. */
const allowed: Record<string, string[]> = {
  core: [],
  graph: ['core'],
  backbone: ['core', 'graph'],
  data: ['core'],
  head: ['core'],
  attribution: ['core'],
  features: ['core'],
  postprocess: ['core'],
  ncut: ['core'],
  crf: ['core'],
  metrics: ['core'],
  pipeline: ['core', 'graph', 'backbone', 'data', 'head', 'attribution', 'features', 'postprocess', 'ncut', 'crf', 'metrics'],
  bench: ['core', 'graph', 'backbone', 'data', 'head', 'attribution', 'features', 'postprocess', 'ncut', 'crf', 'metrics', 'pipeline'],
  viewer: ['core', 'metrics', 'pipeline', 'data'],
  cli: ['core', 'graph', 'backbone', 'data', 'head', 'attribution', 'features', 'postprocess', 'ncut', 'crf', 'metrics', 'pipeline', 'bench', 'viewer'],
};

const srcRoot = resolve(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)]
    .map((m) => m[1] ?? m[2]!)
    .filter((s) => s.startsWith('.'));
  return specifiers.map((s) => relative(srcRoot, resolve(dirname(file), s)).split(/[\\/]/)[0]!);
}

describe('architecture: dependencies point one way (STYLE.md)', () => {
  const files = sourceFiles(srcRoot).filter((f) => relative(srcRoot, f).includes('/'));

  it('knows every top-level folder of src/', () => {
    const folders = [...new Set(files.map((f) => relative(srcRoot, f).split(/[\\/]/)[0]!))];
    expect(folders.filter((f) => !(f in allowed))).toEqual([]);
  });

  it('has no import that goes against the layering', () => {
    const violations = files.flatMap((file) => {
      const folder = relative(srcRoot, file).split(/[\\/]/)[0]!;
      return importedFolders(file)
        .filter((target) => target !== folder && !allowed[folder]?.includes(target))
        .map((target) => `${relative(srcRoot, file)} imports ${target}/`);
    });
    expect(violations).toEqual([]);
  });
});
