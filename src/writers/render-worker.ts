/**
 * A render thread of render-pool.ts: renders each document it is sent, in the format the request names, one after
 * the other (two drawn at once would only hold both in memory), and sends the bytes back (transferred, not copied),
 * or the error that stopped it.
 */
import { parentPort } from 'node:worker_threads';
import { UserError } from '../errors.js';
import { DocumentRenderer } from './document-render.js';
import type { RenderReply, RenderRequest } from './render-pool.js';

const port = parentPort!;
const renderer = new DocumentRenderer('pdf');
let previous: Promise<void> = Promise.resolve();

port.on('message', (request: RenderRequest) => {
  // bytes the main thread is done with: dropped here, freed at this thread's next collection
  if ('release' in request) return;
  previous = previous.then(() => reply(request));
});

/** Never rejects: an error is the reply. */
async function reply({ id, doc, format }: Extract<RenderRequest, { id: number }>): Promise<void> {
  let answer: RenderReply;
  try {
    const rendered = await renderer.render(doc, format);
    // only a buffer of its own can be transferred (small Buffers share a pool)
    const bytes = rendered.byteOffset === 0 && rendered.byteLength === rendered.buffer.byteLength ? rendered : rendered.slice();
    answer = { id, bytes };
    port.postMessage(answer, [bytes.buffer as ArrayBuffer]);
    return;
  } catch (error) {
    answer =
      error instanceof UserError
        ? { id, error: { message: error.message, exitCode: error.exitCode, hint: error.hint } }
        : { id, error: { message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined } };
  }
  port.postMessage(answer);
}
