import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entryJson, entryJsonText } from '../../src/commands/payments-import.js';
import type { ImportedEntry } from '../../src/core/bank/statement-import.js';
import { jsonDocumentPieces, listItemJson } from '../../src/writers/json-document.js';

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('INV-2026-00012', 'a "quoted" \\ label\n', '\u2028', '\ud800', 'é €'));
const entry = fc.record<ImportedEntry>({
  key: fc.string(),
  at: fc.string(),
  date: text,
  amount: fc.integer({ min: 0, max: 10 ** 12 }),
  currency: fc.constantFrom('EUR', 'JPY', 'BHD', 'CHF'),
  direction: fc.constantFrom('credit', 'debit'),
  reference: fc.option(text),
  label: text,
  debtor: fc.option(text),
  status: fc.constantFrom('matched', 'suggested', 'unmatched', 'duplicate', 'debit', 'returned'),
  invoice: fc.option(text),
  payment: fc.option(fc.integer({ min: 1 })),
  note: fc.option(text),
});

describe('payments import --json: an entry written field by field', () => {
  it('is the text JSON.stringify gives of its --json shape', () => {
    fc.assert(
      fc.property(entry, (e) => {
        expect(entryJsonText(e)).toBe(listItemJson(entryJson(e)));
      }),
      { numRuns: 2000 },
    );
  });

  it('makes the document JSON.stringify gives', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 20 }), (entries) => {
        const document = { file: 'statement.xml', format: 'camt053', dryRun: false, entries: [], counts: { matched: entries.length } };
        const written = [...jsonDocumentPieces(document, 'entries', entries, entryJsonText)].join('');
        expect(written).toBe(`${JSON.stringify({ ...document, entries: entries.map(entryJson) }, null, 2)}\n`);
      }),
    );
  });
});
