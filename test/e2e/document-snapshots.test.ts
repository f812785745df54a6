import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { validateEn16931, xpathValues } from '../helpers/einvoice.js';
import { PdfProbe } from '../helpers/poppler.js';

const identity = [
  'org',
  'set',
  '--name',
  'Coworking Lumière',
  '--address',
  '12 rue de la République',
  '--postcode',
  '69001',
  '--city',
  'Lyon',
  '--siren',
  '732829320',
  '--vat-id',
  'FR44732829320',
  '--iban',
  'FR7630006000011234567890189',
];

async function ok(db: string, args: string[]) {
  const result = await runCli(args, { db });
  expect(result.code, `memberctl ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

/** Sets a company's fields that no command sets yet (VAT number, SIREN). */
async function setCompany(db: string, name: string, fields: { vat_id?: string | null; siren?: string | null }) {
  const conn = await openDb(db);
  try {
    await conn.kysely.updateTable('companies').set(fields).where('name', '=', name).execute();
  } finally {
    await conn.close();
  }
}

function pdfText(file: string): string {
  const probe = new PdfProbe(fs.readFileSync(file));
  try {
    return probe.text().replace(/\s+/g, ' ');
  } finally {
    probe.remove();
  }
}

const agreement = '/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement';

describe.each(dialects)('documents frozen as issued, from the built CLI on %s', (dialect) => {
  it('an invoice keeps the organisation and the company it was issued with, in the PDF and the CII', async () => {
    const db = await freshDbUrl(dialect);
    await ok(db, identity);
    await ok(db, ['plans', 'add', 'Hot Desk', '--price', '100', '--tax-rate', '20']);
    await ok(db, ['members', 'add', '--name', 'Bob Martin', '--email', 'bob@example.org', '--company', 'Atelier Numérique Rhône']);
    await setCompany(db, 'Atelier Numérique Rhône', { vat_id: 'FR46401234562', siren: '401234562' });
    await ok(db, ['memberships', 'add', 'bob@example.org', '--plan', 'Hot Desk', '--start', '2025-11-01']);
    const number = (await ok(db, ['--today', '2025-11-02', 'invoices', 'run', '--json'])).json().invoices[0].number as string;

    // the organisation moves and is renamed; the company is renamed and changes its VAT number
    await ok(db, ['org', 'set', '--name', 'Lumière Nouvelle SAS', '--address', '3 quai Saint-Antoine', '--postcode', '69002']);
    await ok(db, ['companies', 'edit', 'Atelier Numérique Rhône', '--name', 'Rhône Digital']);
    await setCompany(db, 'Rhône Digital', { vat_id: 'FR23489012344', siren: '489012344' });

    const dir = tempDir();
    await ok(db, ['invoices', 'pdf', number, '-o', path.join(dir, 'invoice.pdf')]);
    await ok(db, ['invoices', 'einvoice', number, '--format', 'cii', '-o', path.join(dir, 'invoice.xml')]);
    const text = pdfText(path.join(dir, 'invoice.pdf'));
    for (const old of ['Coworking Lumière', '12 rue de la République', '69001', 'Atelier Numérique Rhône', 'FR46401234562']) expect(text).toContain(old);
    for (const now of ['Lumière Nouvelle', 'quai Saint-Antoine', '69002', 'Rhône Digital', 'FR23489012344']) expect(text).not.toContain(now);
    const cii = fs.readFileSync(path.join(dir, 'invoice.xml'), 'utf8');
    expect(validateEn16931(cii, 'cii')).toEqual([]);
    expect(xpathValues(cii, `${agreement}/ram:SellerTradeParty/(ram:Name, ram:PostalTradeAddress/ram:PostcodeCode, ram:PostalTradeAddress/ram:LineOne)`)).toEqual([
      'Coworking Lumière',
      '69001',
      '12 rue de la République',
    ]);
    expect(xpathValues(cii, `${agreement}/ram:BuyerTradeParty/(ram:Name, ram:SpecifiedTaxRegistration/ram:ID)`)).toEqual(['Atelier Numérique Rhône', 'FR46401234562']);

    // an invoice issued now has the organisation and the company as they are now
    await ok(db, ['memberships', 'add', 'bob@example.org', '--plan', 'Hot Desk', '--start', '2025-12-15', '--allow-overlap']);
    const later = (await ok(db, ['--today', '2025-12-15', 'invoices', 'run', '--json'])).json().invoices[0].number as string;
    await ok(db, ['invoices', 'einvoice', later, '--format', 'cii', '-o', path.join(dir, 'later.xml')]);
    const laterCii = fs.readFileSync(path.join(dir, 'later.xml'), 'utf8');
    expect(xpathValues(laterCii, `${agreement}/(ram:SellerTradeParty/ram:Name, ram:BuyerTradeParty/ram:Name)`)).toEqual(['Lumière Nouvelle SAS', 'Rhône Digital']);
  });

  it('an invoice issued without a snapshot takes one at its first render and keeps it after another org set', async () => {
    const db = await freshDbUrl(dialect);
    await ok(db, identity);
    await ok(db, ['plans', 'add', 'Hot Desk', '--price', '100', '--tax-rate', '20']);
    await ok(db, ['members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org']);
    await ok(db, ['memberships', 'add', 'ann@example.org', '--plan', 'Hot Desk', '--start', '2025-11-01']);
    const number = (await ok(db, ['--today', '2025-11-02', 'invoices', 'run', '--json'])).json().invoices[0].number as string;
    // as an invoice issued before snapshots were kept
    const conn = await openDb(db);
    await conn.kysely.updateTable('invoices').set({ issuer_id: null, buyer: null, language: null }).execute();
    await conn.kysely.updateTable('invoice_lines').set({ vat_category: null }).execute();
    await conn.close();

    await ok(db, ['org', 'set', '--name', 'Nom au premier rendu']);
    await ok(db, ['settings', 'set', 'language', 'en']);
    const dir = tempDir();
    await ok(db, ['invoices', 'pdf', number, '-o', path.join(dir, 'first.pdf')]);
    const first = pdfText(path.join(dir, 'first.pdf'));
    expect(first).toContain('Nom au premier rendu');
    expect(first).toContain('Invoice');

    await ok(db, ['org', 'set', '--name', 'Un nom plus récent']);
    await ok(db, ['settings', 'set', 'language', 'fr']);
    await ok(db, ['invoices', 'pdf', number, '-o', path.join(dir, 'second.pdf')]);
    const second = pdfText(path.join(dir, 'second.pdf'));
    expect(second).toContain('Nom au premier rendu');
    expect(second).not.toContain('Un nom plus récent');
    // the language is part of the snapshot
    expect(second).toContain('Invoice');
    expect(second).not.toContain('Facture');
    await ok(db, ['invoices', 'einvoice', number, '--format', 'ubl', '-o', path.join(dir, 'second.xml')]);
    expect(xpathValues(fs.readFileSync(path.join(dir, 'second.xml'), 'utf8'), '/inv:Invoice/cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName')).toEqual([
      'Nom au premier rendu',
    ]);
  });

  it('reverse charge to a Belgian company from invoices run: AE lines in the preview, Reverse charge on the PDF, valid CII and UBL', async () => {
    const db = await freshDbUrl(dialect);
    await ok(db, identity);
    await ok(db, ['settings', 'set', 'language', 'en']);
    await ok(db, ['plans', 'add', 'Fixed Desk', '--price', '350', '--tax-rate', '20']);
    await ok(db, ['members', 'add', '--name', 'Lotte Van den Berghe', '--email', 'lotte@example.be', '--company', 'Brasserie Créative SRL']);
    await setCompany(db, 'Brasserie Créative SRL', { vat_id: 'BE0123456749' });
    await ok(db, ['memberships', 'add', 'lotte@example.be', '--plan', 'Fixed Desk', '--start', '2026-03-01', '--quantity', '3']);

    const preview = await ok(db, ['--today', '2026-03-01', 'invoices', 'run', '--dry-run', '--json']);
    expect(preview.json().invoices[0]).toMatchObject({ number: null, net: '1050.00', tax: '0.00', total: '1050.00', lines: [{ vatCategory: 'AE', taxRate: '0', tax: '0.00' }] });
    const human = await ok(db, ['--today', '2026-03-01', 'invoices', 'run', '--dry-run']);
    expect(human.stdout).toMatch(/\bvat\b/);
    expect(human.stdout).toMatch(/\bAE\b/);

    const number = (await ok(db, ['--today', '2026-03-01', 'invoices', 'run', '--json'])).json().invoices[0].number as string;
    const dir = tempDir();
    await ok(db, ['invoices', 'pdf', number, '-o', path.join(dir, 'invoice.pdf')]);
    const text = pdfText(path.join(dir, 'invoice.pdf'));
    expect(text).toContain('Reverse charge');
    expect(text).toContain('BE0123456749');
    for (const format of ['cii', 'ubl'] as const) {
      const file = path.join(dir, `invoice-${format}.xml`);
      await ok(db, ['invoices', 'einvoice', number, '--format', format, '-o', file]);
      const xml = fs.readFileSync(file, 'utf8');
      expect(validateEn16931(xml, format), format).toEqual([]);
      expect(xml).toContain('VATEX-EU-AE');
    }
    const shown = (await ok(db, ['invoices', 'show', number, '--json'])).json();
    expect(shown.lines.map((l: { vatCategory: string }) => l.vatCategory)).toEqual(['AE']);
  });
});
