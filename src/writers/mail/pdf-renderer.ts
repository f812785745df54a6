/**
 * Invoice PDFs for e-mails, drawn by the documents' render pool (render-pool.ts): on worker threads when the program
 * is built and the machine has more than one core, else on this thread. The same `renderInvoicePdf` draws them
 * either way, so an attachment is the PDF `invoices pdf` writes.
 */
import type { InvoiceDocument } from '../../core/documents/invoice-document.js';
import { loadPdfFonts, renderInvoicePdf } from '../pdf/invoice-pdf.js';
import { type Renderer, startRenderer } from '../render-pool.js';

export interface PdfRenderer {
  render(document: InvoiceDocument): Promise<Buffer>;
  close(): Promise<void>;
}

/** Draws on this thread. */
export function inlineRenderer(): PdfRenderer {
  const fonts = loadPdfFonts();
  return { render: (document) => renderInvoicePdf(document, { fonts }), close: async () => {} };
}

/** The render pool, started on the first PDF (one thread per core, at most 4, as for `invoices pdf`). */
export function pdfRenderer(threads?: number): PdfRenderer {
  let pool: Promise<Renderer> | null = null;
  return {
    async render(document) {
      pool ??= startRenderer('pdf', Number.POSITIVE_INFINITY, threads === undefined ? {} : { threads });
      const bytes = await (await pool).render(document);
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },
    async close() {
      if (pool !== null) await (await pool).close();
    },
  };
}
