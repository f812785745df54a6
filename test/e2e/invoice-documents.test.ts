import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { fatalAsserts, validateCiiSchema, xpathValues } from '../helpers/einvoice.js';
import { PdfProbe } from '../helpers/poppler.js';

const identity = [
  'org',
  'set',
  '--name',
  'Coworking Lumière',
  '--address',
  '12 rue de la République\nBâtiment B',
  '--postcode',
  '69001',
  '--city',
  'Lyon',
  '--siren',
  '732829320',
  '--vat-id',
  'FR44732829320',
  '--email',
  'contact@lumiere.example',
  '--iban',
  'FR7630006000011234567890189',
  '--bic',
  'AGRIFRPP',
];

async function ok(db: string, args: string[], options: { cwd?: string } = {}) {
  const result = await runCli(args, { db, ...options });
  expect(result.code, `memberctl ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

/**
 * A coworking with an identity, Ann paying for herself (120.00 with VAT, 50.00 paid) and Bob billed to his company
 * (10 desks: 1 200.00), whose invoice is voided by a credit note. Returns the numbers.
 */
async function billed(db: string) {
  await ok(db, identity);
  await ok(db, ['plans', 'add', 'Hot Desk', '--price', '100', '--tax-rate', '20']);
  await ok(db, ['members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org']);
  await ok(db, ['members', 'add', '--name', 'Bob Martin', '--email', 'bob@example.org', '--company', 'Atelier Numérique Rhône']);
  await ok(db, ['memberships', 'add', 'ann@example.org', '--plan', 'Hot Desk', '--start', '2025-11-01']);
  await ok(db, ['memberships', 'add', 'bob@example.org', '--plan', 'Hot Desk', '--start', '2025-11-01', '--quantity', '10']);
  await ok(db, ['--today', '2025-11-02', 'invoices', 'run']);
  const list = (await ok(db, ['invoices', 'list', '--json'])).json() as Array<{ number: string; payer: { name: string } }>;
  const ann = list.find((i) => i.payer.name === 'Ann Smith')!.number;
  const bob = list.find((i) => i.payer.name === 'Bob Martin')!.number;
  await ok(db, ['--today', '2025-11-03', 'payments', 'record', ann, '--amount', '50', '--method', 'cash']);
  const voided = (await ok(db, ['--today', '2025-11-04', 'invoices', 'void', bob, '--reason', 'wrong quantity', '--json'])).json();
  return { ann, bob, note: voided.creditNote.number as string };
}

describe.each(dialects)('invoice documents from the built CLI on %s', (dialect) => {
  it('writes CII and UBL e-invoices of invoices and credit notes that pass the official EN 16931 validation', async () => {
    const db = await freshDbUrl(dialect);
    const { ann, bob, note } = await billed(db);
    const dir = tempDir();
    const numbers = [ann, bob, note];

    for (const format of ['cii', 'ubl'] as const) {
      const out = path.join(dir, format);
      fs.mkdirSync(out);
      const result = await ok(db, ['invoices', 'einvoice', ...numbers.map((n) => n.toLowerCase()), '--format', format, '-o', out, '--json']);
      expect(result.json()).toEqual({ written: numbers.map((number) => ({ number, file: path.join(out, `${number}.xml`), format })) });
      for (const number of numbers) {
        const xml = fs.readFileSync(path.join(out, `${number}.xml`), 'utf8');
        expect(fatalAsserts(xml, format), `${format} ${number}`).toEqual([]);
        if (format === 'cii') expect(validateCiiSchema(xml)).toEqual({ valid: true, errors: [] });
      }
    }

    const cii = (number: string) => fs.readFileSync(path.join(dir, 'cii', `${number}.xml`), 'utf8');
    const settlement = 'rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeSettlementHeaderMonetarySummation';
    const buyer = 'rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty';
    const seller = 'rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty';
    // Ann's invoice: 100.00 + 20% VAT, 50.00 of it paid, to her
    expect(xpathValues(cii(ann), `/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:TypeCode`)).toEqual(['380']);
    expect(xpathValues(cii(ann), `/rsm:CrossIndustryInvoice/${settlement}/(ram:GrandTotalAmount, ram:TotalPrepaidAmount, ram:DuePayableAmount)`)).toEqual(['120.00', '50.00', '70.00']);
    expect(xpathValues(cii(ann), `/rsm:CrossIndustryInvoice/${buyer}/(ram:Name, ram:URIUniversalCommunication/ram:URIID, ram:PostalTradeAddress/ram:CountryID)`)).toEqual(['Ann Smith', 'FR', 'ann@example.org']);
    expect(xpathValues(cii(ann), `/rsm:CrossIndustryInvoice/${seller}/(ram:Name, ram:PostalTradeAddress/ram:LineOne, ram:PostalTradeAddress/ram:LineTwo)`)).toEqual(['Coworking Lumière', '12 rue de la République', 'Bâtiment B']);
    // Bob's invoice goes to his company, for his attention; it is void, and its credit note credits it in full
    expect(xpathValues(cii(bob), `/rsm:CrossIndustryInvoice/${buyer}/(ram:Name, ram:DefinedTradeContact/ram:PersonName)`)).toEqual(['Atelier Numérique Rhône', 'Bob Martin']);
    expect(xpathValues(cii(bob), `/rsm:CrossIndustryInvoice/${settlement}/ram:GrandTotalAmount`)).toEqual(['1200.00']);
    expect(xpathValues(cii(note), `/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/(ram:ID, ram:TypeCode)`)).toEqual([note, '381']);
    expect(xpathValues(cii(note), `/rsm:CrossIndustryInvoice/${settlement}/(ram:GrandTotalAmount, ram:DuePayableAmount)`)).toEqual(['1200.00', '1200.00']);
    expect(xpathValues(cii(note), '//ram:InvoiceReferencedDocument/ram:IssuerAssignedID')).toEqual([bob]);
    const ubl = fs.readFileSync(path.join(dir, 'ubl', `${note}.xml`), 'utf8');
    expect(xpathValues(ubl, '/cn:CreditNote/cbc:CreditNoteTypeCode')).toEqual(['381']);
    expect(xpathValues(ubl, '/cn:CreditNote/cac:LegalMonetaryTotal/cbc:PayableAmount')).toEqual(['1200.00']);

    // without -o: NUMBER.xml in the current folder; human output: one line per file
    const here = tempDir();
    const plain = await ok(db, ['invoices', 'einvoice', ann, '--format', 'UBL'], { cwd: here });
    expect(plain.stdout.trim().split('\n')).toHaveLength(1);
    expect(plain.stdout).toContain(`${ann}.xml`);
    expect(fatalAsserts(fs.readFileSync(path.join(here, `${ann}.xml`), 'utf8'), 'ubl')).toEqual([]);
    expect((fs.statSync(path.join(here, `${ann}.xml`)).mode & 0o777).toString(8)).toBe('600');

    // only cii, ubl and facturx
    for (const format of ['pdf', 'zugferd']) {
      const refused = await runCli(['invoices', 'einvoice', ann, '--format', format], { db, cwd: here });
      expect(refused.code).toBe(64);
      expect(refused.stderr).toContain('use cii, ubl or facturx');
    }
  });

  it('writes PDFs whose text holds the number and the total in French', async () => {
    const db = await freshDbUrl(dialect);
    const { ann, bob, note } = await billed(db);
    const dir = tempDir();
    const file = path.join(dir, 'ann.pdf');
    const single = await ok(db, ['invoices', 'pdf', ann, '-o', file, '--json']);
    expect(single.json()).toEqual({ written: [{ number: ann, file, format: 'pdf' }] });
    const probe = new PdfProbe(fs.readFileSync(file));
    const text = probe.text();
    probe.remove();
    expect(text).toContain(ann);
    expect(text).toContain('Facture');
    expect(text).toMatch(/120,00\s?€/u);
    expect(text).toContain('Ann Smith');

    const many = await ok(db, ['invoices', 'pdf', bob, note, '-o', dir]);
    expect(many.stdout.trim().split('\n')).toHaveLength(2);
    const credit = new PdfProbe(fs.readFileSync(path.join(dir, `${note}.pdf`)));
    const creditText = credit.text();
    credit.remove();
    expect(creditText).toContain(note);
    expect(creditText).toContain(bob);
    expect(creditText).toContain('Avoir');
    expect(creditText).toMatch(/1\s?200,00\s?€/u);
    expect(creditText).toContain('Atelier Numérique Rhône');
    expect(fs.readFileSync(path.join(dir, `${bob}.pdf`)).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('refuses an unknown number (65, the closest named), an incomplete identity (78) and an output it cannot write (73), writing nothing', async () => {
    const db = await freshDbUrl(dialect);
    const { ann, bob } = await billed(db);
    const dir = tempDir();

    const typo = ann.replace(/1$/, '7');
    const unknown = await runCli(['invoices', 'einvoice', ann, typo, '--format', 'cii', '-o', dir], { db });
    expect(unknown.code).toBe(65);
    expect(unknown.stderr).toContain(`no invoice or credit note numbered "${typo}"`);
    expect(unknown.stderr).toContain(`did you mean ${ann}`);
    const unknownPdf = await runCli(['invoices', 'pdf', typo, '-o', dir], { db });
    expect(unknownPdf.code).toBe(65);
    expect(unknownPdf.stderr).toContain(ann);

    // several numbers into a folder that does not exist
    const missing = await runCli(['invoices', 'pdf', ann, bob, '-o', path.join(dir, 'missing')], { db });
    expect(missing.code).toBe(73);
    expect(missing.stderr).toContain('does not exist');
    // one number into a file in a folder that does not exist
    const missingFile = await runCli(['invoices', 'einvoice', ann, '--format', 'cii', '-o', path.join(dir, 'missing', 'a.xml')], { db });
    expect(missingFile.code).toBe(73);
    // the second number's output cannot be written: the first is not written either
    fs.mkdirSync(path.join(dir, `${bob}.xml`));
    const blocked = await runCli(['invoices', 'einvoice', ann, bob, '--format', 'ubl', '-o', dir], { db });
    expect(blocked.code).toBe(73);
    expect(blocked.stderr).toContain(`${bob}.xml`);
    expect(fs.readdirSync(dir)).toEqual([`${bob}.xml`]);

    // an invoice issued while the identity has no SIREN: every missing field named with its option
    await ok(db, ['org', 'set', '--siren', '', '--vat-id', '']);
    await ok(db, ['members', 'add', '--name', 'Cleo Roux', '--email', 'cleo@example.org']);
    await ok(db, ['memberships', 'add', 'cleo@example.org', '--plan', 'Hot Desk', '--start', '2025-11-05']);
    const late = (await ok(db, ['--today', '2025-11-05', 'invoices', 'run', '--json'])).json().invoices[0].number as string;
    for (const args of [['invoices', 'einvoice', late, '--format', 'cii', '-o', dir], ['invoices', 'pdf', late, '-o', dir]]) {
      const incomplete = await runCli(args, { db });
      expect(incomplete.code).toBe(78);
      expect(incomplete.stderr).toContain('--siren');
      expect(incomplete.stderr).toContain('--vat-id');
      expect(incomplete.stderr).toContain('org set');
      expect(incomplete.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
    }
    expect(fs.readdirSync(dir)).toEqual([`${bob}.xml`]);
    // an invoice issued with the complete identity is still written: it keeps the identity it was issued with
    await ok(db, ['invoices', 'pdf', ann, '-o', dir]);
    expect(fs.readdirSync(dir).sort()).toEqual([`${ann}.pdf`, `${bob}.xml`]);
  });
});
