import fs from 'node:fs';
import os from 'node:os';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProblemList } from '../../src/core/kernel/problem-list.js';
import { type Problem, problem } from '../../src/core/kernel/problems.js';
import { jsonDocumentPieces } from '../../src/writers/json-document.js';

const spilled = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(`memberctl-problems-${process.pid}-`));

/** What the list must give: every problem, file-level ones first, then by row, in the order added within a row. */
const fileOrder = (problems: Problem[]) => problems.map((p, i) => ({ p, i })).sort((a, b) => (a.p.row ?? -1) - (b.p.row ?? -1) || a.i - b.i).map(({ p }) => p);

const characters = fc.constantFrom('a', 'é', 'Ø', '中', '😀', '"', '\\', '\n', '\u0001');
const arbitraryProblem = fc.record({
  row: fc.option(fc.integer({ min: 1, max: 40 }), { nil: null, freq: 8 }),
  text: fc.array(characters, { maxLength: 30 }).map((c) => c.join('')),
  error: fc.boolean(),
});
const toProblem = (p: { row: number | null; text: string; error: boolean }, i: number): Problem =>
  problem({ row: p.row, column: 'Name', value: p.text, code: p.error ? 'duplicate_member' : 'possible_duplicate', severity: p.error ? 'error' : 'warning', message: `#${i} ${p.text}` });

describe('a list of problems in bounded memory', () => {
  it('gives every problem in file order, however many runs went to the temporary file', () => {
    fc.assert(
      fc.property(fc.array(arbitraryProblem, { maxLength: 120 }), fc.integer({ min: 1, max: 9 }), (drawn, runSize) => {
        const problems = drawn.map(toProblem);
        const list = new ProblemList(problems, { runSize });
        try {
          expect([...list]).toEqual(fileOrder(problems));
          expect(list.size).toBe(problems.length);
          expect(list.errors).toBe(problems.filter((p) => p.severity === 'error').length);
          expect(list.warnings).toBe(problems.filter((p) => p.severity === 'warning').length);
          expect(list.first(5)).toEqual(fileOrder(problems).slice(0, 5));
        } finally {
          list.dispose();
        }
      }),
    );
  });

  it('can be read again, and takes more problems between two readings', () => {
    const list = new ProblemList<Problem>([], { runSize: 3 });
    const added: Problem[] = [];
    const add = (row: number | null, message: string) => {
      const p = problem({ row, code: 'required', severity: 'error', message });
      added.push(p);
      list.add(p);
    };
    for (let i = 0; i < 10; i += 1) add(10 - i, `first ${i}`);
    expect([...list]).toEqual(fileOrder(added));
    add(1, 'late, on row 1');
    add(null, 'late, for the file');
    for (let i = 0; i < 7; i += 1) add(5, `second ${i}`);
    expect([...list]).toEqual(fileOrder(added));
    expect([...list]).toEqual(fileOrder(added));
    expect(list.counts).toEqual([['required', 19]]);
    list.dispose();
  });

  it('keeps characters whole across the reads of a run, and leaves no file behind', () => {
    // runs far larger than one read of the file: lines of characters of 1 to 4 bytes cross every read boundary
    const problems = Array.from({ length: 3000 }, (_, i) => problem({ row: 3000 - i, code: 'invalid_value', severity: 'warning', message: `Zoë 中文 😀 ${'é'.repeat(i % 97)}` }));
    const list = new ProblemList(problems, { runSize: 700 });
    expect(spilled()).toEqual([]);
    expect([...list]).toEqual(fileOrder(problems));
    expect(list.fileErrors).toBe(0);
    list.dispose();
    expect(spilled()).toEqual([]);
  });

  it('counts the errors of the whole file apart from those of rows', () => {
    const list = new ProblemList([
      problem({ code: 'unreadable_file', severity: 'error', message: 'cannot be read' }),
      problem({ row: 1, column: 'Emial', code: 'missing_column', severity: 'error', message: 'no Email column' }),
      problem({ row: 2, code: 'required', severity: 'error', message: 'no name' }),
      problem({ row: 1, code: 'unknown_column', severity: 'warning', message: 'unknown' }),
    ]);
    expect([list.errors, list.warnings, list.fileErrors]).toEqual([3, 1, 2]);
  });
});

describe('a JSON document written a piece at a time', () => {
  it('is the text JSON.stringify gives, with the list in place', () => {
    fc.assert(
      fc.property(fc.array(fc.jsonValue(), { maxLength: 30 }), fc.dictionary(fc.string().filter((k) => k !== 'list' && k !== '__proto__'), fc.jsonValue(), { maxKeys: 4 }), fc.boolean(), (items, rest, before) => {
        const document = before ? { list: null, ...rest } : { ...rest, list: null };
        const text = [...jsonDocumentPieces(document, 'list', items)].join('');
        expect(text).toBe(`${JSON.stringify({ ...document, list: items }, null, 2)}\n`);
      }),
    );
  });

  it('comes in pieces of bounded size for a long list', () => {
    const items = Array.from({ length: 20_000 }, (_, i) => ({ row: i, message: `problem ${i}` }));
    const pieces = [...jsonDocumentPieces({ file: 'a.csv', problems: [] }, 'problems', items)];
    expect(pieces.length).toBeGreaterThan(10);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(70_000);
    expect(JSON.parse(pieces.join('')).problems).toEqual(items);
  });
});
