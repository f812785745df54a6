import type { ChalkInstance } from 'chalk';

/**
 * What a terminal would obey instead of show: C0 controls (ESC, BEL, CR, backspace, tab, line feed...), DEL, C1
 * controls (U+0080 to U+009F, 8-bit CSI and OSC among them), the bidirectional controls that reorder the text around
 * them (U+061C, U+200E, U+200F, U+202A to U+202E, U+2066 to U+2069) and the Unicode line and paragraph separators.
 */
const controls = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const controlsButLineFeed = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeOne(char: string): string {
  const known = named[char];
  if (known !== undefined) return known;
  const code = char.charCodeAt(0);
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * The text with every control character shown as a JavaScript-style escape (`\x1b`, `\r`, `\n`, `\t`, `\x9b`,
 * `\u202e`), so that a value read from a file or the database is seen, never obeyed, by the terminal. Line feeds are
 * kept with `keepLineFeeds` (text of several lines); a value on one line (a table cell) escapes them too. Printable
 * characters, backslashes included, are unchanged, so escaping twice gives the same text.
 */
export function escapeControls(text: string, options: { keepLineFeeds?: boolean } = {}): string {
  return text.replace(options.keepLineFeeds ? controlsButLineFeed : controls, escapeOne);
}

/**
 * Text ready for a terminal: its values escaped, its only escape sequences memberctl's own colours. Made by
 * `terminalText`, `joinLines` and `terminalColors`, never from a raw value; `Output` prints it as it is (and escapes
 * any plain string), so a value that reaches the terminal without going through here is still shown escaped.
 */
export class TerminalText {
  constructor(readonly text: string) {}

  toString(): string {
    return this.text;
  }
}

/** Plain strings escaped (line feeds kept), terminal text as it is. */
export function safeText(value: string | TerminalText): string {
  return value instanceof TerminalText ? value.text : escapeControls(value, { keepLineFeeds: true });
}

/** A template whose values are escaped (line feeds kept) unless they are terminal text already: `terminalText\`${file}: ${color.red(x)}\``. */
export function terminalText(strings: TemplateStringsArray, ...values: Array<string | number | TerminalText>): TerminalText {
  let text = strings[0]!;
  values.forEach((value, i) => {
    text += (typeof value === 'number' ? String(value) : safeText(value)) + strings[i + 1]!;
  });
  return new TerminalText(text);
}

/** Lines joined with line feeds, the plain ones escaped. */
export function joinLines(lines: ReadonlyArray<string | TerminalText>): TerminalText {
  return new TerminalText(lines.map(safeText).join('\n'));
}

/** The colours memberctl uses; each escapes a plain string before colouring it. */
export interface TerminalColors {
  red(text: string | TerminalText): TerminalText;
  yellow(text: string | TerminalText): TerminalText;
  green(text: string | TerminalText): TerminalText;
  bold(text: string | TerminalText): TerminalText;
  dim(text: string | TerminalText): TerminalText;
}

export function terminalColors(chalk: ChalkInstance): TerminalColors {
  const style = (paint: (text: string) => string) => (text: string | TerminalText) => new TerminalText(paint(safeText(text)));
  return { red: style(chalk.red), yellow: style(chalk.yellow), green: style(chalk.green), bold: style(chalk.bold), dim: style(chalk.dim) };
}
