import { Chalk } from 'chalk';
import { drained } from './writers/drained.js';
import { jsonDocumentPieces } from './writers/json-document.js';
import { escapeControls, safeText, type TerminalColors, type TerminalText, terminalColors } from './terminal-text.js';

export interface OutputOptions {
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  /** false with --no-color; otherwise decided from the terminal and NO_COLOR / FORCE_COLOR */
  color: boolean;
}

/** Whether stderr may carry ANSI colour: --no-color and NO_COLOR win, then FORCE_COLOR, then a TTY. */
export function colorEnabled(wanted: boolean, stream: NodeJS.WriteStream = process.stderr): boolean {
  if (!wanted) return false;
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  const force = process.env.FORCE_COLOR;
  if (force !== undefined) return force !== '0' && force !== 'false';
  return Boolean(stream.isTTY);
}

export interface Column<T> {
  header: string;
  value: (row: T) => string | number | null | undefined;
  align?: 'left' | 'right';
}

/**
 * All output goes through here: results on stdout (one JSON document with --json), everything a person reads
 * while it runs (progress, warnings, summaries under --json) on stderr. Human text shows control characters as
 * escapes (see `escapeControls`) unless it is `TerminalText`; JSON keeps every value exact.
 */
export class Output {
  readonly options: OutputOptions;
  readonly color: TerminalColors;
  private readonly stdout: NodeJS.WritableStream;
  private readonly stderr: NodeJS.WriteStream;
  private wrote = false;

  constructor(
    options: OutputOptions,
    streams: { stdout?: NodeJS.WritableStream; stderr?: NodeJS.WriteStream } = {},
  ) {
    this.options = options;
    this.stdout = streams.stdout ?? process.stdout;
    this.stderr = streams.stderr ?? process.stderr;
    this.color = terminalColors(new Chalk({ level: colorEnabled(options.color, this.stderr) ? 1 : 0 }));
  }

  get json(): boolean {
    return this.options.json;
  }

  /** Whether the command's result has been written (under --json: its one JSON document, whole or begun). */
  get wroteResult(): boolean {
    return this.wrote;
  }

  /** The command's result: JSON with --json, else the human text. */
  result(data: unknown, human: () => string | TerminalText | null): void {
    this.wrote = true;
    if (this.options.json) {
      this.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      return;
    }
    const text = human();
    const shown = text === null ? '' : safeText(text);
    if (shown !== '') this.stdout.write(shown.endsWith('\n') ? shown : `${shown}\n`);
  }

  /**
   * `result` for a document with a list that may be too long to hold as one string: under --json, `items` are
   * written in place of `data[key]` a piece at a time, each after the last one has drained (`itemText` writes an
   * item as `listItemJson` would, more quickly).
   */
  async resultWithList<T>(
    data: Record<string, unknown>,
    key: string,
    items: Iterable<T>,
    human: () => string | TerminalText | null,
    itemText?: (item: T) => string,
  ): Promise<void> {
    if (!this.options.json) {
      this.result(data, human);
      return;
    }
    this.wrote = true;
    for (const piece of jsonDocumentPieces(data, key, items, itemText)) {
      if (!this.stdout.write(piece)) await drained(this.stdout);
    }
  }

  /** Human text for stdout that has no JSON counterpart (ignored under --json). */
  print(text: string | TerminalText): void {
    if (this.options.json) return;
    const shown = safeText(text);
    this.stdout.write(shown.endsWith('\n') ? shown : `${shown}\n`);
  }

  /** Informational line on stderr (silenced by --quiet). */
  info(text: string | TerminalText): void {
    if (this.options.quiet) return;
    this.stderr.write(`${safeText(text)}\n`);
  }

  /** Extra detail on stderr with --verbose only. */
  debug(text: string | TerminalText): void {
    if (!this.options.verbose) return;
    this.stderr.write(`${this.color.dim(text).text}\n`);
  }

  warn(text: string | TerminalText): void {
    this.stderr.write(`${this.color.yellow('warning:').text} ${safeText(text)}\n`);
  }

  error(text: string | TerminalText): void {
    this.stderr.write(`${this.color.red('error:').text} ${safeText(text)}\n`);
  }

  get stderrStream(): NodeJS.WriteStream {
    return this.stderr;
  }
}

/** A table cell: on one line, its control characters (line feeds too) shown as escapes. */
export const tableCell = (value: string | number | null | undefined): string => escapeControls(String(value ?? ''));

/** A plain-text table, columns padded to their widest cell. */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => tableCell(c.value(row))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}
