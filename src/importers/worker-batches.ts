/**
 * Reading a large file on a worker thread while the caller works on the rows already read: the worker posts what it
 * reads in batches, at most a few ahead of the batches the caller has taken (so memory stays bounded), then the end
 * of the file or the failure that stopped it. Used by the CSV reader (csv-worker.ts) and the xlsx reader
 * (xlsx-worker.ts). Kept to node:worker_threads so that the workers load no more than they need.
 */
import fs from 'node:fs';
import { parentPort, Worker } from 'node:worker_threads';

/** A reading error as it crosses from the worker thread: its code (a parser's, or the system's) and message. */
export interface ReadFailure {
  code?: unknown;
  message: string;
  /** what a UserError thrown in the worker holds besides its message, for the caller to throw it again */
  userError?: { hint: string | undefined; exitCode: number | undefined; problemCode: string | undefined };
}

/** Messages from a worker: batches, then the end or a failure. */
export type WorkerMessage<B> = { batch: B[] } | { end: true } | { failure: ReadFailure };

const built = new Map<string, boolean>();

/**
 * Whether the worker's compiled file exists (looked for once): the test runner runs the TypeScript sources, which a
 * worker thread cannot load, so readers then read in their own thread.
 */
export function workerBuilt(workerFile: URL): boolean {
  let found = built.get(workerFile.href);
  if (found === undefined) {
    found = fs.existsSync(workerFile);
    built.set(workerFile.href, found);
  }
  return found;
}

/** Batches a worker may send ahead of the ones the reader has taken. */
const workerCredit = 4;

/**
 * In the worker: posts `items`, each as `encode` makes it, in batches of `batchSize`, then the end, or the failure
 * after the items read before it (the caller numbers the failing item after them).
 */
export async function postBatches<T, B>(items: AsyncIterable<T>, encode: (item: T) => B, batchSize: number): Promise<void> {
  const port = parentPort!;
  let credit = workerCredit;
  let resume: (() => void) | null = null;
  port.on('message', () => {
    credit += 1;
    resume?.();
  });
  const post = async (message: WorkerMessage<B>) => {
    while (credit === 0) {
      await new Promise<void>((resolve) => {
        resume = resolve;
      });
      resume = null;
    }
    credit -= 1;
    port.postMessage(message);
  };
  let batch: B[] = [];
  try {
    for await (const item of items) {
      batch.push(encode(item));
      if (batch.length === batchSize) {
        await post({ batch });
        batch = [];
      }
    }
    if (batch.length > 0) await post({ batch });
    port.postMessage({ end: true } satisfies WorkerMessage<B>);
  } catch (error) {
    if (batch.length > 0) await post({ batch });
    const { name, code, message, hint, exitCode, problemCode } = error as Record<string, unknown>;
    const failure: ReadFailure = { code, message: String(message ?? error) };
    if (name === 'UserError') {
      const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
      failure.userError = { hint: text(hint), exitCode: typeof exitCode === 'number' ? exitCode : undefined, problemCode: text(problemCode) };
    }
    port.postMessage({ failure } satisfies WorkerMessage<B>);
  }
  port.close();
}

/**
 * In the caller: what the worker at `workerFile` posts, batch after batch, item by item. A failure is thrown as
 * `failed` makes it; the worker is stopped when the caller stops iterating.
 */
export async function* fromWorker<B>(workerFile: URL, workerData: unknown, what: string, failed: (failure: ReadFailure) => Error): AsyncGenerator<B> {
  const worker = new Worker(workerFile, { workerData });
  const inbox: WorkerMessage<B>[] = [];
  let wake: (() => void) | null = null;
  const deliver = (message: WorkerMessage<B>) => {
    inbox.push(message);
    wake?.();
  };
  worker.on('message', deliver);
  worker.on('error', (error) => deliver({ failure: { message: error.message } }));
  worker.on('exit', (code) => deliver(code === 0 ? { end: true } : { failure: { message: `the ${what} reader stopped (exit code ${code})` } }));
  try {
    for (;;) {
      const message = inbox.shift();
      if (message === undefined) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
        continue;
      }
      if ('end' in message) return;
      if ('failure' in message) throw failed(message.failure);
      worker.postMessage('next');
      yield* message.batch;
    }
  } finally {
    await worker.terminate();
  }
}
