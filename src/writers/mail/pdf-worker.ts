/**
 * A worker thread that draws invoice PDFs for the mail sender (pdf-renderer.ts): drawing is most of the cost of an
 * invoice e-mail, so the sender spreads it over the machine's cores while it sends. Each message posts a document
 * and gets back its PDF, or the error that stopped drawing it.
 */
import { parentPort } from 'node:worker_threads';
import type { InvoiceDocument } from '../../core/documents/invoice-document.js';
import { loadPdfFonts, renderInvoicePdf } from '../pdf/invoice-pdf.js';

const port = parentPort!;
const fonts = loadPdfFonts();
port.on('message', (job: { id: number; document: InvoiceDocument }) => {
  renderInvoicePdf(job.document, { fonts }).then(
    (pdf) => port.postMessage({ id: job.id, pdf }),
    (error: unknown) => port.postMessage({ id: job.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
