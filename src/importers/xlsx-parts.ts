/**
 * Streaming readers of the parts of an xlsx workbook that hold cells: the shared strings, the styles (for number
 * formats) and a worksheet. The XML is parsed with saxes as it is inflated and decoded, so a worksheet of any size
 * is read in bounded memory; only the shared strings are kept, as Excel itself does.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';

/** The name of an element without its namespace prefix (`x:row` is `row`). */
const localName = (name: string) => {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
};

function parser(): SaxesParser {
  return new SaxesParser({ position: false });
}

/**
 * Decodes Excel's `_xHHHH_` escapes, which it writes for characters XML cannot hold (`_x000D_` is a carriage
 * return) and for an underscore that would otherwise start one (`_x005F_x000D_` is the text `_x000D_`).
 */
export function decodeExcelEscapes(text: string): string {
  if (!text.includes('_x')) return text;
  return text.replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** Reads text runs (`<t>`), leaving out phonetic guides (`<rPh>`), which Excel does not show in the cell. */
class RunText {
  private depthInPhonetic = 0;
  private capturing = false;
  text = '';

  open(name: string): void {
    if (name === 'rPh') this.depthInPhonetic += 1;
    else if (name === 't' && this.depthInPhonetic === 0) this.capturing = true;
  }

  close(name: string): void {
    if (name === 'rPh') this.depthInPhonetic -= 1;
    else if (name === 't') this.capturing = false;
  }

  add(text: string): void {
    if (this.capturing) this.text += text;
  }

  take(): string {
    const text = decodeExcelEscapes(this.text);
    this.text = '';
    return text;
  }
}

/** The shared strings (`xl/sharedStrings.xml`) in order: plain (`<si><t>`) and rich text (`<si><r><t>`) alike. */
export async function readSharedStrings(text: AsyncIterable<string>): Promise<string[]> {
  const strings: string[] = [];
  const runs = new RunText();
  const xml = parser();
  xml.on('opentag', (tag) => runs.open(localName(tag.name)));
  xml.on('closetag', (tag) => {
    const name = localName(tag.name);
    runs.close(name);
    if (name === 'si') strings.push(runs.take());
  });
  xml.on('text', (chunk) => runs.add(chunk));
  xml.on('cdata', (chunk) => runs.add(chunk));
  for await (const chunk of text) xml.write(chunk);
  xml.close();
  return strings;
}

// Excel's built-in number formats that change how a number reads (percent, dates and times); the others show the
// number. Ids 27-36 and 50-58 are dates whose exact shape depends on the East Asian locale.
const builtInFormats = new Map<number, string>([
  [9, '0%'],
  [10, '0.00%'],
  [14, 'mm-dd-yy'],
  [15, 'd-mmm-yy'],
  [16, 'd-mmm'],
  [17, 'mmm-yy'],
  [18, 'h:mm AM/PM'],
  [19, 'h:mm:ss AM/PM'],
  [20, 'h:mm'],
  [21, 'h:mm:ss'],
  [22, 'm/d/yy h:mm'],
  [45, 'mm:ss'],
  [46, '[h]:mm:ss'],
  [47, 'mmss.0'],
]);
for (const id of [27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 50, 51, 52, 53, 54, 55, 56, 57, 58]) builtInFormats.set(id, 'yyyy-mm-dd');

/** The number format of each cell style (`<cellXfs>` of `xl/styles.xml`), by the style index cells give in `s`. */
export function readCellFormats(stylesXml: string): Array<string | undefined> {
  const custom = new Map<number, string>();
  const styleFormats: number[] = [];
  let inCellStyles = false;
  const xml = parser();
  xml.on('opentag', (tag) => {
    const name = localName(tag.name);
    const attributes = (tag as SaxesTagPlain).attributes;
    if (name === 'numFmt' && attributes.numFmtId !== undefined) custom.set(Number(attributes.numFmtId), attributes.formatCode ?? '');
    else if (name === 'cellXfs') inCellStyles = true;
    else if (name === 'xf' && inCellStyles) styleFormats.push(Number(attributes.numFmtId ?? 0));
  });
  xml.on('closetag', (tag) => {
    if (localName(tag.name) === 'cellXfs') inCellStyles = false;
  });
  xml.write(stylesXml).close();
  return styleFormats.map((id) => custom.get(id) ?? builtInFormats.get(id));
}

/** One cell as the worksheet stores it, before it is read as a value. */
export interface StoredCell {
  /** The `t` attribute: s (shared string), inlineStr, str (a formula's text), b, e, n (the default), d (ISO date). */
  type: string;
  /** The cell's style index (`s`), which gives its number format. */
  style: number;
  /** The text of `<v>`, or undefined when the cell has none. */
  value: string | undefined;
  /** The text of an inline string (`<is>`), escapes decoded; undefined when the cell has none. */
  inline: string | undefined;
  /** The formula (`<f>`), a shared one's followers taking the text of the first; undefined when there is none. */
  formula: string | undefined;
}

/** Column number of a cell reference: `A1` is 1, `AB7` is 28; 0 when it has no letters. */
function columnOf(reference: string): number {
  let column = 0;
  for (let i = 0; i < reference.length; i += 1) {
    const code = reference.charCodeAt(i) | 0x20;
    if (code < 0x61 || code > 0x7a) break;
    column = column * 26 + (code - 0x60);
  }
  return column;
}

/**
 * The rows of a worksheet as they are parsed, each with its row number and its cells by column number (1-based),
 * read by `read` into the caller's cell type. Rows and cells without a reference follow the one before.
 */
export async function* readSheetRows<C>(
  text: AsyncIterable<string>,
  read: (cell: StoredCell) => C,
): AsyncGenerator<{ row: number; cells: Array<{ column: number; cell: C }> }> {
  const ready: Array<{ row: number; cells: Array<{ column: number; cell: C }> }> = [];
  const sharedFormulas = new Map<string, string>();
  let row = 0;
  let cells: Array<{ column: number; cell: C }> = [];
  let column = 0;
  let cell: StoredCell | null = null;
  let sharedIndex: string | undefined;
  let inInline = false;
  const runs = new RunText();
  // the text of the `<v>` or `<f>` element being read, null outside them
  let captured: string | null = null;

  const xml = parser();
  xml.on('opentag', (tag) => {
    const name = localName(tag.name);
    const attributes = (tag as SaxesTagPlain).attributes;
    switch (name) {
      case 'row':
        row = attributes.r === undefined ? row + 1 : Number(attributes.r);
        cells = [];
        column = 0;
        break;
      case 'c':
        column = (attributes.r === undefined ? 0 : columnOf(attributes.r)) || column + 1;
        cell = { type: attributes.t ?? 'n', style: Number(attributes.s ?? 0), value: undefined, inline: undefined, formula: undefined };
        break;
      case 'v':
        captured = '';
        break;
      case 'f':
        captured = '';
        sharedIndex = attributes.t === 'shared' ? attributes.si : undefined;
        break;
      case 'is':
        inInline = true;
        break;
      default:
        if (inInline) runs.open(name);
    }
  });
  xml.on('closetag', (tag) => {
    const name = localName(tag.name);
    switch (name) {
      case 'v':
        if (cell) cell.value = captured ?? '';
        captured = null;
        break;
      case 'f': {
        let formula = captured ?? '';
        captured = null;
        if (sharedIndex !== undefined) {
          if (formula === '') formula = sharedFormulas.get(sharedIndex) ?? '';
          else sharedFormulas.set(sharedIndex, formula);
        }
        if (cell) cell.formula = formula;
        break;
      }
      case 'is':
        inInline = false;
        if (cell) cell.inline = runs.take();
        break;
      case 'c':
        if (cell) cells.push({ column, cell: read(cell) });
        cell = null;
        break;
      case 'row':
        ready.push({ row, cells });
        cells = [];
        break;
      default:
        if (inInline) runs.close(name);
    }
  });
  const onText = (chunk: string) => {
    if (captured !== null) captured += chunk;
    else if (inInline) runs.add(chunk);
  };
  xml.on('text', onText);
  xml.on('cdata', onText);

  for await (const chunk of text) {
    xml.write(chunk);
    if (ready.length > 0) yield* ready.splice(0);
  }
  xml.close();
  yield* ready.splice(0);
}
