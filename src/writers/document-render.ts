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
 * Renders documents of one format. PDFKit is loaded, and the fonts parsed, on the first PDF only: the XML formats
 * never load them.
 */
export class DocumentRenderer {
  readonly format: DocumentFormat;
  private fonts: PdfFonts | null = null;

  constructor(format: DocumentFormat) {
    this.format = format;
  }

  async render(doc: InvoiceDocument): Promise<Uint8Array> {
    switch (this.format) {
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

  private async pdfFonts(): Promise<PdfFonts> {
    if (this.fonts === null) {
      const { loadPdfFonts } = await import('./pdf/invoice-pdf.js');
      this.fonts = loadPdfFonts();
    }
    return this.fonts;
  }
}
