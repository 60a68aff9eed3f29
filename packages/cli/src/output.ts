/**
 * How commands print: JSON for `--json` (one document on stdout), aligned tables otherwise.
 * Colours come from picocolors, which honours NO_COLOR, FORCE_COLOR and whether stdout is a terminal.
 */
import pc from 'picocolors';

/** A column of a table: its header, and whether it is numeric (right-aligned). */
export interface Column {
  header: string;
  numeric?: boolean;
}

/** Terminal width of text (ANSI colour codes take none; wide CJK characters take two). */
function width(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ESC of ANSI colour codes
  const plain = text.replace(/\u001b\[[0-9;]*m/g, '');
  let w = 0;
  for (const ch of plain)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

function pad(text: string, to: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return right ? fill + text : text + fill;
}

/** Cuts a cell to `max` columns (an ellipsis marks the cut), keeping tables one line per row. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  if (width(flat) <= max) return flat;
  let out = '';
  for (const ch of flat) {
    if (width(out + ch) > max - 1) break;
    out += ch;
  }
  return `${out}…`;
}

/** An aligned table, header dimmed, two spaces between columns. */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => pad(cell, widths[i] as number, columns[i]?.numeric === true))
      .join('  ')
      .trimEnd();
  return [pc.bold(line(columns.map((c) => c.header))), ...rows.map(line)].join('\n');
}

/** A byte count for people: `812 B`, `1.4 KiB`, `3.2 MiB`; `-` when not kept. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '-';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/** A count with thousands separators. */
export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined ? '-' : n.toLocaleString('en-US');
}

/** Where commands write: stdout for results, stderr for progress and errors. Tests replace neither: they run the binary. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printLine(text = ''): void {
  process.stdout.write(`${text}\n`);
}

export function note(text: string): void {
  process.stderr.write(`${pc.dim(text)}\n`);
}

export { pc };
