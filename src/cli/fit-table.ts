import { formatTable } from './format.js';

/** One column of a table that fits the terminal. */
export interface FitColumn<Row> {
  readonly header: string;
  readonly cell: (row: Row) => string;
  readonly isRightAligned?: boolean;
  /** Columns are dropped lowest first while the table is too wide; without one, never dropped. */
  readonly dropOrder?: number;
  /** A column that may be cut short (with …) down to this width before any column is dropped. */
  readonly minWidth?: number;
}

const SEPARATOR = 2;

function cut(text: string, width: number): string {
  return [...text].length <= width ? text : [...text].slice(0, Math.max(width - 1, 0)).join('') + '…';
}

/**
 * A table no wider than `maxWidth` (Infinity: every column, nothing cut): shrinkable columns are
 * cut first, then columns dropped by their dropOrder, then the room left is given back.
 */
export function formatFittedTable<Row>(columns: readonly FitColumn<Row>[], rows: readonly Row[], maxWidth: number): string {
  const natural = columns.map((column) => Math.max(column.header.length, ...rows.map((row) => [...column.cell(row)].length)));
  const narrowest = columns.map((column, index) => Math.min(natural[index] ?? 0, Math.max(column.minWidth ?? Infinity, column.header.length)));
  let visible = columns.map((_, index) => index);
  const widthOf = (indexes: readonly number[], widths: readonly number[]) =>
    indexes.reduce((sum, index) => sum + (widths[index] ?? 0), 0) + SEPARATOR * (indexes.length - 1);
  for (;;) {
    if (widthOf(visible, narrowest) <= maxWidth) break;
    const droppable = visible.filter((index) => columns[index]?.dropOrder !== undefined);
    if (droppable.length === 0) break;
    const first = droppable.reduce((a, b) => ((columns[a]?.dropOrder ?? 0) <= (columns[b]?.dropOrder ?? 0) ? a : b));
    visible = visible.filter((index) => index !== first);
  }
  // Give the room left to the cut columns, in order.
  const widths = [...narrowest];
  let room = maxWidth - widthOf(visible, widths);
  for (const index of visible) {
    const want = (natural[index] ?? 0) - (widths[index] ?? 0);
    const given = Math.max(Math.min(want, room), 0);
    widths[index] = (widths[index] ?? 0) + given;
    room -= given;
  }
  const shown = visible.map((index) => ({ column: columns[index] as FitColumn<Row>, width: widths[index] ?? 0 }));
  return formatTable(
    shown.map(({ column }) => column.header),
    rows.map((row) => shown.map(({ column, width }) => cut(column.cell(row), width))),
    shown.flatMap(({ column }, position) => (column.isRightAligned ? [position] : [])),
  );
}
