// The rows of a large sheet cross from the worker thread as one string each (xlsx.ts `postedRow`): every kind of
// cell comes back as it was, and a row whose text holds one of the marker characters crosses as it is.
import { describe, expect, it } from 'vitest';
import type { RawRow } from '../../src/importers/types.js';
import { postedRow, receivedRow } from '../../src/importers/xlsx.js';

describe('rows posted by the xlsx worker', () => {
  it.each<[string, RawRow]>([
    ['text and empty cells', { row: 2, cells: ['Élodie', null, 'elodie@exemple.fr', null, '🥇'] }],
    ['no cell', { row: 7, cells: [] }],
    ['a date and formulas', { row: 1048576, cells: [{ kind: 'date', date: '2025-01-31' }, { kind: 'formula', formula: 'A1&B1' }, { kind: 'formula', formula: '' }, 'x'] }],
    ['one empty cell', { row: 3, cells: [null] }],
  ])('%s', (_, row) => {
    const posted = postedRow(row);
    expect(typeof posted).toBe('string');
    expect(receivedRow(posted)).toEqual(row);
  });

  it.each(['a\u0000b', '\u0001 looks like a date', '\u0002 looks like a formula'])('a cell holding %j crosses as the row itself', (text) => {
    const row: RawRow = { row: 5, cells: ['before', text, null] };
    expect(postedRow(row)).toBe(row);
    expect(receivedRow(postedRow(row))).toEqual(row);
  });
});
