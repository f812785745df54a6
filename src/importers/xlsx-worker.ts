/**
 * The worker thread that reads a large xlsx sheet for xlsx.ts (see worker-batches.ts): it inflates and parses the
 * sheet and posts its rows in batches, each row as one string (`postedRow`).
 */
import { workerData } from 'node:worker_threads';
import { postBatches } from './worker-batches.js';
import { postedRow, readSheet, type SheetSource } from './xlsx.js';

/** Rows per batch: a message per row would cost more than reading it. */
const batchRows = 1000;

await postBatches(readSheet(workerData as SheetSource), postedRow, batchRows);
