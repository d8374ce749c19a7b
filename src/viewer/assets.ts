/**
 * The report's inline style sheet and script. Inline so the page is one self-contained file that opens
 * from disk or from `explainseg view` alike. The script is static (it reads the table from the DOM), so no
 * run data is ever interpolated into a script context.
 */

export const REPORT_CSS = `
:root { color-scheme: light dark; --line: #8884; --muted: #777; --accent: #2a6fdb; }
body { font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto; max-width: 1400px; padding: 0 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin: 1.5rem 0 0.5rem; }
h2 { font-size: 1.2rem; margin: 2rem 0 0.6rem; border-bottom: 1px solid var(--line); padding-bottom: 0.2rem; }
table { border-collapse: collapse; }
th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid var(--line); text-align: left; vertical-align: middle; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
th[data-sort] { cursor: pointer; user-select: none; white-space: nowrap; }
th[data-sort]::after { content: ' \\2195'; color: var(--muted); }
th[aria-sort='ascending']::after { content: ' \\2191'; color: var(--accent); }
th[aria-sort='descending']::after { content: ' \\2193'; color: var(--accent); }
table.summary th { font-weight: 600; }
details pre { max-height: 30rem; overflow: auto; padding: 0.6rem; border: 1px solid var(--line); font-size: 12px; }
td.thumb img { display: block; width: 112px; height: auto; image-rendering: pixelated; border: 1px solid var(--line); }
.filter { display: block; margin: 0 0 0.6rem; }
.filter input { font: inherit; padding: 0.2rem 0.4rem; min-width: 18rem; }
.muted { color: var(--muted); }
`;

/**
 * Click (or Enter on) a header with data-sort="number"|"text" to sort its table; click again to reverse.
 * Numbers come from the cell's data-value; an empty value (a missing metric) stays last either way.
 * Typing in #image-filter keeps the #images rows whose data-filter contains the text.
 */
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  function sortKey(row, column, numeric) {
    var cell = row.cells[column];
    var raw = cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent.trim();
    if (!numeric) return raw;
    return raw === '' ? NaN : Number(raw);
  }
  function compare(a, b, numeric, direction) {
    var aMissing = numeric ? isNaN(a) : a === '';
    var bMissing = numeric ? isNaN(b) : b === '';
    if (aMissing || bMissing) return aMissing === bMissing ? 0 : aMissing ? 1 : -1;
    var order = numeric ? a - b : String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' });
    return order * direction;
  }
  function sortTable(table, header, column) {
    var ascending = header.getAttribute('aria-sort') !== 'ascending';
    table.querySelectorAll('thead th').forEach(function (th) { th.removeAttribute('aria-sort'); });
    header.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var numeric = header.dataset.sort === 'number';
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (x, y) {
      return compare(sortKey(x, column, numeric), sortKey(y, column, numeric), numeric, ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
  document.querySelectorAll('table[data-sortable]').forEach(function (table) {
    table.querySelectorAll('thead th').forEach(function (header, column) {
      if (!header.dataset.sort) return;
      header.tabIndex = 0;
      header.addEventListener('click', function () { sortTable(table, header, column); });
      header.addEventListener('keydown', function (event) {
        if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); sortTable(table, header, column); }
      });
    });
  });
  var filter = document.getElementById('image-filter');
  if (!filter) return;
  filter.addEventListener('input', function () {
    var query = filter.value.trim().toLowerCase();
    var shown = 0;
    document.querySelectorAll('#images tbody tr').forEach(function (row) {
      var match = row.dataset.filter.indexOf(query) !== -1;
      row.hidden = !match;
      if (match) shown += 1;
    });
    var count = document.getElementById('image-count');
    if (count) count.textContent = String(shown);
  });
})();
`;
