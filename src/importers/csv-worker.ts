/**
 * The worker thread that parses a large CSV file for csv.ts (see csv-records.ts): it posts the records in batches,
 * at most a few ahead of the batches the reader has taken, then the end of the file or the failure that stopped it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { type CsvSource, parseRecords, type RecordBatch, type WorkerMessage, workerCredit } from './csv-records.js';

/** Records per batch: a message per record would cost more than parsing it. */
const batchRecords = 1000;

const port = parentPort!;
let credit = workerCredit;
let resume: (() => void) | null = null;
port.on('message', () => {
  credit += 1;
  resume?.();
});
const post = async (message: WorkerMessage) => {
  while (credit === 0) {
    await new Promise<void>((resolve) => {
      resume = resolve;
    });
    resume = null;
  }
  credit -= 1;
  port.postMessage(message);
};

let batch: RecordBatch = [];
try {
  for await (const record of parseRecords(workerData as CsvSource)) {
    // one string per record is much cheaper to pass than an array of cells
    batch.push(record.some((cell) => cell.includes('\u0000')) ? record : record.join('\u0000'));
    if (batch.length === batchRecords) {
      await post({ batch });
      batch = [];
    }
  }
  if (batch.length > 0) await post({ batch });
  port.postMessage({ end: true } satisfies WorkerMessage);
} catch (error) {
  // the records read before the failure come first: the reader numbers the failing one after them
  if (batch.length > 0) await post({ batch });
  const { code, message } = error as { code?: unknown; message?: unknown };
  port.postMessage({ failure: { code, message: String(message ?? error) } } satisfies WorkerMessage);
}
port.close();
