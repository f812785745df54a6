/**
 * Renders documents on worker threads (render-worker.ts) while this thread loads, composes and writes: one worker
 * per core but one, so that this thread keeps a core of its own. Each worker parses the fonts once, keeps its own
 * shaped-word caches and draws one document at a time, with the next one waiting beside it; the others wait here.
 * A worker's heap is bounded (`workerHeapMb`): V8 otherwise lets garbage grow to hundreds of megabytes per thread
 * before collecting it, and every thread's heap counts in the process's memory. A document too large for that heap
 * is drawn in this thread instead, so the bound never costs a document. Each request names its format, so one pool
 * draws plain PDFs and Factur-X alike. Few documents, the XML formats (faster to write than to hand to a thread), a
 * single core or sources run by the test runner (no compiled worker to start) render in this thread.
 */
import fs from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { InvoiceDocument } from '../core/documents/invoice-document.js';
import { type ExitCode, UserError } from '../errors.js';
import { type DocumentFormat, DocumentRenderer } from './document-render.js';

export interface Renderer {
  /** the bytes of `doc` in `format` (the renderer's own format when not given) */
  render(doc: InvoiceDocument, format?: DocumentFormat): Promise<Uint8Array>;
  /** how many documents the caller may have waiting at once */
  readonly inFlight: number;
  /** the worker threads it started (0: it draws in this thread) */
  readonly threads: number;
  /**
   * Done with `bytes` (from `render`): their memory goes back to the thread that drew them, which frees it at its
   * next collection; `bytes` is empty afterwards. This thread allocates little while it writes files, so it would
   * otherwise collect rarely, holding the garbage of some thousand PDFs in between.
   */
  release(bytes: Uint8Array): void;
  close(): Promise<void>;
}

export interface RendererOptions {
  /** render threads (default: one per core but one, at most 3; fewer than 1 renders in this thread) */
  threads?: number;
  /** the compiled render-worker.js (default: the one beside this module, when it exists) */
  workerFile?: URL;
  /** each worker's old generation in MB (default `workerHeapMb`) */
  heapMb?: number;
}

/** The messages of render-worker.ts. */
export type RenderRequest = { id: number; doc: InvoiceDocument; format: DocumentFormat } | { release: ArrayBuffer };
export type RenderReply = { id: number; bytes: Uint8Array } | { id: number; error: { message: string; exitCode?: ExitCode; hint?: string; stack?: string } };

/** Below this many PDFs, starting threads (fonts parsed again on each) costs more than it saves. */
export const workerDocuments = 24;

/**
 * Each worker's old generation, in MB. A worker holds the fonts, its caches (bounded, see invoice-pdf.ts) and the
 * document it draws: some 30 MB; the rest is room for garbage.
 */
export const workerHeapMb = 64;
/** Each worker's young generation, in MB: a document's garbage is short-lived. */
const workerYoungMb = 8;
/** Documents sent to a worker at once: the one it draws and the next, so that it never waits for this thread. */
const perWorker = 2;

const defaultWorkerFile = new URL('./render-worker.js', import.meta.url);

const known = new Map<string, boolean>();
/** The worker's compiled file exists (the test runner runs the TypeScript sources, which a worker cannot load). */
function workerAvailable(file: URL): boolean {
  let exists = known.get(file.href);
  if (exists === undefined) {
    exists = fs.existsSync(file);
    known.set(file.href, exists);
  }
  return exists;
}

/** A renderer for `count` documents, of `format` unless a request names another: on workers when that pays, else in this thread. */
export async function startRenderer(format: DocumentFormat, count: number, options: RendererOptions = {}): Promise<Renderer> {
  const threads = options.threads ?? Math.min(os.availableParallelism() - 1, 3);
  const workerFile = options.workerFile ?? defaultWorkerFile;
  const pdf = format === 'pdf' || format === 'facturx';
  if (!pdf || count < workerDocuments || threads < 1 || !workerAvailable(workerFile)) return inThread(format);
  return workerPool(format, threads, workerFile, options.heapMb ?? workerHeapMb);
}

function inThread(format: DocumentFormat): Renderer {
  const renderer = new DocumentRenderer(format);
  return { render: (doc, as) => renderer.render(doc, as), inFlight: 1, threads: 0, release: () => {}, close: async () => {} };
}

interface Job {
  id: number;
  doc: InvoiceDocument;
  format: DocumentFormat;
  resolve: (bytes: Uint8Array) => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  /** the jobs sent to it and not answered, by id */
  jobs: Map<number, Job>;
  /** it ran out of heap (or was closed): it takes no more jobs */
  gone: boolean;
}

function workerPool(format: DocumentFormat, threads: number, workerFile: URL, heapMb: number): Renderer {
  const queue: Job[] = [];
  let fallback: DocumentRenderer | null = null;
  let failure: Error | null = null;
  let closing = false;
  let lastId = 0;

  const fail = (error: Error) => {
    failure ??= error;
    for (const thread of pool) {
      for (const job of thread.jobs.values()) job.reject(failure);
      thread.jobs.clear();
    }
    for (const job of queue.splice(0)) job.reject(failure);
  };
  /** In this thread: what a worker could not draw within its heap, and everything once no worker is left. */
  const drawHere = (job: Job) => {
    fallback ??= new DocumentRenderer(format);
    fallback.render(job.doc, job.format).then(job.resolve, job.reject);
  };
  const dispatch = () => {
    const live = pool.filter((t) => !t.gone);
    if (live.length === 0) {
      for (const job of queue.splice(0)) drawHere(job);
      return;
    }
    while (queue.length > 0) {
      // the least busy thread: documents differ in length
      const thread = live.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
      if (thread.jobs.size >= perWorker) return;
      const job = queue.shift()!;
      thread.jobs.set(job.id, job);
      thread.worker.postMessage({ id: job.id, doc: job.doc, format: job.format } satisfies RenderRequest);
    }
  };

  const pool: Thread[] = Array.from({ length: threads }, () => {
    const worker = new Worker(workerFile, { resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: workerYoungMb } });
    const thread: Thread = { worker, jobs: new Map(), gone: false };
    worker.on('message', (reply: RenderReply) => {
      const job = thread.jobs.get(reply.id);
      if (job === undefined) return;
      thread.jobs.delete(reply.id);
      if ('bytes' in reply) job.resolve(reply.bytes);
      else job.reject(rebuilt(reply.error));
      dispatch();
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (error.code !== 'ERR_WORKER_OUT_OF_MEMORY') return fail(error);
      // a document larger than the worker's heap: the documents it had are drawn here, the other workers go on
      thread.gone = true;
      const orphans = [...thread.jobs.values()];
      thread.jobs.clear();
      for (const job of orphans) drawHere(job);
      dispatch();
    });
    worker.on('exit', (code) => {
      if (code !== 0 && !thread.gone && !closing) fail(new Error(`a PDF render thread stopped (exit code ${code})`));
    });
    return thread;
  });

  return {
    inFlight: threads * 3,
    threads,
    render(doc, as = format) {
      if (failure !== null) return Promise.reject(failure);
      lastId += 1;
      const id = lastId;
      return new Promise<Uint8Array>((resolve, reject) => {
        queue.push({ id, doc, format: as, resolve, reject });
        dispatch();
      });
    },
    release(bytes) {
      // any live thread frees it as well as another
      const thread = pool.find((t) => !t.gone);
      const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
      if (thread === undefined || !whole || bytes.buffer instanceof SharedArrayBuffer) return;
      thread.worker.postMessage({ release: bytes.buffer } satisfies RenderRequest, [bytes.buffer]);
    },
    async close() {
      closing = true;
      await Promise.all(pool.map((t) => t.worker.terminate()));
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
