/**
 * The PDF of an invoice or a credit note, drawn with PDFKit from the invoice document (core/documents), the same
 * object the e-invoices are written from. A4, in the document's language, DejaVu Sans embedded (subset). Every
 * text is measured before it is placed: long texts wrap, never clip, and the lines table flows onto further pages
 * with its header repeated.
 *
 * `drawInvoice` draws onto a PDFKit document it is given, so that the Factur-X writer can open one as PDF/A-3b,
 * draw the invoice, then attach the CII XML and its XMP metadata before ending it; `renderInvoicePdf` does the
 * whole for a plain PDF.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import * as fontkit from 'fontkit';
import PDFDocument from 'pdfkit';
import { type InvoiceDocument, isBusinessBuyer, type VatSubtotal } from '../../core/documents/invoice-document.js';
import { type Formatter, formatter, groupIban, groupSiren } from './format.js';
import { type PdfStrings, pdfStrings } from './strings.js';

/**
 * The fonts, parsed once and shared by every document: parsing a font's tables is most of the cost of a small PDF,
 * so a batch loads them once (each document still embeds its own subset).
 */
export interface PdfFonts {
  regular: fontkit.Font;
  bold: fontkit.Font;
  /** each font's shaped words, shared by the documents drawn with it (see `shareLayouts`) */
  layouts: { regular: Record<string, unknown>; bold: Record<string, unknown> };
  /** each font's embedded subsets by their list of glyphs, shared by the documents drawn with it (see `shareSubsets`) */
  subsets: { regular: Map<string, Uint8Array>; bold: Map<string, Uint8Array> };
  /** each font's glyphs of `subsetBase`, looked up once */
  base: { regular?: BaseGlyph[]; bold?: BaseGlyph[] };
}

interface BaseGlyph {
  id: number;
  advanceWidth: number;
  codePoints: number[];
}

/** DejaVu Sans (dejavu-fonts-ttf, Bitstream Vera licence): full Latin coverage, €, ¥ and the narrow no-break space. */
export function loadPdfFonts(): PdfFonts {
  const require = createRequire(import.meta.url);
  const open = (name: string) => {
    const font = fontkit.create(fs.readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${name}`)));
    if (!('layout' in font)) throw new Error(`${name} is a font collection, not a font`);
    return font;
  };
  return {
    regular: open('DejaVuSans.ttf'),
    bold: open('DejaVuSans-Bold.ttf'),
    layouts: { regular: Object.create(null), bold: Object.create(null) },
    subsets: { regular: new Map(), bold: new Map() },
    base: {},
  };
}

/** Past this many words a shared layout cache starts again, so that a batch of any size keeps bounded memory. */
const maxSharedLayouts = 4000;

/**
 * PDFKit shapes each word with fontkit (kerning, ligatures) and caches the result in the font of one document
 * only; shaping is then most of the cost of an invoice. The result depends on the font and the word alone (its
 * positions are in font units, never changed afterwards: EmbeddedFont.layout and _fragment only read them), so the
 * documents of a batch share one cache per font. This reaches into PDFKit's EmbeddedFont (`layoutCache`, present
 * since 0.13); without it, each document keeps its own cache, as PDFKit does by default.
 */
function shareLayouts(pdf: PDFKit.PDFDocument, name: 'regular' | 'bold', fonts: PdfFonts): void {
  const embedded = (pdf as unknown as { _font?: { layoutCache?: Record<string, unknown> } })._font;
  if (embedded === undefined || typeof embedded.layoutCache !== 'object') return;
  let shared = fonts.layouts[name];
  if (Object.keys(shared).length > maxSharedLayouts) {
    shared = Object.create(null) as Record<string, unknown>;
    fonts.layouts[name] = shared;
  }
  embedded.layoutCache = shared;
}

/**
 * The characters every document's subset holds, whether it uses them or not: the printable ASCII, the letters of
 * French, the typographic marks and the currency signs the documents print. Nearly every invoice then embeds the
 * same subset, encoded once per font (`shareSubsets`); a document with other characters (Lefèvre has none, Nguyễn
 * has) adds them after these and gets its own. About 8 KB more per font in each file.
 */
const subsetBase = (() => {
  let ascii = '';
  for (let code = 0x20; code <= 0x7e; code += 1) ascii += String.fromCharCode(code);
  const french = 'àâäçéèêëîïôöùûüÿæœÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ';
  return `${ascii}${french}\u00a0\u202f«»‘’“”–—…·°§€£¥`;
})();

/** Past this many subsets per font a shared cache starts again (each is tens of kilobytes). */
const maxSharedSubsets = 32;

interface SubsetInternals {
  subset?: { glyphs: number[]; includeGlyph(glyph: number): number; encode(): Uint8Array };
  widths?: Array<number | undefined>;
  unicode?: Array<number[] | undefined>;
  scale?: number;
}

/**
 * Encoding a font's subset (fontkit decodes and re-encodes each glyph and the hinting tables) was the largest cost
 * of an invoice. Every document's subset starts with the glyphs of `subsetBase`, in one order, so that most
 * documents have the same list of glyphs; the bytes fontkit encodes depend on that list and the font alone, so the
 * documents drawn with `fonts` share them. The widths and Unicode values of the base glyphs are recorded as PDFKit
 * records those of the glyphs it draws (EmbeddedFont.encode): the font's /W and /ToUnicode describe the whole
 * subset. This reaches into PDFKit's EmbeddedFont (`subset`, `widths`, `unicode`, present since 0.13); without
 * them the document embeds its own subset, as PDFKit does by default.
 */
function shareSubsets(pdf: PDFKit.PDFDocument, name: 'regular' | 'bold', fonts: PdfFonts): void {
  const embedded = (pdf as unknown as { _font?: SubsetInternals })._font;
  const subset = embedded?.subset;
  if (embedded === undefined || subset === undefined || !Array.isArray(embedded.widths) || !Array.isArray(embedded.unicode) || typeof embedded.scale !== 'number') return;
  fonts.base[name] ??= fonts[name].glyphsForString(subsetBase).map((glyph) => ({ id: glyph.id, advanceWidth: glyph.advanceWidth, codePoints: glyph.codePoints }));
  for (const glyph of fonts.base[name]) {
    const id = subset.includeGlyph(glyph.id);
    embedded.widths[id] ??= glyph.advanceWidth * embedded.scale;
    embedded.unicode[id] ??= glyph.codePoints;
  }
  // a compressed document gets the font program compressed once too, as PDFKit would have compressed it
  const deflated = (pdf as unknown as { compress?: unknown }).compress === true && preDeflated(pdf, embedded);
  const encode = subset.encode.bind(subset);
  subset.encode = () => {
    const key = `${deflated ? 'deflated' : 'plain'}:${subset.glyphs.join(',')}`;
    let shared = fonts.subsets[name];
    const known = shared.get(key);
    if (known !== undefined) return known;
    if (shared.size >= maxSharedSubsets) {
      shared = new Map();
      fonts.subsets[name] = shared;
    }
    const bytes = deflated ? zlib.deflateSync(encode()) : encode();
    shared.set(key, bytes);
    return bytes;
  };
}

/**
 * Makes the font file that `EmbeddedFont.embed` creates (its first object, `document.ref()`) one whose bytes come
 * compressed: a stream that has a /Filter when it is created is written as given (PDFReference). False, and
 * nothing changed, when PDFKit's EmbeddedFont has no `embed`.
 */
function preDeflated(pdf: PDFKit.PDFDocument, embedded: SubsetInternals): boolean {
  const font = embedded as SubsetInternals & { embed?: () => unknown };
  const doc = pdf as unknown as { ref?: (data?: Record<string, unknown>) => unknown };
  if (typeof font.embed !== 'function' || typeof doc.ref !== 'function') return false;
  const embed = font.embed.bind(font);
  font.embed = () => {
    const ref = doc.ref!;
    let first = true;
    doc.ref = (data = {}) => {
      const fontFile = first;
      first = false;
      return ref.call(pdf, fontFile ? { ...data, Filter: 'FlateDecode' } : data);
    };
    try {
      return embed();
    } finally {
      // PDFKit's own ref(), from its prototype, again
      delete doc.ref;
    }
  };
  return true;
}

// PDFKit takes a parsed fontkit font wherever it takes a font file (its types list only files and buffers)
const source = (font: fontkit.Font) => font as unknown as PDFKit.Mixins.PDFFontSource;

export interface InvoicePdfOptions {
  /** the fonts, loaded once for many documents (`loadPdfFonts`); read from node_modules when not given */
  fonts?: PdfFonts;
  /** PDFKit's options for the document, merged over A4: `pdfVersion`, `subset: 'PDF/A-3b'`, `info`, ... */
  pdf?: PDFKit.PDFDocumentOptions;
  /** called after the invoice is drawn and before the document ends: attachments, metadata */
  beforeEnd?: (pdf: PDFKit.PDFDocument) => void;
}

/** The whole PDF in memory (an invoice is tens of kilobytes). */
export function renderInvoicePdf(document: InvoiceDocument, options: InvoicePdfOptions = {}): Promise<Buffer> {
  const pdf = createInvoicePdfDocument(document, options.fonts ?? loadPdfFonts(), options.pdf);
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(Buffer.concat(chunks)));
    pdf.on('error', reject);
    try {
      drawInvoice(pdf, document);
      options.beforeEnd?.(pdf);
      pdf.end();
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * A PDFKit document ready for `drawInvoice`: A4, pages kept until the end (for "page 1/3"), titled, in the
 * language, with the fonts registered. `options` go to PDFKit (`subset: 'PDF/A-3b'` for Factur-X).
 */
export function createInvoicePdfDocument(document: InvoiceDocument, fonts: PdfFonts, options: PDFKit.PDFDocumentOptions = {}): PDFKit.PDFDocument {
  const t = pdfStrings[document.language];
  const pdf = new PDFDocument({
    size: 'A4',
    margins: { top: margin, bottom: margin, left: margin, right: margin },
    bufferPages: true,
    autoFirstPage: false,
    lang: document.language === 'fr' ? 'fr-FR' : 'en-US',
    displayTitle: true,
    ...options,
    info: {
      Title: `${document.kind === 'invoice' ? t.invoice : t.creditNote} ${document.number}`,
      Author: document.seller.name,
      Creator: 'memberctl',
      ...options.info,
    },
    // no default font: PDFKit would parse Helvetica for each document, or compare ours with itself (a JSON of its
    // name table) when registered again; every text here sets its font first
    font: null as unknown as string,
  });
  pdf.registerFont('regular', source(fonts.regular));
  pdf.registerFont('bold', source(fonts.bold));
  for (const name of ['bold', 'regular'] as const) {
    pdf.font(name);
    shareLayouts(pdf, name, fonts);
    shareSubsets(pdf, name, fonts);
  }
  return pdf;
}

const margin = 48;
const pageWidth = 595.28;
const pageHeight = 841.89;
const contentWidth = pageWidth - 2 * margin;
/** the footer ends this far above the page's bottom edge */
const footerBase = 28;

const colors = { text: '#1d2433', muted: '#5b6475', accent: '#1f4e79', rule: '#d5dae1', band: '#eef2f7' };
const size = { body: 9, small: 7.5, title: 20, name: 11 };

/** The lines table: description takes what the figures leave. */
const columns = (() => {
  const quantity = 34;
  const unitPrice = 80;
  const vat = 66;
  const net = 86;
  const gap = 8;
  const description = contentWidth - quantity - unitPrice - vat - net - 4 * gap;
  let x = margin;
  const at = (width: number) => {
    const column = { x, width };
    x += width + gap;
    return column;
  };
  return { description: at(description), quantity: at(quantity), unitPrice: at(unitPrice), vat: at(vat), net: at(net) };
})();

interface Context {
  pdf: PDFKit.PDFDocument;
  doc: InvoiceDocument;
  t: PdfStrings;
  f: Formatter;
  y: number;
  /** where content stops, above the footer */
  bottom: number;
  footer: string;
}

/** Draws the whole document onto `pdf` (from `createInvoicePdfDocument`), from its first page; the caller ends it. */
export function drawInvoice(pdf: PDFKit.PDFDocument, doc: InvoiceDocument): void {
  const t = pdfStrings[doc.language];
  const ctx: Context = { pdf, doc, t, f: formatter(doc.currency, doc.language), y: margin, bottom: 0, footer: footerText(doc) };
  pdf.addPage();
  // the footer, however long the organisation's text, keeps its room on every page
  font(ctx, 'regular', size.small);
  ctx.bottom = footerTop(ctx) - 12;
  drawHeader(ctx);
  drawLines(ctx);
  drawTotals(ctx);
  drawPayment(ctx);
  drawMentions(ctx);
  drawFooters(ctx);
}

function font(ctx: Context, name: 'regular' | 'bold', points: number, color = colors.text): PDFKit.PDFDocument {
  return ctx.pdf.font(name).fontSize(points).fillColor(color);
}

/**
 * Writes a text in a box of `width` at (x, y), wrapping; returns its height: where PDFKit left its position, the
 * same figure as `heightOfString` without wrapping the text a second time (every text is placed where it fits, so
 * none runs onto another page).
 */
function text(ctx: Context, value: string, x: number, y: number, width: number, options: PDFKit.Mixins.TextOptions = {}): number {
  ctx.pdf.text(value, x, y, { width, lineGap: 1, ...options });
  return ctx.pdf.y - y;
}

function height(ctx: Context, value: string, width: number): number {
  return ctx.pdf.heightOfString(value, { width, lineGap: 1 });
}

/** A credit note's reason takes at most this many lines of the title block (the e-invoices carry it whole). */
const maxReasonLines = 6;

/**
 * `value` as it fits in `lines` lines of `width` in the current font: whole when it does, else cut at a word (or,
 * for a word longer than that, anywhere) and ended with "…", so that a long text cannot push the page's blocks
 * off it.
 */
function clipped(ctx: Context, value: string, width: number, lines: number): string {
  const limit = height(ctx, Array(lines).fill('X').join('\n'), width) + 0.5;
  if (height(ctx, value, width) <= limit) return value;
  let low = 0;
  let high = value.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (height(ctx, `${value.slice(0, mid).trimEnd()}…`, width) <= limit) low = mid;
    else high = mid - 1;
  }
  const cut = value.slice(0, low);
  const atWord = cut.lastIndexOf(' ');
  return `${(atWord > cut.length / 2 ? cut.slice(0, atWord) : cut).trimEnd()}…`;
}

function newPage(ctx: Context): void {
  ctx.pdf.addPage();
  const title = `${ctx.doc.kind === 'invoice' ? ctx.t.invoice : ctx.t.creditNote} ${ctx.doc.number} (${ctx.t.continued})`;
  font(ctx, 'bold', size.body, colors.muted);
  const h = text(ctx, ctx.doc.seller.name, margin, margin, contentWidth / 2 - 8);
  font(ctx, 'bold', size.body, colors.muted);
  const h2 = text(ctx, title, margin + contentWidth / 2, margin, contentWidth / 2, { align: 'right' });
  ctx.y = margin + Math.max(h, h2) + 14;
}

/** Starts a new page when `needed` points do not fit under the current position. */
function ensure(ctx: Context, needed: number): boolean {
  if (ctx.y + needed <= ctx.bottom) return false;
  newPage(ctx);
  return true;
}

/** The logo, the title with the number and dates, the issuer on the left and the buyer on the right. */
function drawHeader(ctx: Context): void {
  const { pdf, doc, t, f } = ctx;
  let logoHeight = 0;
  const logo = doc.seller.logo;
  if (logo) {
    const maxHeight = 56;
    // PDFKit has openImage, its types do not: it gives the size to lay out before drawing
    const opener = pdf as PDFKit.PDFDocument & { openImage(src: Buffer): { width: number; height: number } };
    const image = opener.openImage(Buffer.from(logo.bytes.buffer, logo.bytes.byteOffset, logo.bytes.byteLength));
    const scale = Math.min(160 / image.width, maxHeight / image.height, 1);
    pdf.image(image as unknown as PDFKit.Mixins.ImageSrc, margin, margin, { width: image.width * scale, height: image.height * scale });
    logoHeight = image.height * scale + 12;
  }

  // the title block, on the right
  const right = margin + contentWidth / 2;
  const rightWidth = contentWidth / 2;
  let y = margin;
  font(ctx, 'bold', size.title, colors.accent);
  y += text(ctx, doc.kind === 'invoice' ? t.invoice : t.creditNote, right, y, rightWidth, { align: 'right' });
  font(ctx, 'bold', size.name);
  y += text(ctx, `${t.number} ${doc.number}`, right, y, rightWidth, { align: 'right' }) + 6;
  const facts: [string, string][] = [[t.issueDate, f.date(doc.issueDate)]];
  if (doc.dueDate !== null && doc.kind === 'invoice') facts.push([t.dueDate, f.date(doc.dueDate)]);
  for (const [label, value] of facts) {
    font(ctx, 'bold', size.body);
    const valueWidth = pdf.widthOfString(value) + 1;
    text(ctx, value, right + rightWidth - valueWidth, y, valueWidth);
    font(ctx, 'regular', size.body, colors.muted);
    y += text(ctx, label, right, y, rightWidth - valueWidth - 8, { align: 'right' }) + 2;
  }
  if (doc.kind === 'credit_note') {
    font(ctx, 'bold', size.body, colors.accent);
    y += text(ctx, t.corrects(doc.corrects.number, f.date(doc.corrects.issueDate)), right, y + 2, rightWidth, { align: 'right' }) + 2;
    if (doc.reason) {
      font(ctx, 'regular', size.body);
      y += text(ctx, clipped(ctx, t.reason(doc.reason), rightWidth, maxReasonLines), right, y, rightWidth, { align: 'right' }) + 2;
    }
  }

  // the issuer, on the left, under the logo
  const s = doc.seller;
  const leftWidth = contentWidth / 2 - 16;
  let left = margin + logoHeight;
  font(ctx, 'bold', size.name);
  left += text(ctx, s.name, margin, left, leftWidth) + 2;
  font(ctx, 'regular', size.body);
  left += text(ctx, addressLines(s.address, null, doc.language).join('\n'), margin, left, leftWidth);
  if (s.email) left += text(ctx, s.email, margin, left, leftWidth);
  font(ctx, 'regular', size.small, colors.muted);
  const legal = [
    [s.legalForm, s.registration].filter(Boolean).join(' · '),
    s.siren ? `${t.siren} ${groupSiren(s.siren)}` : null,
    s.vatId ? `${t.vatId} ${s.vatId}` : s.taxRegistrationId && s.taxRegistrationId !== s.siren ? `${t.taxRegistration} ${s.taxRegistrationId}` : null,
  ].filter((line): line is string => Boolean(line));
  if (legal.length > 0) left += 3 + text(ctx, legal.join('\n'), margin, left + 3, leftWidth);
  // the buyer under the title, where a window envelope shows it
  const buyerBottom = drawBuyer(ctx, Math.max(y + 14, margin + 96));
  ctx.y = Math.max(left, buyerBottom) + 22;
}

/** The buyer's block on the right half from `top`; returns its bottom. */
function drawBuyer(ctx: Context, top: number): number {
  const { doc, t } = ctx;
  const b = doc.buyer;
  const x = margin + contentWidth / 2 + 8;
  const width = contentWidth / 2 - 8;
  const lines: { value: string; weight: 'regular' | 'bold'; points: number; color?: string }[] = [
    { value: t.billTo.toUpperCase(), weight: 'bold', points: size.small, color: colors.muted },
    { value: b.name, weight: 'bold', points: size.name },
  ];
  if (b.attention) lines.push({ value: `${t.attention} ${b.attention}`, weight: 'regular', points: size.body });
  const buyerAddress = addressLines(b.address, doc.seller.address.country, doc.language);
  // a buyer with no address on record: the block then holds the name alone
  if (buyerAddress.length > 0) lines.push({ value: buyerAddress.join('\n'), weight: 'regular', points: size.body });
  const ids = [b.memberNumber ? `${t.memberNumber} ${b.memberNumber}` : null, b.siren ? `${t.siren} ${groupSiren(b.siren)}` : null, b.vatId ? `${t.vatId} ${b.vatId}` : null]
    .filter(Boolean)
    .join('\n');
  if (ids) lines.push({ value: ids, weight: 'regular', points: size.small, color: colors.muted });
  const padding = 10;
  let total = 0;
  for (const line of lines) {
    font(ctx, line.weight, line.points);
    total += height(ctx, line.value, width - 2 * padding) + 2;
  }
  ctx.pdf.roundedRect(x, top, width, total + 2 * padding - 2, 4).fill(colors.band);
  let y = top + padding;
  for (const line of lines) {
    font(ctx, line.weight, line.points, line.color);
    y += text(ctx, line.value, x + padding, y, width - 2 * padding) + 2;
  }
  return y + padding - 2;
}

function addressLines(address: InvoiceDocument['buyer']['address'], home: string | null, language: 'fr' | 'en'): string[] {
  const lines = [...address.lines, [address.postcode, address.city].filter(Boolean).join(' ')].filter((line) => line !== '');
  // the seller's country is printed when it is not France, the buyer's when it is not the seller's
  if (address.country !== (home ?? 'FR')) {
    lines.push(new Intl.DisplayNames([language], { type: 'region' }).of(address.country) ?? address.country);
  }
  return lines;
}

function drawTableHeader(ctx: Context): void {
  const { pdf, t } = ctx;
  font(ctx, 'bold', size.small, colors.muted);
  const cells: [string, { x: number; width: number }, 'left' | 'right'][] = [
    [t.description, columns.description, 'left'],
    [t.quantity, columns.quantity, 'right'],
    [t.unitPrice, columns.unitPrice, 'right'],
    [t.vatRate, columns.vat, 'right'],
    [t.net, columns.net, 'right'],
  ];
  const h = Math.max(...cells.map(([label, column]) => height(ctx, label, column.width))) + 10;
  pdf.rect(margin, ctx.y, contentWidth, h).fill(colors.band);
  font(ctx, 'bold', size.small, colors.muted);
  for (const [label, column, align] of cells) text(ctx, label.toUpperCase(), column.x, ctx.y + 5, column.width, { align });
  ctx.y += h + 4;
}

function drawLines(ctx: Context): void {
  const { pdf, doc, f } = ctx;
  drawTableHeader(ctx);
  doc.lines.forEach((line, i) => {
    // the description carries the period, in the document's language (documents/line-description.ts)
    font(ctx, 'regular', size.body);
    const descriptionHeight = height(ctx, line.description, columns.description.width);
    const vat = vatLabel(ctx, line.vatCategory, line.vatRate);
    // a category's name (Autoliquidation) is set smaller than a rate, and may still wrap
    font(ctx, 'regular', line.vatCategory === 'S' ? size.body : size.small);
    const vatHeight = height(ctx, vat, columns.vat.width);
    const rowHeight = Math.max(descriptionHeight, vatHeight) + 10;
    if (ensure(ctx, rowHeight)) drawTableHeader(ctx);
    const y = ctx.y + 3;
    font(ctx, 'regular', size.body);
    text(ctx, line.description, columns.description.x, y, columns.description.width);
    font(ctx, 'regular', size.body);
    text(ctx, f.integer(line.quantity), columns.quantity.x, y, columns.quantity.width, { align: 'right' });
    text(ctx, f.money(line.unitPrice), columns.unitPrice.x, y, columns.unitPrice.width, { align: 'right' });
    font(ctx, 'regular', line.vatCategory === 'S' ? size.body : size.small);
    text(ctx, vat, columns.vat.x, y + (line.vatCategory === 'S' ? 0 : 1), columns.vat.width, { align: 'right' });
    font(ctx, 'bold', size.body);
    // a discounted line shows its amount before the discount, and the discount on the row under it
    text(ctx, f.money(line.net + (line.discount?.amount ?? 0)), columns.net.x, y, columns.net.width, { align: 'right' });
    ctx.y += rowHeight;
    if (line.discount) {
      font(ctx, 'regular', size.body, colors.muted);
      const discountHeight = height(ctx, line.discount.reason, columns.description.width - 12) + 6;
      if (ensure(ctx, discountHeight)) drawTableHeader(ctx);
      font(ctx, 'regular', size.body, colors.muted);
      text(ctx, line.discount.reason, columns.description.x + 12, ctx.y - 4, columns.description.width - 12);
      font(ctx, 'bold', size.body);
      text(ctx, `\u2212${f.money(line.discount.amount)}`, columns.net.x, ctx.y - 4, columns.net.width, { align: 'right' });
      ctx.y += discountHeight;
    }
    if (i < doc.lines.length - 1) {
      pdf.moveTo(margin, ctx.y - 3).lineTo(margin + contentWidth, ctx.y - 3).lineWidth(0.5).strokeColor(colors.rule).stroke();
    }
  });
  pdf.moveTo(margin, ctx.y).lineTo(margin + contentWidth, ctx.y).lineWidth(1).strokeColor(colors.accent).stroke();
  ctx.y += 14;
}

function vatLabel(ctx: Context, category: VatSubtotal['category'], rate: string): string {
  return category === 'S' ? ctx.f.rate(rate) : ctx.t.categories[category];
}

function drawTotals(ctx: Context): void {
  const { pdf, doc, t, f } = ctx;
  const totals = doc.totals;
  // the VAT breakdown on the left, the totals on the right, side by side
  const leftWidth = contentWidth * 0.5;
  const rightX = margin + contentWidth * 0.56;
  const rightWidth = contentWidth - (rightX - margin);
  const rows: [string, string, boolean][] = [
    [t.totalNet, f.money(totals.net), false],
    [t.totalVat, f.money(totals.tax), false],
    [doc.kind === 'invoice' ? t.total : t.creditTotal, f.money(totals.total), true],
  ];
  if (doc.kind === 'invoice' && totals.paid > 0) rows.push([t.paid, f.money(-totals.paid), false]);
  const rowHeight = 16;
  const dueBand = doc.kind === 'invoice' ? 28 : 0;
  const breakdownHeight = 14 + (totals.vat.length + 1) * 14;
  ensure(ctx, Math.max(rows.length * rowHeight + dueBand, breakdownHeight) + 8);
  const top = ctx.y;

  // breakdown
  const c1 = { x: margin, width: leftWidth * 0.4 };
  const c2 = { x: margin + leftWidth * 0.4, width: leftWidth * 0.3 };
  const c3 = { x: margin + leftWidth * 0.7, width: leftWidth * 0.3 };
  font(ctx, 'bold', size.small, colors.muted);
  text(ctx, t.vatBreakdown.toUpperCase(), c1.x, top, c1.width + c2.width);
  let y = top + 14;
  font(ctx, 'bold', size.small, colors.muted);
  text(ctx, t.vatRateHeading, c1.x, y, c1.width);
  text(ctx, t.vatBase, c2.x, y, c2.width, { align: 'right' });
  text(ctx, t.vatAmount, c3.x, y, c3.width, { align: 'right' });
  y += 12;
  pdf.moveTo(margin, y - 2).lineTo(margin + leftWidth, y - 2).lineWidth(0.5).strokeColor(colors.rule).stroke();
  for (const subtotal of totals.vat) {
    font(ctx, 'regular', size.body);
    const label = vatLabel(ctx, subtotal.category, subtotal.rate);
    const h = text(ctx, label, c1.x, y + 2, c1.width);
    text(ctx, f.money(subtotal.base), c2.x, y + 2, c2.width, { align: 'right' });
    text(ctx, f.money(subtotal.tax), c3.x, y + 2, c3.width, { align: 'right' });
    y += Math.max(h, 11) + 4;
  }
  const leftBottom = y;

  // totals
  y = top;
  for (const [label, value, strong] of rows) {
    font(ctx, strong ? 'bold' : 'regular', size.body, strong ? colors.text : colors.muted);
    text(ctx, label, rightX, y + 3, rightWidth * 0.55);
    font(ctx, strong ? 'bold' : 'regular', size.body);
    text(ctx, value, rightX + rightWidth * 0.45, y + 3, rightWidth * 0.55, { align: 'right' });
    y += rowHeight;
  }
  if (doc.kind === 'invoice') {
    y += 4;
    pdf.roundedRect(rightX, y, rightWidth, 24, 3).fill(colors.accent);
    font(ctx, 'bold', size.name, '#ffffff');
    text(ctx, t.due, rightX + 8, y + 6, rightWidth * 0.5);
    text(ctx, f.money(totals.due), rightX + rightWidth * 0.4, y + 6, rightWidth * 0.6 - 8, { align: 'right' });
    y += 24;
  }
  ctx.y = Math.max(leftBottom, y) + 22;
}

function drawPayment(ctx: Context): void {
  const { pdf, doc, t } = ctx;
  const s = doc.seller;
  if (doc.kind !== 'invoice' || doc.totals.due <= 0 || s.iban === null) return;
  const rows: [string, string][] = [
    [t.accountHolder, s.name],
    [t.iban, groupIban(s.iban)],
  ];
  if (s.bic) rows.push([t.bic, s.bic]);
  rows.push([t.reference, doc.number]);
  const labelWidth = 110;
  const width = contentWidth - 20 - labelWidth;
  font(ctx, 'bold', size.body);
  const heights = rows.map(([, value]) => height(ctx, value, width));
  const total = 16 + heights.reduce((sum, h) => sum + h + 3, 0) + 16;
  ensure(ctx, total);
  const top = ctx.y;
  pdf.roundedRect(margin, top, contentWidth, total, 4).lineWidth(0.75).strokeColor(colors.rule).stroke();
  font(ctx, 'bold', size.small, colors.accent);
  text(ctx, t.paymentTitle.toUpperCase(), margin + 10, top + 8, contentWidth - 20);
  let y = top + 22;
  rows.forEach(([label, value], i) => {
    font(ctx, 'regular', size.body, colors.muted);
    text(ctx, label, margin + 10, y, labelWidth - 8);
    font(ctx, 'bold', size.body);
    text(ctx, value, margin + 10 + labelWidth, y, width);
    y += heights[i]! + 3;
  });
  ctx.y = top + total + 16;
}

/** The mentions French law requires, those that apply to this document only. */
export function mentions(doc: InvoiceDocument): string[] {
  const t = pdfStrings[doc.language];
  const f = formatter(doc.currency, doc.language);
  const categories = new Set(doc.lines.map((l) => l.vatCategory));
  const business = isBusinessBuyer(doc.buyer);
  const out: string[] = [];
  if (doc.paymentTerms) out.push(doc.paymentTerms);
  if (doc.kind === 'invoice') {
    if (doc.dueDate !== null) out.push(t.paymentDate(f.date(doc.dueDate)));
    out.push(t.latePenalty(doc.seller.latePenalty ?? t.latePenaltyDefault));
    if (business) out.push(t.recoveryIndemnity);
    out.push(t.noDiscount);
  }
  if (categories.has('E') && doc.seller.vatExemptionText) out.push(doc.seller.vatExemptionText);
  if (categories.has('AE')) out.push(t.reverseCharge);
  if (doc.buyer.siren) out.push(t.buyerSiren(groupSiren(doc.buyer.siren)));
  return out;
}

function drawMentions(ctx: Context): void {
  font(ctx, 'regular', size.small, colors.muted);
  for (const mention of mentions(ctx.doc)) {
    const h = height(ctx, mention, contentWidth);
    ensure(ctx, h + 2);
    font(ctx, 'regular', size.small, colors.muted);
    ctx.y += text(ctx, mention, margin, ctx.y, contentWidth) + 2;
  }
}

/** The organisation's footer, else its legal identity on one line (its name heads the page already). */
function footerText(doc: InvoiceDocument): string {
  const s = doc.seller;
  const t = pdfStrings[doc.language];
  if (s.footer) return s.footer;
  return [s.legalForm, s.registration, s.siren ? `${t.siren} ${groupSiren(s.siren)}` : null, s.vatId ? `${t.vatId} ${s.vatId}` : null]
    .filter(Boolean)
    .join(' · ');
}

const pageNumberWidth = 60;

/** The footer's rule, above its text; the text ends `footerBase` above the page's edge. */
function footerTop(ctx: Context): number {
  return pageHeight - footerBase - height(ctx, ctx.footer, contentWidth - pageNumberWidth) - 6;
}

function drawFooters(ctx: Context): void {
  const { pdf, t } = ctx;
  const range = pdf.bufferedPageRange();
  for (let i = 0; i < range.count; i++) {
    pdf.switchToPage(range.start + i);
    // writing under the bottom margin would open a page: the footer has its own room below it
    const saved = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    font(ctx, 'regular', size.small, colors.muted);
    const top = footerTop(ctx);
    pdf.moveTo(margin, top).lineTo(margin + contentWidth, top).lineWidth(0.5).strokeColor(colors.rule).stroke();
    font(ctx, 'regular', size.small, colors.muted);
    text(ctx, t.page(i + 1, range.count), margin + contentWidth - pageNumberWidth, top + 6, pageNumberWidth, { align: 'right' });
    text(ctx, ctx.footer, margin, top + 6, contentWidth - pageNumberWidth);
    pdf.page.margins.bottom = saved;
  }
}
