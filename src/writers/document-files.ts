/**
 * Writes documents to their files: each is rendered (on the render workers when there are many, see
 * render-pool.ts), then written to a temporary file beside its target, synced and renamed into place
 * (safe-file.ts), so a file is whole or absent. A few files are written at once: syncing one waits on the disk, and
 * the disk takes several syncs in about the time of one. A failure stops the batch: no further document is
 * started, those being written finish, the files written stay, whole, and the error says how many they are.
 */
import path from 'node:path';
import type { InvoiceDocument } from '../core/documents/invoice-document.js';
import { UserError } from '../errors.js';
import { syncFolder, writeBytesOutput } from '../safe-file.js';
import type { DocumentFormat } from './document-render.js';
import { startRenderer } from './render-pool.js';

export interface DocumentFile {
  doc: InvoiceDocument;
  file: string;
}

export interface WrittenDocument {
  number: string;
  file: string;
  format: DocumentFormat;
}

/** Files written at once (libuv runs four file system calls at a time). */
const parallelWrites = 4;

/** What the error of a failed batch adds: the files already written, which stay. */
function writtenBefore(written: readonly WrittenDocument[]): string {
  if (written.length === 0) return '; no file was written';
  if (written.length <= 3) return `; written before it, and whole: ${written.map((w) => w.file).join(', ')}`;
  return `; ${written.length} files were written before it, whole (${written[0]!.file} to ${written.at(-1)!.file})`;
}

/**
 * Renders and writes `files`, calling `onWritten` after each; returns them in the order given. At most a few
 * documents per render thread and `parallelWrites` files are in flight, so memory stays flat however many there are.
 */
export async function writeDocumentFiles(
  format: DocumentFormat,
  files: readonly DocumentFile[],
  onWritten: (written: WrittenDocument) => void = () => {},
): Promise<WrittenDocument[]> {
  const renderer = await startRenderer(format, files.length);
  const done: Array<WrittenDocument | undefined> = [];
  const writing = new Set<Promise<void>>();
  const rendering: Array<Promise<Uint8Array>> = [];
  let failure: unknown = null;
  let next = 0;
  const fill = () => {
    while (next < files.length && rendering.length < renderer.inFlight) {
      const bytes = renderer.render(files[next]!.doc);
      // awaited in order below; a rejection is seen there, not as an unhandled one meanwhile
      bytes.catch(() => {});
      rendering.push(bytes);
      next += 1;
    }
  };
  try {
    for (const [index, { doc, file }] of files.entries()) {
      fill();
      const bytes = await rendering.shift()!;
      while (writing.size >= parallelWrites) await Promise.race(writing);
      if (failure !== null) break;
      const write = writeBytesOutput(file, '-o', bytes, { syncFolder: false })
        .then(
          () => {
            const entry = { number: doc.number, file, format };
            done[index] = entry;
            onWritten(entry);
          },
          (error: unknown) => {
            failure ??= error;
          },
        )
        .finally(() => renderer.release(bytes));
      writing.add(write);
      write.finally(() => writing.delete(write));
    }
  } catch (error) {
    failure ??= error;
  } finally {
    await Promise.all(writing);
    await renderer.close();
    // each file was synced before its rename; the renames are made durable once per folder
    for (const folder of new Set(files.map((f) => path.dirname(path.resolve(f.file))))) syncFolder(folder);
  }
  const written = done.filter((w): w is WrittenDocument => w !== undefined);
  if (failure !== null) {
    if (failure instanceof UserError) throw new UserError(`${failure.message}${writtenBefore(written)}`, { exitCode: failure.exitCode, hint: failure.hint });
    throw failure;
  }
  return written;
}
