import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { validateEn16931, xpathValues } from '../helpers/einvoice.js';
import { noStackTrace, runExpecting } from '../helpers/errors.js';
import { PdfProbe } from '../helpers/poppler.js';
import { gapless } from '../db/invoicing-fixtures.js';

const identity = [
  'org', 'set', '--name', 'Coworking Lumière', '--address', '12 rue de la République', '--postcode', '69001', '--city', 'Lyon',
  '--siren', '732829320', '--vat-id', 'FR44732829320', '--email', 'contact@lumiere.example', '--iban', 'FR7630006000011234567890189', '--bic', 'AGRIFRPP',
];

const slow = { timeout: 300_000 };

describe.each(dialects)('partial credit notes from the built CLI on %s', (dialect) => {
  it('credits days of a paid line, then the unused days after an end, then voids the rest: the credit notes add up to the invoice', slow, async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const ok = (args: string[], code = 0, today = '2026-03-05') => runExpecting(db, ['--today', today, ...args], code);
    await ok(identity);
    await ok(['plans', 'add', 'Hot Desk', '--price', '100', '--tax-rate', '20']);
    await ok(['members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org']);
    await ok(['memberships', 'add', 'ann@example.org', '--plan', 'Hot Desk', '--start', '2026-03-01']);
    await ok(['invoices', 'run'], 0, '2026-03-01');
    await ok(['payments', 'record', 'INV-2026-00001', '--amount', '120', '--method', 'transfer']);
    expect((await ok(['invoices', 'show', 'INV-2026-00001'])).stdout).toMatch(/^\s*#\s+member/m);

    // 11 of the 31 days: 10000 x 11 / 31 = 3548.39 -> 35.48, tax 7.096 -> 7.10; all of it was paid: 42.58 of credit
    const credited = (await ok(['invoices', 'credit', 'inv-2026-00001', '--line', '1', '--days', '11', '--reason', 'left on the 20th', '--json'])).json();
    expect(credited.creditNote).toEqual({ number: 'CN-2026-00001', invoice: 'INV-2026-00001', date: '2026-03-05', currency: 'EUR', net: '-35.48', tax: '-7.10', total: '-42.58', reason: 'left on the 20th', line: 1, days: 11 });
    expect(credited.moneyCredit).toBe('42.58');
    expect([credited.invoice.status, credited.invoice.paid, credited.invoice.credited, credited.invoice.lines[0].credited]).toEqual(['paid', '120.00', '42.58', '35.48']);
    expect((await ok(['credits', 'show', 'ann@example.org', '--json'])).json().money.balance).toBe('42.58');

    const over = await ok(['invoices', 'credit', 'INV-2026-00001', '--line', '1', '--amount', '80', '--reason', 'too much'], 65);
    expect(over.stderr).toContain('line 1 of invoice INV-2026-00001 has 64.52 EUR net left to credit (of 100.00 EUR); 80.00 EUR is more');
    noStackTrace(over.stderr);
    expect((await ok(['invoices', 'credit', 'INV-2026-00001', '--line', '1', '--reason', 'no amount'], 64)).stderr).toContain('give --amount A or --days D');
    expect((await ok(['invoices', 'credit', 'INV-2026-00001', '--line', '2', '--amount', '1', '--reason', 'x'], 65)).stderr).toContain('has no line 2');

    // its documents: type 381, naming the invoice (BT-25), one line for the last 11 days
    for (const format of ['cii', 'ubl'] as const) {
      const file = path.join(dir, `CN-1-${format}.xml`);
      await ok(['invoices', 'einvoice', 'CN-2026-00001', '--format', format, '-o', file]);
      const xml = fs.readFileSync(file, 'utf8');
      expect(validateEn16931(xml, format), format).toEqual([]);
      // its reason is the document's note (BT-22)
      expect(xpathValues(xml, "/*/*[local-name()='ExchangedDocument']/*[local-name()='IncludedNote']/*[local-name()='Content'] | /*/*[local-name()='Note']"), format).toEqual(['left on the 20th']);
      if (format === 'cii') {
        expect(xpathValues(xml, '//*[local-name()="TypeCode" and parent::*[local-name()="ExchangedDocument"]]')).toEqual(['381']);
        expect(xpathValues(xml, '//*[local-name()="InvoiceReferencedDocument"]/*[local-name()="IssuerAssignedID"]')).toEqual(['INV-2026-00001']);
        expect(xpathValues(xml, '//*[local-name()="GrandTotalAmount"]')).toEqual(['42.58']);
      }
    }
    await ok(['invoices', 'pdf', 'CN-2026-00001', '-o', path.join(dir, 'CN-1.pdf')]);
    expect(fs.readFileSync(path.join(dir, 'CN-1.pdf')).subarray(0, 5).toString()).toBe('%PDF-');
    const pdf = new PdfProbe(fs.readFileSync(path.join(dir, 'CN-1.pdf')));
    expect(pdf.rawText().replace(/\s+/g, ' ')).toContain('Motif : left on the 20th');
    pdf.remove();
    expect((await ok(['invoices', 'show', 'CN-2026-00001'])).stdout).toContain('credit note of 2026-03-05 crediting 11 days of line 1 of invoice INV-2026-00001: left on the 20th');
    const mail = (await ok(['mail', 'preview', 'credit_note', '--invoice', 'CN-2026-00001'])).stdout;
    expect(mail).toContain('qui porte sur une partie de la facture INV-2026-00001 (left on the 20th).');

    // the membership ends on the 15th: 16 unused days, of which 11 are credited already: 5 more, 16.13 + 3.23
    const set = (await ok(['memberships', 'set', '1', '--end', '2026-03-15', '--credit-unused', '--json'], 0, '2026-03-06')).json();
    expect(set.endDate).toBe('2026-03-15');
    expect(set.creditNotes).toEqual([{ number: 'CN-2026-00002', invoice: 'INV-2026-00001', line: 1, days: 5, total: '-19.36', currency: 'EUR' }]);
    const again = await ok(['memberships', 'set', '1', '--end', '2026-03-15', '--credit-unused'], 0, '2026-03-06');
    expect(again.stderr).toContain('nothing to credit');
    expect((await ok(['memberships', 'set', '1', '--credit-unused'], 64)).stderr).toContain('--credit-unused goes with --end DATE');

    // void credits what is left: 100.00 - 35.48 - 16.13 = 48.39 net, 20.00 - 7.10 - 3.23 = 9.67 tax
    const voided = (await ok(['invoices', 'void', 'INV-2026-00001', '--reason', 'closed', '--json'], 0, '2026-03-07')).json();
    expect([voided.creditNote.number, voided.creditNote.net, voided.creditNote.tax, voided.creditNote.total]).toEqual(['CN-2026-00003', '-48.39', '-9.67', '-58.06']);
    // 42.58 + 19.36 + 58.06 = 120.00: everything paid is credit
    expect((await ok(['credits', 'show', 'ann@example.org', '--json'])).json().money.balance).toBe('120.00');
    const cii = path.join(dir, 'CN-3.xml');
    await ok(['invoices', 'einvoice', 'CN-2026-00003', '--format', 'cii', '-o', cii]);
    expect(validateEn16931(fs.readFileSync(cii, 'utf8'), 'cii')).toEqual([]);

    const exported = (await ok(['invoices', 'export', '--format', 'csv'], 0, '2026-03-07')).stdout;
    const totals = exported
      .split(/\r?\n/)
      .filter((l) => l.startsWith('CN-') || l.startsWith('INV-'))
      .map((l) => Number(l.split(',').at(-4)));
    expect(totals.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 6);
    const numbers = ['CN-2026-00001', 'CN-2026-00002', 'CN-2026-00003'];
    expect(gapless(numbers)).toBe(true);
    for (const n of numbers) expect(exported).toContain(n);
    const history = (await ok(['members', 'history', 'ann@example.org'])).stdout;
    expect(history).toContain('credit note CN-2026-00001 credits 11 days');
  });
});
