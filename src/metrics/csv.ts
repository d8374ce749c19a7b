/**
 * Rows of records as CSV (RFC 4180): the header is the keys of the first row, fields holding a comma,
 * quote or line break are quoted, non-finite numbers (a skipped score) become empty cells.
 * @example toCsv([{ id: 'a.png', iou: 0.5 }]) // 'id,iou\na.png,0.5\n'
 */
export function toCsv<Row extends object>(rows: readonly Row[]): string {
  if (rows.length === 0) return '';
  const columns = Object.keys(rows[0]!);
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((key) => csvField((row as Record<string, unknown>)[key])).join(','));
  return `${lines.join('\n')}\n`;
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' && !Number.isFinite(value)) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
