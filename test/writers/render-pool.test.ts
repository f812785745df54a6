import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { writeCii } from '../../src/writers/einvoice/cii.js';
import { pdfRenderer } from '../../src/writers/mail/pdf-renderer.js';
import { startRenderer } from '../../src/writers/render-pool.js';
import { facturxProblems, readFacturx } from '../helpers/facturx.js';
import { scenarios } from '../helpers/invoice-documents.js';
import { PdfProbe } from '../helpers/poppler.js';

// the test runner runs the sources; a worker thread needs the compiled worker, which `npm run build` writes
const workerFile = new URL('../../dist/render-worker.js', import.meta.url);
const docs = Object.values(scenarios);

function assertBuilt(): void {
  if (!fs.existsSync(workerFile)) throw new Error(`${workerFile.pathname} is missing: run \`npm run build\` first`);
}

/** A plain PDF of `number`: its text, no Factur-X attachment. */
function expectPlainPdf(bytes: Buffer, number: string): void {
  const probe = new PdfProbe(bytes);
  try {
    expect(probe.text()).toContain(number);
  } finally {
    probe.remove();
  }
  expect(readFacturx(bytes).attachments.has('factur-x.xml')).toBe(false);
}

/** A Factur-X of `doc`: PDF/A-3b, its XML the CII of the same document. */
function expectFacturx(bytes: Buffer, doc: (typeof docs)[number]): void {
  const reading = readFacturx(bytes);
  expect(facturxProblems(reading), doc.number).toEqual([]);
  expect(reading.attachments.get('factur-x.xml')!.toString('utf8')).toBe(writeCii(doc));
}

describe('the render pool', () => {
  it('draws plain PDFs and Factur-X from one pool of worker threads, each request in the format it names', async () => {
    assertBuilt();
    const pool = await startRenderer('pdf', Number.POSITIVE_INFINITY, { threads: 2, workerFile });
    try {
      expect(pool.threads).toBe(2);
      // both formats at once, interleaved, more documents than the threads take at a time
      const rendered = await Promise.all(docs.flatMap((doc) => [pool.render(doc, 'facturx'), pool.render(doc), pool.render(doc, 'pdf')]));
      for (const [index, doc] of docs.entries()) {
        const [facturx, plain, named] = rendered.slice(index * 3, index * 3 + 3).map((b) => Buffer.from(b));
        expectFacturx(facturx!, doc);
        expectPlainPdf(plain!, doc.number);
        expectPlainPdf(named!, doc.number);
      }
    } finally {
      await pool.close();
    }
  });

  it('gives a PdfRenderer (mail send’s attachments) both formats from one pool, plain PDF when none is named', async () => {
    assertBuilt();
    const renderer = pdfRenderer({ threads: 1, workerFile });
    try {
      const doc = scenarios['a partly paid invoice']!;
      const [facturx, plain, named] = await Promise.all([renderer.render(doc, 'facturx'), renderer.render(doc), renderer.render(doc, 'pdf')]);
      expectFacturx(facturx!, doc);
      expectPlainPdf(plain!, doc.number);
      expectPlainPdf(named!, doc.number);
      // the same pool goes on with the other documents
      for (const other of docs.slice(0, 4)) expectFacturx(await renderer.render(other, 'facturx'), other);
    } finally {
      await renderer.close();
    }
  });

  it('draws in this thread a document its worker has no heap for, and goes on', async () => {
    assertBuilt();
    // a heap too small for PDFKit and the fonts: every worker runs out of memory on its first document
    const pool = await startRenderer('facturx', Number.POSITIVE_INFINITY, { threads: 1, workerFile, heapMb: 4 });
    try {
      const rendered = await Promise.all(docs.slice(0, 5).map((doc) => pool.render(doc)));
      for (const [index, doc] of docs.slice(0, 5).entries()) expectFacturx(Buffer.from(rendered[index]!), doc);
      expectPlainPdf(Buffer.from(await pool.render(docs[0]!, 'pdf')), docs[0]!.number);
    } finally {
      await pool.close();
    }
  });

  it('draws few documents, and the XML formats, in this thread', async () => {
    assertBuilt();
    for (const [format, count] of [['pdf', 3], ['cii', 1000]] as const) {
      const renderer = await startRenderer(format, count, { threads: 2, workerFile });
      expect(renderer.threads).toBe(0);
      await renderer.close();
    }
  });
});
