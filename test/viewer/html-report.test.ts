import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/core/index.js';
import { buildHtmlReport, escapeHtml, formatNumber, isRelativePath, urlForPath, writeHtmlReport, type ReportInput } from '../../src/viewer/index.js';
import { REPORT_SCRIPT } from '../../src/viewer/assets.js';

function sampleInput(): ReportInput {
  return {
    title: 'Run <1> & "friends"',
    summary: { backbone: 'dino_vits16', 'total seconds': 12.3456789, images: 3 },
    config: { explain: { nSteps: 20, note: '</pre><script>alert(1)</script>' } },
    methods: [
      { name: 'fusion-ncut', meanIoU: 0.61234, meanDice: 0.7, iouCi: [0.5, 0.7], diceCi: [0.6, 0.8], n: 3 },
      { name: 'xai-morph', meanIoU: 0.5, meanDice: 0.66, n: 3 },
    ],
    images: [
      { id: 'benign (1)', files: { overlay: 'img/benign (1)_overlay.png', mask: 'img/benign (1)_mask.png' }, metrics: { iou: 0.5, dice: 2 / 3 }, predictedClass: 'benign', probability: 0.91 },
      { id: 'a<b>&"c\'', files: { overlay: 'img/a<b>&"c\'#?.png' }, metrics: { iou: Number.NaN, dice: 0.25 }, predictedClass: 'malignant', probability: 0.55 },
      { id: 'normal 7', files: {}, metrics: { iou: 0.9 } },
    ],
  };
}

describe('escaping and formatting', () => {
  it('escapes the five HTML specials', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('percent-encodes each path segment but keeps the slashes', () => {
    expect(urlForPath('img/a b#?:.png')).toBe('img/a%20b%23%3F%3A.png');
    expect(urlForPath('javascript:alert(1)')).toBe('javascript%3Aalert(1)');
  });

  it('formats numbers with fixed decimals and missing values as a dash', () => {
    expect([formatNumber(0.61234), formatNumber(1, 2), formatNumber(Number.NaN)]).toEqual(['0.6123', '1.00', '\u2013']);
  });

  it('accepts only relative paths without parent segments', () => {
    expect(['a.png', 'img/a.png', 'a..b.png'].map(isRelativePath)).toEqual([true, true, true]);
    expect(['', '/etc/passwd', '../a.png', 'img/../../a.png', 'img\\a.png'].map(isRelativePath)).toEqual([false, false, false, false, false]);
  });
});

describe('buildHtmlReport', () => {
  const html = buildHtmlReport(sampleInput());

  it('never lets run text become markup', () => {
    expect(html).toContain('<title>Run &lt;1&gt; &amp; &quot;friends&quot;</title>');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;/pre&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<td>a&lt;b&gt;&amp;&quot;c&#39;</td>');
    expect(html).toContain('href="img/a%3Cb%3E%26%22c&#39;%23%3F.png"');
    expect(html.match(/<script>/g)).toHaveLength(1);
  });

  it('is self-contained: no external stylesheet, script or image', () => {
    expect(html).not.toMatch(/<link\b|src="https?:|href="https?:|@import|url\(/);
    expect(html).toContain('<details id="config"><summary>Configuration (JSON)</summary>');
  });

  it('holds the summary and a row per method with intervals when given', () => {
    expect(html).toContain('<th scope="row">backbone</th><td>dino_vits16</td>');
    expect(html).toContain('<th scope="row">total seconds</th><td>12.3457</td>');
    const methods = html.slice(html.indexOf('<table id="methods"'), html.indexOf('</table>', html.indexOf('<table id="methods"')));
    expect(methods.match(/<tr>/g)).toHaveLength(3);
    expect(methods).toContain('<td>fusion-ncut</td><td class="num" data-value="3">3</td><td class="num" data-value="0.61234">0.6123</td><td class="num">[0.500, 0.700]</td>');
    expect(methods).toContain('<td>xai-morph</td>');
  });

  it('holds a row per image, metric columns in first-seen order, blanks for missing values', () => {
    const table = html.slice(html.indexOf('<table id="images"'));
    const rows = table.match(/<tr data-filter="[^"]*">/g)!;
    expect(rows).toEqual(['<tr data-filter="benign (1) benign">', '<tr data-filter="a&lt;b&gt;&amp;&quot;c&#39; malignant">', '<tr data-filter="normal 7 ">']);
    const headers = [...table.slice(0, table.indexOf('</thead>')).matchAll(/<th[^>]*>([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(headers).toEqual(['Image', 'Predicted class', 'Probability', 'iou', 'dice', 'overlay', 'mask']);
    expect(table).toContain('<td class="num" data-value="">\u2013</td>');
    expect(table).toContain('<img src="img/benign%20(1)_overlay.png" alt="overlay of benign (1)"');
    expect(html).toContain('<span id="image-count">3</span>');
  });

  it('carries the sorting and filtering script and sortable headers', () => {
    expect(html).toContain("querySelectorAll('table[data-sortable]')");
    expect(html).toContain("getElementById('image-filter')");
    expect(html).toContain('<table id="images" data-sortable>');
    expect(html).toContain('<th class="num" data-sort="number">iou</th>');
  });

  it('refuses a parent path among the files and a non-numeric metric', () => {
    const input = sampleInput();
    expect(() => buildHtmlReport({ ...input, images: [{ id: 'x', files: { overlay: '../x.png' }, metrics: {} }] })).toThrow(/expected a record of valid values for images\[0\]\.files/);
    expect(() => buildHtmlReport({ ...input, images: [{ id: 'x', files: {}, metrics: { iou: '1' as unknown as number } }] })).toThrow(InvalidArgumentError);
  });
});

describe('writeHtmlReport', () => {
  it('writes index.html atomically (no temporary left behind)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'explainseg-report-'));
    try {
      const path = await writeHtmlReport(dir, sampleInput());
      expect(path).toBe(join(dir, 'index.html'));
      expect(await readFile(path, 'utf8')).toBe(buildHtmlReport(sampleInput()));
      expect(await readdir(dir)).toEqual(['index.html']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/** Just enough DOM for the report script: one sortable table of rows with data-value cells, and the filter. */
function fakeDocument(values: (number | null)[], sortType: 'number' | 'text' = 'number') {
  const listeners: Record<string, () => void> = {};
  const attributes: Record<string, string> = {};
  const header = {
    dataset: { sort: sortType }, tabIndex: -1,
    addEventListener: (type: string, fn: () => void) => { listeners[type] = fn; },
    getAttribute: (name: string) => attributes[name] ?? null,
    setAttribute: (name: string, value: string) => { attributes[name] = value; },
    removeAttribute: (name: string) => { delete attributes[name]; },
  };
  const rows = values.map((value, k) => ({
    id: k, hidden: false, dataset: { filter: `row ${k}` },
    cells: [{ dataset: { value: value === null ? '' : String(value) }, textContent: '' }],
  }));
  const body = { rows: [...rows], appendChild(row: (typeof rows)[number]) { this.rows = [...this.rows.filter((r) => r !== row), row]; } };
  const table = { tBodies: [body], querySelectorAll: () => [header] };
  const filter = { value: '', addEventListener: (type: string, fn: () => void) => { listeners[`filter-${type}`] = fn; } };
  const count = { textContent: '' };
  const document = {
    querySelectorAll: (selector: string) => (selector === '#images tbody tr' ? body.rows : [table]),
    getElementById: (id: string) => (id === 'image-filter' ? filter : id === 'image-count' ? count : null),
  };
  new Function('document', REPORT_SCRIPT)(document);
  return { listeners, attributes, header, body, filter, count, order: () => body.rows.map((r) => r.id) };
}

describe('the report script (run on a fake DOM)', () => {
  it('sorts numbers ascending, then descending, missing values last both times', () => {
    const page = fakeDocument([0.5, null, 0.25, 10, 2]);
    expect(page.header.tabIndex).toBe(0);
    page.listeners.click!();
    expect(page.order()).toEqual([2, 0, 4, 3, 1]);
    expect(page.attributes['aria-sort']).toBe('ascending');
    page.listeners.click!();
    expect(page.order()).toEqual([3, 4, 0, 2, 1]);
    expect(page.attributes['aria-sort']).toBe('descending');
  });

  it('sorts text naturally (image 2 before image 10)', () => {
    const page = fakeDocument([null, null, null], 'text');
    page.body.rows.forEach((row, k) => { row.cells[0]!.dataset.value = ['image 10', 'Image 2', 'image 1'][k]!; });
    page.listeners.click!();
    expect(page.order()).toEqual([2, 1, 0]);
  });

  it('filters rows by text and updates the count', () => {
    const page = fakeDocument([1, 2, 3]);
    page.filter.value = ' ROW 1 ';
    page.listeners['filter-input']!();
    expect(page.body.rows.map((r) => r.hidden)).toEqual([true, false, true]);
    expect(page.count.textContent).toBe('1');
  });
});
