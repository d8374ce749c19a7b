/**
 * A small RFC 4180 CSV reader: comma-separated, double-quoted fields may hold commas, quotes ("") and
 * newlines; CRLF or LF line ends; blank lines are skipped. Enough for dataset label files.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endRow = (): void => {
    row.push(field);
    if (row.length > 1 || row[0]!.trim() !== '') rows.push(row);
    row = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n') endRow();
    else if (char !== '\r') field += char;
  }
  if (field !== '' || row.length > 0) endRow();
  return rows.map((cells) => cells.map((cell) => cell.trim()));
}

/** Rows of a CSV with a header line, as objects keyed by column name. */
export function parseCsvWithHeader(text: string): { columns: string[]; records: Record<string, string>[] } {
  const [header = [], ...body] = parseCsv(text);
  const records = body.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
  return { columns: header, records };
}
