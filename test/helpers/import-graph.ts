/**
 * The import graph of src/ read from the import lines, and the checks the architecture test runs on it:
 * layering between folders, cycles between files. Pure functions over plain lists, so a test can feed them a
 * synthetic graph and see a forbidden import or a cycle caught.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/** One relative import: `from` imports `to`, both paths relative to src/ with a .ts extension. */
export interface ImportEdge {
  readonly from: string;
  readonly to: string;
}

export function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every relative import and export-from of the .ts files under `srcRoot` (type-only ones included). */
export function importEdges(srcRoot: string): ImportEdge[] {
  return sourceFiles(srcRoot).flatMap((file) => {
    const text = readFileSync(file, 'utf8');
    const specifiers = [...text.matchAll(/(?:import|export)[^'";]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)]
      .map((m) => m[1] ?? m[2]!)
      .filter((s) => s.startsWith('.'));
    return specifiers.map((s) => ({
      from: relative(srcRoot, file),
      to: relative(srcRoot, resolve(dirname(file), s)).replace(/\.js$/, '.ts'),
    }));
  });
}

/** The folder a file belongs to at a depth: depth 1 'pipeline/method/x.ts' -> 'pipeline', depth 2 -> 'pipeline/method'. */
export function folderOf(path: string, depth: number): string {
  const parts = path.split(/[\\/]/);
  return parts.slice(0, Math.min(depth, parts.length - 1)).join('/');
}

/**
 * Imports between folders of one level that the rules do not allow, as 'a/x.ts imports b/'. `rules` maps a
 * folder to the folders it may import (besides itself); a folder missing from the rules is reported too.
 */
export function layeringViolations(edges: readonly ImportEdge[], rules: Readonly<Record<string, readonly string[]>>, options: { depth: number; within?: string }): string[] {
  const inside = (path: string): boolean => options.within === undefined || path.startsWith(`${options.within}/`);
  return edges.filter((edge) => inside(edge.from) && inside(edge.to)).flatMap((edge) => {
    const from = folderOf(edge.from, options.depth);
    const to = folderOf(edge.to, options.depth);
    if (from === to || from === options.within || to === options.within) return [];
    if (!(from in rules)) return [`${edge.from}: folder ${from}/ has no layering rule`];
    return rules[from]!.includes(to) ? [] : [`${edge.from} imports ${to}/`];
  });
}

/** Every import cycle between files, each as the list of files around it (first file repeated at the end). */
export function importCycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const state = new Map<string, 'open' | 'done'>();
  const cycles: string[][] = [];
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const target of next.get(file) ?? []) {
      if (state.get(target) === 'open') cycles.push([...stack.slice(stack.indexOf(target)), target]);
      else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of [...next.keys()].sort()) if (!state.has(file)) visit(file);
  return cycles;
}
