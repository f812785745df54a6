import { beforeAll, describe, expect, it } from 'vitest';
import type { InvoiceDocument } from '../../src/core/documents/invoice-document.js';
import { writeCii } from '../../src/writers/einvoice/cii.js';
import { facturxXmp, renderFacturx, xmlText } from '../../src/writers/einvoice/facturx.js';
import { loadPdfFonts, type PdfFonts, renderInvoicePdf } from '../../src/writers/pdf/invoice-pdf.js';
import { fatalAsserts, validateCiiSchema } from '../helpers/einvoice.js';
import { facturxProblems, readFacturx, xmpValues } from '../helpers/facturx.js';
import { scenarios } from '../helpers/invoice-documents.js';
import { PdfProbe } from '../helpers/poppler.js';

let fonts: PdfFonts;
beforeAll(() => {
  fonts = loadPdfFonts();
});

const now = new Date('2026-03-02T09:15:30.750Z');

describe('Factur-X of every scenario', () => {
  it.each(Object.entries(scenarios))('%s: PDF/A-3b with its CII embedded, Factur-X XMP, fonts embedded', async (_name, doc) => {
    for (const compress of [true, false]) {
      const reading = readFacturx(await renderFacturx(doc, { fonts, now, compress }));
      expect(facturxProblems(reading)).toEqual([]);
      const xml = reading.attachments.get('factur-x.xml')!.toString('utf8');
      // exactly what --format cii writes, and valid by the official rules and the schema
      expect(xml).toBe(writeCii(doc));
      expect(fatalAsserts(xml, 'cii')).toEqual([]);
      expect(validateCiiSchema(xml)).toEqual({ valid: true, errors: [] });
      // the time given, to the second, in the document information and the XMP alike
      expect(reading.info.CreationDate).toMatch(/^2026-03-02T09:15:30(Z|\+00:?00)?$/);
      expect(xmpValues(reading.xmp, '//xmp:CreateDate')).toEqual(['2026-03-02T09:15:30Z']);
      expect(reading.info.Title).toBe(`${doc.language === 'fr' ? (doc.kind === 'invoice' ? 'Facture' : 'Avoir') : doc.kind === 'invoice' ? 'Invoice' : 'Credit note'} ${doc.number}`);
    }
  });
});

describe('Factur-X metadata', () => {
  it('escapes the seller’s name in the XMP, which then parses and says the same as the document information', async () => {
    const doc: InvoiceDocument = { ...scenarios['a partly paid invoice']!, seller: { ...scenarios['a partly paid invoice']!.seller, name: 'Dupont & Fils <Lyon> "Atelier" l’Épée' } };
    const reading = readFacturx(await renderFacturx(doc, { fonts, now }));
    expect(facturxProblems(reading)).toEqual([]);
    expect(xmpValues(reading.xmp, '//dc:creator/rdf:Seq/rdf:li')).toEqual(['Dupont & Fils <Lyon> "Atelier" l’Épée']);
    expect(reading.info.Author).toBe('Dupont & Fils <Lyon> "Atelier" l’Épée');
  });

  it('writes the five XML specials escaped and drops the characters XML forbids', () => {
    expect(xmlText(`a & b < c > d " e ' f\u0001g`)).toBe('a &amp; b &lt; c &gt; d &quot; e &apos; fg');
    const xmp = facturxXmp({ Title: 'Facture <1>', Author: 'A & B', Creator: 'memberctl', Producer: 'PDFKit', CreationDate: now, ModDate: now });
    expect(xmp).toContain('<rdf:li xml:lang="x-default">Facture &lt;1&gt;</rdf:li>');
    expect(xmp).toContain('<rdf:li>A &amp; B</rdf:li>');
    expect(xmp).toContain('<xmp:ModifyDate>2026-03-02T09:15:30Z</xmp:ModifyDate>');
  });
});

describe('subsets shared by the documents of a batch', () => {
  it('draws each document’s own text, characters beyond the shared base included', async () => {
    // the same fonts for documents with and without characters outside the base subset, in both orders
    const company = scenarios['a company payer consolidating several members']!;
    const plainDoc = scenarios['a partly paid invoice']!;
    for (const doc of [plainDoc, company, plainDoc, company]) {
      const probe = new PdfProbe(await renderInvoicePdf(doc, { fonts }));
      const text = probe.text();
      expect(probe.fonts().every((f) => f.embedded)).toBe(true);
      probe.remove();
      expect(text).toContain(doc.number);
      expect(text).toContain(doc.buyer.name);
      if (doc === company) expect(text).toContain('Zoé Nguyễn');
    }
    expect(fonts.subsets.regular.size).toBeGreaterThanOrEqual(2);
  });

  it('gives the same bytes as a document drawn with fonts of its own', async () => {
    const doc = scenarios['several VAT rates on one invoice']!;
    const shared = await renderFacturx(doc, { fonts, now, compress: false });
    const alone = await renderFacturx(doc, { fonts: loadPdfFonts(), now, compress: false });
    // the file identifier and nothing else may differ: it is derived from the time, which is the same
    expect(shared.equals(alone)).toBe(true);
  });
});
