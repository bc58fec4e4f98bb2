/**
 * Plain-text tables in the style of maghemite's admin CLIs (tabwriter with
 * minimum width 2 and padding 2, left aligned, last column unpadded;
 * ddm-bfd-maghemite.md §1.5), and the `--json` alternative for scripts.
 * ANSI escape sequences do not count toward a column's width.
 */

/** One column: its header and how to render a row's cell. */
export interface Column<R> {
  readonly header: string;
  readonly cell: (row: R) => string;
}

const MIN_WIDTH = 2;
const PADDING = 2;
// CSI sequences (colours, bold): ESC [ params final-byte.
// Built from a string so the regex literal carries no control character.
const ANSI = new RegExp(`${String.fromCharCode(0x1b)}\\[[0-9;]*[A-Za-z]`, "g");

/** The printed width of a cell. */
export function displayWidth(s: string): number {
  return [...s.replace(ANSI, "")].length;
}

/** Render `rows` under a header row; every line ends in `\n`. Trailing spaces are never emitted. */
export function renderTable<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  const grid = [
    columns.map((c) => c.header),
    ...rows.map((r) => columns.map((c) => c.cell(r).replace(/[\t\n]/g, " "))),
  ];
  const widths = columns.map((_, i) =>
    Math.max(MIN_WIDTH, ...grid.map((line) => displayWidth(line[i] ?? ""))),
  );
  return grid
    .map((line) =>
      line
        .map((cell, i) =>
          i === line.length - 1 ? cell : cell + " ".repeat((widths[i] ?? 0) - displayWidth(cell) + PADDING),
        )
        .join("")
        .trimEnd(),
    )
    .map((l) => `${l}\n`)
    .join("");
}

/** JSON for `--json`: pretty-printed, newline-terminated, stable for scripts. */
export function renderJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
