/**
 * Invoice PDFs for e-mails, drawn on worker threads (pdf-worker.ts) when the program is built and the machine has
 * more than one core, else on this thread. The same `renderInvoicePdf` draws them either way.
 */
import fs from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { InvoiceDocument } from '../../core/documents/invoice-document.js';
import { loadPdfFonts, renderInvoicePdf } from '../pdf/invoice-pdf.js';

export interface PdfRenderer {
  render(document: InvoiceDocument): Promise<Buffer>;
  close(): Promise<void>;
}

// beside the bundled program (dist/); absent when the sources run as they are (tests of core functions)
const workerFile = new URL('./mail-pdf-worker.js', import.meta.url);

/** Draws on this thread. */
export function inlineRenderer(): PdfRenderer {
  const fonts = loadPdfFonts();
  return { render: (document) => renderInvoicePdf(document, { fonts }), close: async () => {} };
}

/** Up to `threads` workers (default: one per core, at most 4), started on first use; inline on a single core. */
export function pdfRenderer(threads = Math.min(os.availableParallelism(), 4)): PdfRenderer {
  if (threads < 2 || !fs.existsSync(fileURLToPath(workerFile))) return inlineRenderer();
  const workers: Array<{ worker: Worker; busy: number }> = [];
  const waiting = new Map<number, { resolve: (pdf: Buffer) => void; reject: (error: Error) => void }>();
  let next = 0;
  const start = () => {
    const worker = new Worker(workerFile);
    const entry = { worker, busy: 0 };
    worker.on('message', (reply: { id: number; pdf?: Uint8Array; error?: string }) => {
      entry.busy -= 1;
      const job = waiting.get(reply.id);
      waiting.delete(reply.id);
      if (reply.pdf) job?.resolve(Buffer.from(reply.pdf.buffer, reply.pdf.byteOffset, reply.pdf.byteLength));
      else job?.reject(new Error(reply.error ?? 'the PDF could not be drawn'));
    });
    worker.on('error', (error) => {
      for (const job of waiting.values()) job.reject(error);
      waiting.clear();
    });
    workers.push(entry);
    return entry;
  };
  return {
    render(document) {
      const idle = workers.find((w) => w.busy === 0);
      const entry = idle ?? (workers.length < threads ? start() : workers.reduce((a, b) => (b.busy < a.busy ? b : a)));
      entry.busy += 1;
      const id = next++;
      return new Promise<Buffer>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        entry.worker.postMessage({ id, document });
      });
    },
    async close() {
      await Promise.all(workers.splice(0).map((w) => w.worker.terminate()));
    },
  };
}
