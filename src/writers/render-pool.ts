/**
 * Renders documents on worker threads (render-worker.ts) while the main thread loads and writes: one worker per
 * core, each parsing the fonts once and keeping its own shaped-word caches. The caller keeps at most `inFlight`
 * documents in flight, so memory stays flat. Few documents, the XML formats (faster to write than to hand to a
 * thread) or sources run by the test runner (no compiled worker to start) render in this thread.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { InvoiceDocument } from '../core/documents/invoice-document.js';
import { type ExitCode, UserError } from '../errors.js';
import { type DocumentFormat, DocumentRenderer } from './document-render.js';

export interface Renderer {
  render(doc: InvoiceDocument): Promise<Uint8Array>;
  /** how many documents the caller may have waiting at once */
  readonly inFlight: number;
  close(): Promise<void>;
}

/** The messages of render-worker.ts. */
export type RenderRequest = { id: number; doc: InvoiceDocument };
export type RenderReply = { id: number; bytes: Uint8Array } | { id: number; error: { message: string; exitCode?: ExitCode; hint?: string; stack?: string } };

/** Below this many PDFs, starting threads (fonts parsed again on each) costs more than it saves. */
export const workerDocuments = 24;

const workerFile = new URL('./render-worker.js', import.meta.url);

let hasWorker: boolean | undefined;
/** The worker's compiled file exists (the test runner runs the TypeScript sources, which a worker cannot load). */
function workerAvailable(): boolean {
  hasWorker ??= fs.existsSync(workerFile);
  return hasWorker;
}

/** A renderer for `count` documents of `format`: on workers when that pays, else in this thread. */
export async function startRenderer(format: DocumentFormat, count: number, options: { threads?: number } = {}): Promise<Renderer> {
  const threads = options.threads ?? Math.min(os.availableParallelism(), 4);
  const pdf = format === 'pdf' || format === 'facturx';
  if (!pdf || count < workerDocuments || threads < 2 || !workerAvailable()) return inThread(format);
  return workerPool(format, threads);
}

function inThread(format: DocumentFormat): Renderer {
  const renderer = new DocumentRenderer(format);
  return { render: (doc) => renderer.render(doc), inFlight: 1, close: async () => {} };
}

function workerPool(format: DocumentFormat, threads: number): Renderer {
  const waiting = new Map<number, { resolve: (bytes: Uint8Array) => void; reject: (error: Error) => void }>();
  const load = new Array<number>(threads).fill(0);
  let failure: Error | null = null;
  let lastId = 0;
  const fail = (error: Error) => {
    failure ??= error;
    for (const [id, job] of waiting) {
      waiting.delete(id);
      job.reject(failure);
    }
  };
  const workers = Array.from({ length: threads }, (_, index) => {
    // a small young generation: a document's garbage is short-lived, and each thread's heap counts in the RSS
    const worker = new Worker(workerFile, { workerData: { format }, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
    worker.on('message', (reply: RenderReply) => {
      const job = waiting.get(reply.id);
      if (job === undefined) return;
      waiting.delete(reply.id);
      load[index]! -= 1;
      if ('bytes' in reply) job.resolve(reply.bytes);
      else job.reject(rebuilt(reply.error));
    });
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => {
      if (code !== 0) fail(new Error(`a PDF render thread stopped (exit code ${code})`));
    });
    return worker;
  });
  return {
    inFlight: threads * 3,
    render(doc) {
      if (failure !== null) return Promise.reject(failure);
      // the least busy thread: documents differ in length
      const index = load.indexOf(Math.min(...load));
      lastId += 1;
      const id = lastId;
      load[index]! += 1;
      return new Promise<Uint8Array>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        workers[index]!.postMessage({ id, doc } satisfies RenderRequest);
      });
    },
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/** A worker's error as this thread's: a UserError keeps its exit code and hint, anything else is a bug. */
function rebuilt(error: { message: string; exitCode?: ExitCode; hint?: string; stack?: string }): Error {
  if (error.exitCode !== undefined) return new UserError(error.message, { exitCode: error.exitCode, hint: error.hint });
  const bug = new Error(error.message);
  if (error.stack) bug.stack = error.stack;
  return bug;
}
