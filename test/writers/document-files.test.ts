import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { writeCii } from '../../src/writers/einvoice/cii.js';
import { writeDocumentFiles } from '../../src/writers/document-files.js';
import { tempDir } from '../helpers/db.js';
import { scenarios } from '../helpers/invoice-documents.js';

const docs = Object.values(scenarios).slice(0, 5);

describe('writing many documents', () => {
  it('writes each whole, 0600, in the order given, with no temporary file left', async () => {
    const dir = tempDir();
    const files = docs.map((doc) => ({ doc, file: path.join(dir, `${doc.number}.xml`) }));
    const seen: string[] = [];
    const written = await writeDocumentFiles('cii', files, (w) => seen.push(w.number));
    expect(written.map((w) => w.number)).toEqual(docs.map((d) => d.number));
    expect(seen.sort()).toEqual(docs.map((d) => d.number).sort());
    for (const { doc, file } of files) {
      expect(fs.readFileSync(file, 'utf8')).toBe(writeCii(doc));
      expect((fs.statSync(file).mode & 0o777).toString(8)).toBe('600');
    }
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('stops at a file it cannot write: those before it stay whole, the error says which, none after it is written', async () => {
    const dir = tempDir();
    const files = docs.map((doc) => ({ doc, file: path.join(dir, `${doc.number}.xml`) }));
    // the third target became a folder after the paths were checked
    fs.mkdirSync(files[2]!.file);
    const failure = await writeDocumentFiles('cii', files).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UserError);
    expect((failure as UserError).exitCode).toBe(73);
    expect((failure as UserError).message).toContain(`${files[2]!.file} is a folder`);
    expect((failure as UserError).message).toContain(`written before it, and whole: ${files[0]!.file}, ${files[1]!.file}`);
    expect(fs.readFileSync(files[0]!.file, 'utf8')).toBe(writeCii(docs[0]!));
    expect(fs.readFileSync(files[1]!.file, 'utf8')).toBe(writeCii(docs[1]!));
    // no document is started after the failure is seen
    expect(fs.existsSync(files[4]!.file)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });
});
