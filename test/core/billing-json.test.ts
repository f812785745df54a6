import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonText } from '../../src/commands/invoices.js';

describe('the --json document of a run, written in pieces', () => {
  it('is exactly JSON.stringify(value, null, 2), long arrays included', () => {
    const longArray = fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 17, maxLength: 40 });
    const document = fc.dictionary(fc.string(), fc.oneof(fc.jsonValue({ maxDepth: 3 }), longArray, fc.dictionary(fc.string(), longArray)));
    fc.assert(
      fc.property(fc.oneof(document, longArray, fc.jsonValue()), (value) => {
        expect(jsonText(value)).toBe(JSON.stringify(value, null, 2));
      }),
    );
  });
});
