/**
 * The review page's files (plain HTML, CSS and ES-module JavaScript, no build step), shipped in
 * src/viewer/static and found relative to this module, from src/ (tests) and dist/ (the package) alike.
 * The server answers only the request paths listed here: nothing else on disk is reachable through them.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** src/viewer/static/, whether this module runs from src/viewer/app or dist/viewer/app. */
export const STATIC_DIR = fileURLToPath(new URL('../../../src/viewer/static/', import.meta.url));

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.filter((e) => !e.name.startsWith('.')).map(async (entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : entry.isFile() ? [path] : [];
  }));
  return nested.flat();
}

/** Request path ('/index.html', '/static/js/grid.js', ...) to file, for every file of the static folder. */
export async function staticAssets(dir: string = STATIC_DIR): Promise<Map<string, string>> {
  const assets = new Map<string, string>();
  for (const path of await listFiles(dir)) {
    const name = relative(dir, path).split(sep).join('/');
    assets.set(name === 'index.html' ? '/index.html' : `/static/${name}`, path);
  }
  return assets;
}

/** The text of one static file (the report inlines the style sheet). */
export async function staticText(name: string, dir: string = STATIC_DIR): Promise<string> {
  return readFile(join(dir, name), 'utf8');
}
