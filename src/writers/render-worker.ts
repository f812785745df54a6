/**
 * A render thread of render-pool.ts: renders each document it is sent in the format it was started for and sends
 * the bytes back (transferred, not copied), or the error that stopped it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { type DocumentFormat, DocumentRenderer } from './document-render.js';
import type { RenderReply, RenderRequest } from './render-pool.js';

const port = parentPort!;
const renderer = new DocumentRenderer((workerData as { format: DocumentFormat }).format);

port.on('message', async ({ id, doc }: RenderRequest) => {
  let reply: RenderReply;
  try {
    const rendered = await renderer.render(doc);
    // only a buffer of its own can be transferred (small Buffers share a pool)
    const bytes = rendered.byteOffset === 0 && rendered.byteLength === rendered.buffer.byteLength ? rendered : rendered.slice();
    reply = { id, bytes };
    port.postMessage(reply, [bytes.buffer as ArrayBuffer]);
    return;
  } catch (error) {
    reply =
      error instanceof UserError
        ? { id, error: { message: error.message, exitCode: error.exitCode, hint: error.hint } }
        : { id, error: { message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined } };
  }
  port.postMessage(reply);
});
