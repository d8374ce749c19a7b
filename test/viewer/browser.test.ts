/**
 * The review page in a real browser: Debian's chromium driven by playwright-core, against a run made by
 * the tests. Skipped (with the reason in the test name) where /usr/bin/chromium is missing; .ci/run
 * installs it. Every wait is for a condition on the page, never for a duration.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { correctionStages } from '../../src/cli/correction-stages.js';
import { serveViewer, type ViewerServer } from '../../src/viewer/index.js';
import { addSyntheticImage, makeSyntheticRun, type SyntheticRun } from '../helpers/synthetic-run.js';
import { fetchRaw } from './http-client.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];

/** Pixels that differ between two screenshots of the same element. */
async function differingPixels(a: Buffer, b: Buffer): Promise<number> {
  const [x, y] = await Promise.all([a, b].map((png) => sharp(png).raw().toBuffer({ resolveWithObject: true })));
  if (x!.info.width !== y!.info.width || x!.info.height !== y!.info.height) return Infinity;
  let count = 0;
  for (let i = 0; i < x!.data.length; i += x!.info.channels) if (x!.data[i] !== y!.data[i] || x!.data[i + 1] !== y!.data[i + 1] || x!.data[i + 2] !== y!.data[i + 2]) count++;
  return count;
}

/** Waits for a condition on the page: generous, since two shared cores can be slow (not a timing check). */
function until<T>(probe: () => T | Promise<T>) {
  return expect.poll(probe, { timeout: 30_000, interval: 50 });
}

async function cardIds(page: Page): Promise<string[]> {
  return page.locator('#grid .card').evaluateAll((cards) => cards.map((card) => (card as HTMLElement).dataset.id!));
}

async function readyStack(locator: Locator): Promise<Locator> {
  await locator.locator('xpath=self::*[@data-ready="true"]').waitFor();
  return locator;
}

describe.skipIf(!existsSync(CHROMIUM))('the review page in Chromium', () => {
  let run: SyntheticRun;
  let other: SyntheticRun;
  let server: ViewerServer;
  let profile: string;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    run = await makeSyntheticRun({ complete: false, images: [{ id: 'img-01', shift: 2 }, { id: 'img-02', shift: 14 }, { id: 'img-03', shift: 0 }, { id: 'img-04', shift: 8, predictedClass: 'normal' }] });
    other = await makeSyntheticRun({ root: run.root, name: 'baseline', images: [{ id: 'img-01', shift: 10 }, { id: 'img-03', shift: 4 }] });
    await writeFile(join(run.root, 'secret.txt'), 'top secret');
    server = await serveViewer([run.runDir, other.runDir], { gtDir: run.gtDir, correction: correctionStages(), pollMs: 100 });
    profile = await mkdtemp(join(tmpdir(), 'explainseg-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(server.url);
    await page.locator('body[data-ready="true"]').waitFor();
  });

  afterAll(async () => {
    await context?.close();
    await server?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    if (run) await rm(run.root, { recursive: true, force: true });
  });

  it('loads the generated runs: one card per image id, a panel per run side by side', async () => {
    await until(() => page.locator('#grid .card').count()).toBe(4);
    expect(await cardIds(page)).toEqual(['img-01', 'img-02', 'img-03', 'img-04']);
    expect(await page.locator('.card[data-id="img-01"] .panel:not(.missing)').count()).toBe(2);
    expect(await page.locator('.card[data-id="img-02"] .panel.missing').count()).toBe(1);
    expect(await page.locator('#metrics-table tbody tr').count()).toBe(2);
    expect(await page.locator('#summary-body svg.histogram').count()).toBe(2);
  });

  it('changes the pixels of a screenshot when a layer is toggled', async () => {
    const stack = await readyStack(page.locator('.card[data-id="img-02"] .panel[data-run="0"] .stack'));
    const before = await stack.screenshot();
    await page.locator('#layer-mask').uncheck();
    const after = await stack.screenshot();
    await page.locator('#layer-mask').check();
    expect(await differingPixels(before, after)).toBeGreaterThan(50);
    expect(await differingPixels(before, await stack.screenshot())).toBe(0);
  });

  it('orders the cards by Dice, both ways, and filters by class', async () => {
    await page.locator('#sort-key').selectOption('dice');
    const ascending = [...run.dice.entries()].sort((a, b) => a[1] - b[1]).map(([id]) => id);
    await until(() => cardIds(page)).toEqual(ascending);
    await page.locator('#sort-direction').click();
    await until(() => cardIds(page)).toEqual([...ascending].reverse());
    await page.locator('#filter-class').selectOption('normal');
    await until(() => cardIds(page)).toEqual(['img-04']);
    await page.locator('#filter-class').selectOption('');
    await page.locator('#sort-key').selectOption('id');
    await page.locator('#sort-direction').click();
  });

  it('shows new images while a run is still being written', async () => {
    await addSyntheticImage(run, { id: 'img-05', shift: 3 }, 4);
    await until(() => page.locator('#grid .card').count()).toBe(5);
  });

  it('corrects a mask with clicks in the large view and writes the accepted one to disk', async () => {
    await page.locator('.card[data-id="img-02"] .panel[data-run="0"]').click();
    const stack = await readyStack(page.locator('#large-stack'));
    const before = await stack.screenshot();
    const box = (await stack.boundingBox())!;
    const at = (row: number, col: number): [number, number] => [box.x + ((col + 0.5) / run.size) * box.width, box.y + ((row + 0.5) / run.size) * box.height];
    await page.mouse.click(...at(32, 24));
    await page.mouse.click(...at(32, 56), { modifiers: ['Shift'] });
    await page.locator('#large-stack:not([data-preview="none"])').waitFor();
    await until(() => page.locator('#large-stack').getAttribute('data-preview')).toBe('2');
    await page.keyboard.press('u');
    await until(() => page.locator('#large-stack').getAttribute('data-preview')).toBe('1');
    await page.mouse.click(...at(32, 56), { modifiers: ['Shift'] });
    await until(() => page.locator('#large-stack').getAttribute('data-preview')).toBe('2');
    expect(await differingPixels(before, await stack.screenshot())).toBeGreaterThan(50);
    await page.keyboard.press('a');
    await page.locator('#large-stack[data-accepted="corrected/img-02.png"]').waitFor();
    await page.mouse.move(...at(8, 8));
    await page.mouse.down();
    await page.mouse.move(...at(8, 40), { steps: 8 });
    await page.mouse.up();
    await until(async () => Number(await page.locator('#large-stack').getAttribute('data-preview'))).toBeGreaterThan(4);
    expect((await stat(join(run.runDir, 'corrected', 'img-02.png'))).isFile()).toBe(true);
    expect((await stat(join(run.runDir, 'corrected', 'img-02.json'))).isFile()).toBe(true);
    await page.keyboard.press('ArrowRight');
    await until(() => page.locator('#large-title').textContent()).toBe('img-03');
    await page.keyboard.press('Escape');
    await page.locator('.card[data-id="img-02"] .panel[data-run="0"] .facts-line', { hasText: 'corrected' }).waitFor();
  });

  it('gets 403/404 for traversal from the page, and 421 for a wrong Host header', async () => {
    const statuses = await page.evaluate(async () => Promise.all(['/files/0/..%2f..%2f..%2fsecret.txt', '/api/layer/0/..%2f..%2fsecret.txt/mask', '/files/9/x'].map(async (path) => (await fetch(path)).status)));
    for (const status of statuses) expect([403, 404]).toContain(status);
    expect((await fetchRaw(server.port, '/files/0/../../../secret.txt')).status).toBe(403);
    expect((await fetchRaw(server.port, '/', { headers: { Host: `attacker.example:${server.port}` } })).status).toBe(421);
  });

  // Regenerates docs/viewer.png: EXPLAINSEG_SCREENSHOT=docs/viewer.png npx vitest run test/viewer/browser.test.ts
  it.runIf(process.env.EXPLAINSEG_SCREENSHOT)('writes the documentation screenshot', async () => {
    await page.locator('#sort-key').selectOption('dice');
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLElement>('#grid .stack')]
      .filter((stack) => stack.getBoundingClientRect().top < window.innerHeight).every((stack) => stack.dataset.ready === 'true'));
    const shot = await page.screenshot();
    await sharp(shot).resize({ width: 1000 }).png({ palette: true, colours: 128 }).toFile(process.env.EXPLAINSEG_SCREENSHOT!);
  });
});

if (!existsSync(CHROMIUM)) {
  describe('the review page in Chromium', () => {
    it.skip(`skipped: ${CHROMIUM} is missing (install it with: apt-get install -y chromium)`, () => {});
  });
}
