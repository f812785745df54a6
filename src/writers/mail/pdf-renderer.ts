/**
 * Invoice PDFs for e-mails, drawn by the documents' render pool (render-pool.ts): on worker threads when the program
 * is built and the machine has more than one core, else on this thread. The same `DocumentRenderer` draws them
 * either way, so an attachment is the PDF `invoices pdf` (or `invoices einvoice --format facturx`) writes. Each
 * call names its format: one pool draws plain PDFs and Factur-X alike.
 */
import type { InvoiceDocument } from '../../core/documents/invoice-document.js';
import { DocumentRenderer } from '../document-render.js';
import { type Renderer, type RendererOptions, startRenderer } from '../render-pool.js';

export type PdfFormat = 'pdf' | 'facturx';

export interface PdfRenderer {
  render(document: InvoiceDocument, format?: PdfFormat): Promise<Buffer>;
  close(): Promise<void>;
}

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Draws on this thread. */
export function inlineRenderer(): PdfRenderer {
  const renderer = new DocumentRenderer('pdf');
  return { render: async (document, format = 'pdf') => asBuffer(await renderer.render(document, format)), close: async () => {} };
}

/** The render pool, started on the first PDF (one thread per core but one, at most 3, as for `invoices pdf`). */
export function pdfRenderer(options: RendererOptions = {}): PdfRenderer {
  let pool: Promise<Renderer> | null = null;
  return {
    async render(document, format = 'pdf') {
      pool ??= startRenderer('pdf', Number.POSITIVE_INFINITY, options);
      return asBuffer(await (await pool).render(document, format));
    },
    async close() {
      if (pool !== null) await (await pool).close();
    },
  };
}
