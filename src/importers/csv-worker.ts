/**
 * The worker thread that parses a large CSV file for csv.ts (see csv-records.ts and worker-batches.ts): it posts the
 * records in batches, each record's cells joined by NUL (one string per record is much cheaper to pass than an
 * array of cells), or the cells themselves when one holds a NUL.
 */
import { workerData } from 'node:worker_threads';
import { type CsvSource, parseRecords } from './csv-records.js';
import { postBatches } from './worker-batches.js';

/** Records per batch: a message per record would cost more than parsing it. */
const batchRecords = 1000;

await postBatches(parseRecords(workerData as CsvSource), (record) => (record.some((cell) => cell.includes('\u0000')) ? record : record.join('\u0000')), batchRecords);
