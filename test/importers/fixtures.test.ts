import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { mapHeaders } from '../../src/core/import/header-mapping.js';
import { sameExceptFormatting } from '../../src/core/kernel/suggest.js';
import type { MemberColumnKey } from '../../src/core/import/template-columns.js';
import { templateColumns } from '../../src/core/import/template-columns.js';
import { openTable } from '../../src/importers/open-table.js';
import type { Cell, Table } from '../../src/importers/types.js';
import { readRows } from './files.js';

// The sample files are what users and the demo see first: they must read cleanly and mean what they claim.

const fixture = (name: string) => path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', name);

type Member = Partial<Record<MemberColumnKey, Cell>> & { row: number; extra: Cell[] };

async function members(table: Table): Promise<Member[]> {
  const mapping = mapHeaders(table.headers, templateColumns, { headerRow: table.headerRow });
  expect(mapping.problems.filter((p) => p.severity === 'error')).toEqual([]);
  return (await readRows(table)).map((raw) => {
    const member: Member = { row: raw.row, extra: raw.cells.slice(table.headers.length) };
    for (const [index, key] of mapping.columns) member[key] = raw.cells[index] ?? null;
    return member;
  });
}

const text = (cell: Cell | undefined): string => {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'string') return cell;
  return cell.kind === 'date' ? cell.date : `=${cell.formula}`;
};

/** A calendar day from a date cell, YYYY-MM-DD, or DD/MM/YYYY text; null when it is not a real day. */
function day(cell: Cell | undefined, order: 'ymd' | 'dmy'): string | null {
  const value = text(cell);
  const parts = order === 'ymd' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(value) : /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(value);
  if (!parts) return null;
  const [y, m, d] = order === 'ymd' ? [parts[1], parts[2], parts[3]] : [parts[3], parts[2], parts[1]];
  const date = new Date(Date.UTC(Number(y), Number(m) - 1, Number(d)));
  const iso = `${y}-${m}-${d}`;
  return date.toISOString().slice(0, 10) === iso ? iso : null;
}

const planNames = ['Hot Desk', 'Fixed Desk', 'Private Office', 'Association Annual'];
const yesNo = ['', 'yes', 'no', 'oui', 'non', 'true', 'false', 'TRUE', 'FALSE', '1', '0'];

/** What the import validator will check, in plain terms, so a sample file cannot drift into an invalid one. */
function expectValid(rows: Member[], order: 'ymd' | 'dmy') {
  const emails = rows.map((m) => text(m.email).toLowerCase()).filter(Boolean);
  expect(new Set(emails).size).toBe(emails.length);
  const byReference = new Map<string, Member>();
  for (const member of rows) {
    byReference.set(text(member.name), member);
    if (text(member.email)) byReference.set(text(member.email).toLowerCase(), member);
  }
  for (const member of rows) {
    const where = `row ${member.row}`;
    expect(text(member.name), where).not.toBe('');
    expect(member.extra.every((cell) => cell === null), where).toBe(true);
    if (text(member.email)) expect(text(member.email), where).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/);
    expect(yesNo, where).toContain(text(member.prorate));
    expect(yesNo, where).toContain(text(member.autoRenew));
    if (text(member.quantity)) expect(text(member.quantity), where).toMatch(/^[1-9]\d*$/);
    if (text(member.planName)) {
      expect(planNames, where).toContain(text(member.planName));
      const start = day(member.startDate, order);
      const next = day(member.nextInvoiceDate, order);
      expect(start, where).not.toBeNull();
      expect(next, where).not.toBeNull();
      expect(next! > start!, where).toBe(true);
      if (text(member.endDate)) expect(day(member.endDate, order)! > start!, where).toBe(true);
    } else {
      expect([member.startDate, member.nextInvoiceDate, member.quantity].map(text), where).toEqual(['', '', '']);
    }
    if (text(member.paidBy)) {
      const payer = byReference.get(text(member.paidBy)) ?? byReference.get(text(member.paidBy).toLowerCase());
      expect(payer, where).toBeDefined();
      expect(payer, where).not.toBe(member);
      // payers pay for themselves: no chains, hence no cycles
      expect(text(payer?.paidBy), where).toBe('');
    }
  }
  const companies = [...new Set(rows.map((m) => text(m.company)).filter(Boolean))];
  for (const a of companies) for (const b of companies) expect(sameExceptFormatting(a, b), `${a} / ${b}`).toBe(false);
}

describe('sample member files', () => {
  test('members-en.csv: English, comma, UTF-8, 25 members with payers, contacts and a custom column', async () => {
    const table = await openTable(fixture('members-en.csv'));
    expect(table).toMatchObject({ format: 'csv', encoding: 'utf-8', delimiter: ',', problems: [] });
    const mapping = mapHeaders(table.headers, templateColumns);
    expect([...mapping.customFields.values()]).toEqual(['Membership number']);
    const rows = await members(table);
    expect(rows).toHaveLength(25);
    expectValid(rows, 'ymd');
    expect(rows.filter((m) => !text(m.planName))).toHaveLength(2);
    expect(new Set(rows.map((m) => text(m.paidBy)).filter(Boolean).map((p) => rows.find((m) => text(m.name) === p || text(m.email) === p)?.name)).size).toBe(3);
    expect(rows.some((m) => text(m.tags).includes(','))).toBe(true);
    expect(new Set(rows.map((m) => text(m.company)).filter(Boolean)).size).toBeGreaterThanOrEqual(4);
  });

  test('membres-fr.csv: French headers, semicolons, Windows-1252, CRLF, day-first dates', async () => {
    const table = await openTable(fixture('membres-fr.csv'));
    expect(table).toMatchObject({ format: 'csv', encoding: 'windows-1252', delimiter: ';' });
    expect(table.problems.map((p) => p.code)).toEqual(['encoding_guess']);
    expect(table.headers).toContain('Date de la prochaine facture');
    const mapping = mapHeaders(table.headers, templateColumns);
    expect([...mapping.customFields.values()]).toEqual(["Numéro d'adhérent"]);
    const rows = await members(table);
    expectValid(rows, 'dmy');
    // a first part above 12 proves the day-first reading; none is above 12 in the month position
    const dates = rows.flatMap((m) => [m.startDate, m.nextInvoiceDate, m.endDate].map(text)).filter(Boolean);
    expect(dates.some((d) => Number(d.slice(0, 2)) > 12)).toBe(true);
    expect(dates.every((d) => Number(d.slice(3, 5)) <= 12)).toBe(true);
    expect(rows.some((m) => text(m.address).includes(';'))).toBe(true);
    expect(text(rows[0]?.name)).toBe('Hélène Garnier');
  });

  test('members.xlsx: date cells, cached formula values and a hidden row', async () => {
    const table = await openTable(fixture('members.xlsx'));
    expect(table).toMatchObject({ format: 'xlsx', sheet: 'Members', problems: [] });
    const rows = await members(table);
    expect(rows).toHaveLength(8);
    expectValid(rows, 'ymd');
    expect(rows.find((m) => m.row === 8)?.name).toBe('Henrik Olsen');
    expect(rows[0]?.startDate).toEqual({ kind: 'date', date: '2025-02-01' });
    expect(rows.find((m) => m.row === 5)?.nextInvoiceDate).toEqual({ kind: 'date', date: '2027-05-12' });
    expect(rows.find((m) => m.row === 3)?.quantity).toBe('1');
    expect(rows.every((m) => typeof m.startDate !== 'string')).toBe(true);
  });

  test('members-broken.csv holds the defects it is meant to show', async () => {
    const table = await openTable(fixture('members-broken.csv'));
    const mapping = mapHeaders(table.headers, templateColumns);
    expect(mapping.problems.map((p) => [p.code, p.column])).toEqual([
      ['unknown_column', 'Notse'],
      ['custom_field', 'Membership number'],
    ]);
    const rows = await members(table);
    const byName = (name: string) => rows.find((m) => text(m.name) === name);
    expect(byName('Ada Lovelace')?.planName).toBe('hot desk');
    expect(byName('Katherine Johnson')?.planName).toBe('Private Ofice');
    expect(text(byName('Alan Turing')?.email)).toContain('@@');
    expect(day(byName('Grace Hopper')?.startDate, 'ymd')).toBeNull();
    expect(text(byName('Linus Pauling')?.nextInvoiceDate) < text(byName('Linus Pauling')?.startDate)).toBe(true);
    expect(text(byName('Rosalind Franklin')?.email).toLowerCase()).toBe(text(byName('Ada Lovelace')?.email));
    expect(rows.some((m) => text(m.paidBy) === 'Zorro Unknown' && !byName('Zorro Unknown'))).toBe(true);
    expect([text(byName('Lise Meitner')?.paidBy), text(byName('Otto Hahn')?.paidBy)]).toEqual(['Otto Hahn', 'Lise Meitner']);
    expect(byName('Emmy Noether')?.extra).toEqual(['oops', 'again']);
    expect(byName('Max Planck')?.quantity).toBe('two');
    expect(byName('Dorothy Hodgkin')?.autoRenew).toBe('maybe');
    expect(sameExceptFormatting(text(byName('Marie Curie')?.company), text(byName('Pierre Curie')?.company))).toBe(true);
    expect(rows.some((m) => !text(m.name))).toBe(true);
    expect(rows.filter((m) => text(m.name) === 'Carl Sagan' && !text(m.email))).toHaveLength(2);
    expect(byName('Richard Feynman')?.nextInvoiceDate).toBeNull();
  });

  test('plans.csv lists the four plans the member files use', async () => {
    const table = await openTable(fixture('plans.csv'));
    expect(table.headers).toEqual(['Name', 'Price', 'Currency', 'Interval', 'Every', 'Tax rate', 'Credits', 'Passes', 'Auto renew']);
    const rows = await readRows(table);
    expect(rows.map((row) => row.cells[0])).toEqual(planNames);
    expect(rows.map((row) => [row.cells[1], row.cells[3], row.cells[5]])).toEqual([
      ['200.00', 'month', '20'],
      ['350.00', 'month', '20'],
      ['1200.00', 'month', '20'],
      ['120.00', 'year', '20'],
    ]);
    expect(rows[0]?.cells.slice(6, 8)).toEqual(['10.00', '2']);
  });
});
