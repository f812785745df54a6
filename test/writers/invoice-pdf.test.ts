import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvoiceDocument, type InvoiceDocument } from '../../src/core/documents/invoice-document.js';
import { formatLongDate, formatRate, moneyFormatter } from '../../src/writers/pdf/format.js';
import { loadPdfFonts, type PdfFonts, renderInvoicePdf } from '../../src/writers/pdf/invoice-pdf.js';
import { companyBuyer, invoice, line, lyonCoworking, scenarios } from '../helpers/invoice-documents.js';
import { PdfProbe } from '../helpers/poppler.js';

// pdftotext gives the no-break spaces of "1 234,56 €" as plain spaces
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');
const squeeze = (s: string) => plain(s).replace(/\s+/g, ' ');

let fonts: PdfFonts;
const probes: PdfProbe[] = [];
beforeAll(() => {
  fonts = loadPdfFonts();
});
afterAll(() => {
  for (const probe of probes) probe.remove();
});

async function render(doc: InvoiceDocument): Promise<PdfProbe> {
  const check = checkInvoiceDocument(doc);
  expect(check.ok ? [] : check.problems).toEqual([]);
  const probe = new PdfProbe(await renderInvoicePdf(doc, { fonts }));
  probes.push(probe);
  return probe;
}

describe('money, dates and rates in the document language', () => {
  it.each([
    ['fr', 'EUR', 123456, '1\u202f234,56\u00a0€'],
    ['en', 'EUR', 123456, '€1,234.56'],
    ['fr', 'EUR', 5, '0,05\u00a0€'],
    ['fr', 'JPY', 12000, '12\u202f000\u00a0¥'],
    ['en', 'JPY', 12000, '¥12,000'],
    ['fr', 'EUR', -10000, '-100,00\u00a0€'],
    // beyond what a double holds to the cent as euros: the digits come from the integer, not from a float
    ['en', 'EUR', 9007199254740991, '€90,071,992,547,409.91'],
  ] as const)('%s %s %i is %s', (language, currency, minor, expected) => {
    expect(moneyFormatter(currency, language)(minor)).toBe(expected);
  });

  it.each([
    ['2026-12-02', 'fr', '2 décembre 2026'],
    ['2026-03-01', 'fr', '1er mars 2026'],
    ['2026-08-15', 'fr', '15 août 2026'],
    ['2026-12-02', 'en', 'December 2, 2026'],
  ] as const)('%s in %s is %s', (date, language, expected) => {
    expect(formatLongDate(date, language)).toBe(expected);
  });

  it('writes rates with the language’s decimal separator', () => {
    expect(formatRate('5.5', 'fr')).toBe('5,5\u202f%');
    expect(formatRate('5.5', 'en')).toBe('5.5%');
  });
});

describe('the PDF of every scenario', () => {
  it.each(Object.entries(scenarios))('%s: A4, fonts embedded, its number and totals in its language', async (_name, doc) => {
    const probe = await render(doc);
    const info = probe.info();
    expect(info['Page size']).toContain('(A4)');
    expect(info.Pages).toBe('1');
    const fontsUsed = probe.fonts();
    expect(fontsUsed.length).toBeGreaterThan(0);
    for (const font of fontsUsed) expect(font, font.name).toMatchObject({ embedded: true });
    expect(fontsUsed.every((f) => f.name.includes('DejaVuSans'))).toBe(true);

    const text = squeeze(probe.rawText());
    const money = moneyFormatter(doc.currency, doc.language);
    expect(text).toContain(doc.number);
    expect(text).toContain(plain(money(doc.totals.total)));
    expect(text).toContain(plain(money(doc.totals.net)));
    for (const subtotal of doc.totals.vat) expect(text).toContain(plain(money(subtotal.base)));
    expect(text).toContain(doc.buyer.name);
    for (const l of doc.lines) expect(text).toContain(l.description);
    if (doc.seller.siren) expect(text).toContain(doc.seller.siren.replace(/(\d{3})(?=\d)/g, '$1 '));
    if (doc.seller.vatId) expect(text).toContain(doc.seller.vatId);
  });

  it('a French invoice: French dates, money, title and mentions', async () => {
    const text = squeeze((await render(scenarios['several VAT rates on one invoice']!)).rawText());
    expect(text).toContain('Facture');
    expect(text).toContain('1er mars 2026');
    expect(text).toContain('15 mars 2026');
    expect(text).toContain('Total TTC 307,41 €');
    expect(text).toContain('Reste à payer 307,41 €');
    expect(text).toContain('5,5 %');
    expect(text).toContain("Pénalités de retard : trois fois le taux d'intérêt légal");
    expect(text).toContain("Pas d'escompte pour paiement anticipé.");
    expect(text).toContain('Date de paiement : au plus tard le 15 mars 2026.');
    expect(text).toContain('FR76 3000 6000 0112 3456 7890 189');
    expect(text).toContain('AGRIFRPP');
    expect(text).toMatch(/Référence à indiquer INV-2026-00007/);
    // a person, not a business: no recovery indemnity, no buyer SIREN
    expect(text).not.toContain('Indemnité forfaitaire');
    expect(text).not.toContain('SIREN du client');
    expect(text).not.toContain('Autoliquidation');
  });

  it('an English invoice to a Belgian company: reverse charge, the 40 € indemnity, English money and dates', async () => {
    const text = squeeze((await render(scenarios['reverse charge to a Belgian company']!)).rawText());
    expect(text).toContain('Invoice');
    expect(text).toContain('March 1, 2026');
    expect(text).toContain('Balance due €1,050.00');
    expect(text).toContain('Reverse charge: VAT to be accounted for by the customer');
    expect(text).toContain('Fixed compensation for recovery costs in case of late payment: €40 (French Commercial Code, art. L441-10 and D441-5).');
    expect(text).toContain('No discount for early payment.');
    expect(text).toContain('Attn. Lotte Van den Berghe');
    expect(text).toContain('Belgium');
    expect(text).toContain('BE0123456749');
  });

  it('a French company buyer: its SIREN, the person it is for, the 40 € indemnity', async () => {
    const text = squeeze((await render(scenarios['a company payer consolidating several members']!)).rawText());
    expect(text).toContain("À l'attention de Chloé Durand");
    expect(text).toContain('SIREN du client : 401 234 562');
    expect(text).toContain('Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 € (art. L441-10 et D441-5 du Code de commerce).');
    expect(text).toContain('Zoé Nguyễn');
  });

  it('an exempt association prints its exemption, a partly paid invoice what is left', async () => {
    const exempt = squeeze((await render(scenarios['an exempt association']!)).rawText());
    expect(exempt).toContain('TVA non applicable, art. 293 B du CGI');
    expect(exempt).toContain('Exonéré');
    const partly = squeeze((await render(scenarios['a partly paid invoice']!)).rawText());
    expect(partly).toContain('Total TTC 240,00 €');
    expect(partly).toContain('Déjà payé -100,00 €');
    expect(partly).toContain('Reste à payer 140,00 €');
  });

  it('a credit note names the invoice it cancels and asks for no payment', async () => {
    const text = squeeze((await render(scenarios['a credit note']!)).rawText());
    expect(text).toContain('Avoir');
    expect(text).toContain("Avoir sur la facture INV-2026-00012 du 1er février 2026");
    expect(text).toContain("Total de l'avoir TTC 240,00 €");
    expect(text).not.toContain('Reste à payer');
    expect(text).not.toContain('IBAN');
    expect(text).not.toContain('Pénalités de retard');
    expect(text).not.toContain("Date d'échéance");
  });

  it("a credit note prints its reason under the invoice it corrects, in the document's language; none without one", async () => {
    const doc = scenarios['a credit note'] as Extract<InvoiceDocument, { kind: 'credit_note' }>;
    const text = squeeze((await render(doc)).rawText());
    expect(text).toContain('Avoir sur la facture INV-2026-00012 du 1er février 2026 Motif : Février facturé deux fois : la facture INV-2026-00012 double la facture INV-2026-00009');
    const english = squeeze((await render({ ...doc, language: 'en', reason: 'billed the wrong plan' })).rawText());
    expect(english).toContain('Credit note for invoice INV-2026-00012 of February 1, 2026 Reason: billed the wrong plan');
    for (const none of [{ ...doc, reason: null }, scenarios['a credit note issued before reasons were printed']!]) {
      const plainText = squeeze((await render(none)).rawText());
      expect(plainText).toContain('Avoir sur la facture');
      expect(plainText).not.toContain('Motif');
    }
  });

  it("a long reason wraps inside the title block, every word kept; a very long one is cut short with … and the page's blocks keep their place", async () => {
    const doc = scenarios['a credit note'] as Extract<InvoiceDocument, { kind: 'credit_note' }>;
    const reason = "Résiliation anticipée acceptée à titre commercial : l'adhérente quitte Lyon pour Montréal et la période non consommée lui est remboursée intégralement";
    const probe = await render({ ...doc, reason });
    const words = probe.words();
    const text = words.map((w) => w.text).join(' ');
    for (const word of reason.split(/\s+/)) expect(text).toContain(word);
    for (const word of words) expect(word.xMax, word.text).toBeLessThanOrEqual(word.pageWidth - 47.5);
    // on several lines, all in the right half of the page
    const lines = probe.rawText().split('\n');
    expect(lines.some((l) => l.includes(reason))).toBe(false);
    for (const word of words.filter((w) => ['Résiliation', 'Montréal', 'intégralement'].includes(w.text))) {
      expect(word.xMin, word.text).toBeGreaterThanOrEqual(word.pageWidth / 2 - 48);
    }

    const endless = Array.from({ length: 400 }, (_, i) => `motif${i + 1}`).join(' ');
    const cut = await render({ ...doc, reason: endless });
    expect(cut.pages()).toHaveLength(1);
    const cutText = squeeze(cut.rawText());
    expect(cutText).toContain('Motif : motif1 motif2');
    expect(cutText).toMatch(/motif\d+…/);
    expect(cutText).not.toContain('motif400');
    expect(cutText).toContain("Total de l'avoir TTC 240,00 €");
    const reasonWords = cut.words().filter((w) => w.text.startsWith('motif'));
    const rows = new Set(reasonWords.map((w) => Math.round(w.yMin)));
    expect(rows.size).toBe(6);
  });

  it('yen without decimals', async () => {
    const text = squeeze((await render(scenarios['a JPY plan']!)).rawText());
    expect(text).toContain('¥15,000');
    expect(text).not.toMatch(/¥[\d,]+\.\d/);
  });

  it('uses the seller’s own late-penalty text and footer', async () => {
    const doc = invoice({
      number: 'INV-2026-00020',
      seller: { ...lyonCoworking, latePenalty: '10 % par an.', footer: 'Merci de votre confiance !' },
      lines: [line({ description: 'Hot Desk', unitPrice: 20000, periodStart: '2026-03-01', periodEnd: '2026-03-31' })],
    });
    const text = squeeze((await render(doc)).rawText());
    expect(text).toContain('Pénalités de retard : 10 % par an.');
    expect(text).not.toContain("trois fois le taux");
    expect(text).toContain('Merci de votre confiance !');
    expect(text).toContain('Page 1/1');
  });

  it('prints the logo', async () => {
    const doc = invoice({
      number: 'INV-2026-00021',
      seller: { ...lyonCoworking, logo: { type: 'image/png', bytes: solidPng(240, 80) } },
      lines: [line({ description: 'Hot Desk', unitPrice: 20000, periodStart: '2026-03-01', periodEnd: '2026-03-31' })],
    });
    const probe = await render(doc);
    expect(probe.images()).toEqual([{ width: 240, height: 80 }]);
  });
});

describe('fonts shared by a batch', () => {
  it('a document drawn after others with the same fonts is the one drawn alone', async () => {
    const doc = scenarios['a company payer consolidating several members']!;
    const alone = new PdfProbe(await renderInvoicePdf(doc, { fonts: loadPdfFonts() }));
    const shared = loadPdfFonts();
    for (const other of Object.values(scenarios)) await renderInvoicePdf(other, { fonts: shared });
    const after = new PdfProbe(await renderInvoicePdf(doc, { fonts: shared }));
    probes.push(alone, after);
    expect(after.text()).toBe(alone.text());
    expect(after.words()).toEqual(alone.words());
    expect(after.fonts()).toEqual(alone.fonts());
  });
});

describe('long documents and long names', () => {
  it('60 lines flow onto further pages, the table header and the number on each', async () => {
    const lines = Array.from({ length: 60 }, (_, i) =>
      line({ description: `Salle de réunion « Presqu'île », réservation n° ${i + 1}`, unitPrice: 4500 + i, periodStart: '2026-03-02', periodEnd: '2026-03-02' }),
    );
    const doc = invoice({ number: 'INV-2026-00099', buyer: companyBuyer, lines });
    const probe = await render(doc);
    const pages = probe.pages();
    expect(pages.length).toBeGreaterThan(1);
    expect(Number(probe.info().Pages)).toBe(pages.length);
    const withRows = pages.filter((page) => page.includes('Presqu'));
    expect(withRows.length).toBeGreaterThan(1);
    // every page the table runs on opens with its header (a page of totals alone has none)
    for (const page of withRows) expect(page).toMatch(/DESCRIPTION\s+QTÉ\s+PRIX UNITAIRE HT\s+TVA\s+MONTANT HT/);
    pages.forEach((page, i) => {
      expect(page).toContain('INV-2026-00099');
      expect(page).toContain(`Page ${i + 1}/${pages.length}`);
    });
    const text = squeeze(probe.rawText());
    for (let n = 1; n <= 60; n++) expect(text).toContain(`réservation n° ${n} `);
    expect(text).toContain(`Reste à payer ${plain(moneyFormatter('EUR', 'fr')(doc.totals.due))}`);
  });

  it('a very long name with accents wraps inside the page, every word kept', async () => {
    const name =
      "Société Coopérative d'Intérêt Collectif des Créateurs Indépendants de l'Économie Sociale et Solidaire du Grand Lyon Métropole Auvergne-Rhône-Alpes";
    const description = `Accès illimité aux espaces partagés, à la cuisine équipée, aux salles de réunion « Œuvre » et « Ça-va-être-génial » pour ${name}`;
    const doc = invoice({
      number: 'INV-2026-00100',
      seller: { ...lyonCoworking, name },
      buyer: { ...companyBuyer, name, attention: 'Marie-Hélène de La Rochefoucauld-Doudeauville' },
      lines: [line({ description, unitPrice: 123456789, quantity: 7, periodStart: '2026-03-01', periodEnd: '2026-03-31' })],
    });
    const probe = await render(doc);
    const words = probe.words();
    const text = words.map((w) => w.text).join(' ');
    for (const word of `${name} ${description} Marie-Hélène de La Rochefoucauld-Doudeauville`.split(/\s+/)) expect(text).toContain(word);
    for (const word of words) {
      expect(word.xMin, word.text).toBeGreaterThanOrEqual(47.5);
      expect(word.xMax, word.text).toBeLessThanOrEqual(word.pageWidth - 47.5);
    }
    // the name is set on several lines: no line holds it whole
    expect(probe.rawText().split('\n').some((l) => l.includes(name))).toBe(false);
    expect(squeeze(probe.rawText())).toContain(plain(moneyFormatter('EUR', 'fr')(doc.totals.total)));
  });
});

/** A PNG of one colour, built by hand: signature, IHDR, IDAT, IEND. */
function solidPng(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, Buffer.from([31, 78, 121]))]);
  const pixels = zlib.deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))]);
}
