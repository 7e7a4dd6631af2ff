/** Human output helpers: aligned tables, key/value blocks, times. */

/** Columns separated by two spaces; the columns listed in `rightAligned` (numbers) are padded on the left. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const pad = (cell: string, column: number, isLast: boolean) => {
    if (rightAligned.includes(column)) return cell.padStart(widths[column] ?? 0);
    return isLast ? cell : cell.padEnd(widths[column] ?? 0);
  };
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => pad(cell, column, column === cells.length - 1))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

export function formatDetails(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(...pairs.map(([label]) => label.length)) + 1;
  return pairs.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}`).join('\n') + '\n';
}

/** `2026-11-27 16:30 UTC`; `-` for none. */
export function formatTime(iso: string | null): string {
  if (iso === null) return '-';
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
