// The amounts of a camt statement, read exactly in minor units of their currency, and those that are not amounts
// refused with the line that holds them.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCamt } from '../../src/importers/bank/camt.js';
import { camt } from '../helpers/bank.js';
import { tempDir } from '../helpers/db.js';

async function amounts(amount: string, currency = 'EUR'): Promise<number[]> {
  const file = path.join(tempDir(), 'statement.xml');
  fs.writeFileSync(file, camt([{ date: '2026-03-02', amount, reference: 'R1', remittance: 'INV-2026-00001', currency }], { currency }));
  const read: number[] = [];
  for await (const entry of readCamt('statement.xml', file, 'utf-8', 0)) read.push(entry.amount);
  return read;
}

describe('camt amounts', () => {
  it.each([
    ['49.90', 'EUR', 4990],
    ['49.9', 'EUR', 4990],
    ['0.05', 'EUR', 5],
    ['1250', 'EUR', 125000],
    ['007.10', 'EUR', 710],
    ['1500', 'JPY', 1500],
    ['12.345', 'KWD', 12345],
    ['99999999999.99', 'EUR', 9999999999999],
  ])('%s %s is %i minor units', async (text, currency, expected) => {
    expect(await amounts(text, currency)).toEqual([expected]);
  });

  it.each(['49.905', '-49.90', '49,90', '1 250.00', '4.99e1', '.50'])('"%s" is refused, naming its line', async (text) => {
    await expect(amounts(text)).rejects.toThrow(/statement\.xml, line \d+: the <Amt> of <Ntry> is ".*", not an amount in EUR/);
  });

  it('refuses a decimal in a currency without minor units', async () => {
    await expect(amounts('1500.5', 'JPY')).rejects.toThrow(/not an amount in JPY/);
  });
});
