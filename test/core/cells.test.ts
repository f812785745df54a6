import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { textCell } from '../../src/importers/rows.js';
import { csvCell, formulaSafe, withoutFormulaGuard } from '../../src/writers/cells.js';

describe('the shared cell writer', () => {
  it.each([
    ['=1+2', "'=1+2"],
    ['+33 6 12 34 56 78', "'+33 6 12 34 56 78"],
    ['-x', "'-x"],
    ['-2+3', "'-2+3"],
    ['@SUM(1)', "'@SUM(1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "'\rcmd"],
    ["'=already", "''=already"],
    ['-12.50', '-12.50'],
    ['-3', '-3'],
    ['-1,5', '-1,5'],
    ['Jane', 'Jane'],
    ["'t Hooft", "'t Hooft"],
    ['', ''],
  ])('writes %j as %j in CSV', (value, written) => {
    expect(formulaSafe(value)).toBe(written);
    expect(csvCell(value)).toBe(written);
  });

  it('keeps numbers as numbers and dates as days', () => {
    expect(csvCell(-12.5)).toBe(-12.5);
    expect(csvCell(new Date('2026-03-01T00:00:00Z'))).toBe('2026-03-01');
    expect(csvCell(null)).toBe('');
  });

  it('what it writes reads back as the value it was given', () => {
    const formulaChars = fc.constantFrom('=', '+', '-', '@', '\t', '\r', "'", 'a', '1', '.', ' ');
    const text = fc.oneof(fc.string(), fc.array(formulaChars, { maxLength: 8 }).map((chars) => chars.join('')));
    fc.assert(
      fc.property(text, (value) => {
        expect(withoutFormulaGuard(formulaSafe(value))).toBe(value);
        // and the written text never starts a formula
        expect(/^[=+\-@\t\r]/.test(formulaSafe(value)) && !/^-\d+([.,]\d+)?$/.test(value)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('the readers take the guard off a cell (trimmed as ever)', () => {
    expect(textCell("'=1+2")).toBe('=1+2');
    expect(textCell("  '@bad  ")).toBe('@bad');
    expect(textCell("''=x")).toBe("'=x");
    expect(textCell("'t Hooft")).toBe("'t Hooft");
    expect(textCell("'")).toBe("'");
  });
});
