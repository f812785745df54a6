/**
 * The bytes of one document in each format `invoices einvoice` and `invoices pdf` write, in this thread. The same
 * function runs on the render workers (render-worker.ts), so a document is the same whichever thread drew it.
 */
import type { InvoiceDocument } from '../core/documents/invoice-document.js';
import { writeCii } from './einvoice/cii.js';
import { writeUbl } from './einvoice/ubl.js';
import type { PdfFonts } from './pdf/invoice-pdf.js';

export const documentFormats = ['cii', 'ubl', 'facturx', 'pdf'] as const;
export type DocumentFormat = (typeof documentFormats)[number];

/** The extension of each format's files: NUMBER.xml, NUMBER.pdf. */
export const documentExtension: Record<DocumentFormat, 'xml' | 'pdf'> = { cii: 'xml', ubl: 'xml', facturx: 'pdf', pdf: 'pdf' };

/**
 * Renders documents, in its format unless told another. PDFKit is loaded, and the fonts parsed, on the first PDF
 * only (the XML formats never load them), once however many documents are started at once; plain PDFs and
 * Factur-X share them.
 */
export class DocumentRenderer {
  readonly format: DocumentFormat;
  private fonts: Promise<PdfFonts> | null = null;

  constructor(format: DocumentFormat) {
    this.format = format;
  }

  async render(doc: InvoiceDocument, format: DocumentFormat = this.format): Promise<Uint8Array> {
    switch (format) {
      case 'cii':
        return Buffer.from(writeCii(doc), 'utf8');
      case 'ubl':
        return Buffer.from(writeUbl(doc), 'utf8');
      case 'pdf': {
        const { renderInvoicePdf } = await import('./pdf/invoice-pdf.js');
        return renderInvoicePdf(doc, { fonts: await this.pdfFonts() });
      }
      case 'facturx': {
        const { renderFacturx } = await import('./einvoice/facturx.js');
        return renderFacturx(doc, { fonts: await this.pdfFonts() });
      }
    }
  }

  private pdfFonts(): Promise<PdfFonts> {
    this.fonts ??= import('./pdf/invoice-pdf.js').then(({ loadPdfFonts }) => loadPdfFonts());
    return this.fonts;
  }
}
