import { describe, expect, it } from 'vitest';
import { voidInvoice } from '../../src/core/billing/invoices.js';
import { runInvoicing } from '../../src/core/billing/invoicing.js';
import { loadInvoiceDocument } from '../../src/core/documents/load-invoice.js';
import { setSetting } from '../../src/core/kernel/settings.js';
import type { IdentityInput } from '../../src/core/org/identity.js';
import { getIdentity, setIdentity } from '../../src/core/org/org-store.js';
import type { Db } from '../../src/db/connect.js';
import { writeCii } from '../../src/writers/einvoice/cii.js';
import { writeUbl } from '../../src/writers/einvoice/ubl.js';
import { renderInvoicePdf } from '../../src/writers/pdf/invoice-pdf.js';
import { dialects, withFreshDb } from '../helpers/db.js';
import { validateCiiSchema, validateEn16931, xpathValues } from '../helpers/einvoice.js';
import { scenarios } from '../helpers/invoice-documents.js';
import { PdfProbe } from '../helpers/poppler.js';
import { addPerson, addPlan, at, source, subscribe } from './invoicing-fixtures.js';

/** The seller of the scenario table (test/helpers/invoice-documents.ts), as `org set` takes it. */
const lyon: IdentityInput = {
  name: 'Espace Lumière & Cie',
  address: "12 rue de l'Épée\nBâtiment B, 2e étage",
  postcode: '69003',
  city: 'Lyon',
  siren: '732829320',
  vatId: 'FR44732829320',
  email: 'factures@espace-lumiere.fr',
  iban: 'FR7630006000011234567890189',
  bic: 'AGRIFRPP',
  legalForm: 'SAS au capital de 10 000 €',
  registration: 'RCS Lyon 732 829 320',
};

const orgSet = (db: Db, input: IdentityInput) => db.kysely.transaction().execute((trx) => setIdentity(trx, input, source));

async function addCompany(db: Db, name: string, fields: { vat_id?: string; siren?: string; country?: string; billing_email?: string } = {}) {
  const row = await db.kysely
    .insertInto('companies')
    .values({ name, created_at: at, updated_at: at, ...fields })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function employee(db: Db, name: string, companyId: number, email: string | null = null) {
  const id = await addPerson(db.kysely, name);
  await db.kysely.updateTable('members').set({ company_id: companyId, email }).where('id', '=', id).execute();
  return id;
}

const run = (db: Db, asOf: string) => runInvoicing(db.kysely, { asOf, dryRun: false, source });

async function linesOf(db: Db, number: string) {
  return db.kysely
    .selectFrom('invoice_lines')
    .innerJoin('invoices', 'invoices.id', 'invoice_lines.invoice_id')
    .select(['invoice_lines.vat_category', 'invoice_lines.tax_rate', 'invoice_lines.net', 'invoice_lines.tax', 'invoice_lines.total'])
    .where('invoices.number', '=', number)
    .execute();
}

describe.each(dialects)('documents frozen as issued, and VAT categories, on %s', (dialect) => {
  it('the scenario "reverse charge to a Belgian company" goes through invoices run from the database, and validates', async () => {
    await withFreshDb(dialect, async (db) => {
      const expected = scenarios['reverse charge to a Belgian company']!;
      await orgSet(db, lyon);
      await setSetting(db.kysely, 'language', 'en', at);
      // the plan has a rate: the reverse-charged buyer is billed the same net, without VAT
      const plan = await addPlan(db.kysely, 'Fixed Desk', { price: 35000, taxRate: '20' });
      const company = await addCompany(db, 'Brasserie Créative SRL', { vat_id: 'BE0123456749', billing_email: 'facturation@brasserie-creative.be', country: 'BE' });
      const lotte = await employee(db, 'Lotte Van den Berghe', company);
      await subscribe(db.kysely, lotte, plan, { startDate: '2026-03-01', quantity: 3 });

      const result = await run(db, '2026-03-01');
      expect(result.invoices).toHaveLength(1);
      const issued = result.invoices[0]!;
      expect(issued).toMatchObject({ net: '1050.00', tax: '0.00', total: '1050.00' });
      expect(issued.lines).toMatchObject([{ vatCategory: 'AE', taxRate: '0', net: '1050.00', tax: '0.00', total: '1050.00' }]);
      expect(await linesOf(db, issued.number!)).toEqual([{ vat_category: 'AE', tax_rate: '0', net: 105000, tax: 0, total: 105000 }]);

      const doc = await loadInvoiceDocument(db.kysely, issued.number!);
      // the document writes each line's description in its language from what the line stores
      // (dates keep their no-break spaces)
      const plainSpaces = doc.lines.map((line) => ({ ...line, description: line.description.replace(/[\u00a0\u202f]/g, ' ') }));
      expect(plainSpaces).toEqual(expected.lines.map((line) => ({ ...line, discount: null, description: 'Fixed Desk × 3 — Mar 1, 2026 to Mar 31, 2026' })));
      expect(doc.totals).toEqual(expected.totals);
      expect(doc.language).toBe('en');
      expect(doc.buyer).toMatchObject({ name: expected.buyer.name, vatId: expected.buyer.vatId, email: expected.buyer.email, attention: expected.buyer.attention });
      const { logo: _logo, latePenalty: _penalty, footer: _footer, ...seller } = doc.seller;
      expect(seller).toEqual(expected.seller);
      for (const [syntax, xml] of [['cii', writeCii(doc)], ['ubl', writeUbl(doc)]] as const) {
        expect(validateEn16931(xml, syntax), syntax).toEqual([]);
        expect(xml).toContain('VATEX-EU-AE');
        expect(xml).toContain('Reverse charge');
      }
    });
  });

  it("carries the payer's member number, given with their first invoice, on the PDF and as the e-invoices' buyer identifier", async () => {
    await withFreshDb(dialect, async (db) => {
      await orgSet(db, lyon);
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      await subscribe(db.kysely, await addPerson(db.kysely, 'Ann Early'), desk, { startDate: '2026-01-01' });
      const company = await addCompany(db, 'Atelier Nord SAS', { siren: '552100554' });
      await subscribe(db.kysely, await employee(db, 'Bea Late', company), desk, { startDate: '2026-02-01' });
      await run(db, '2026-01-01');
      await run(db, '2026-02-01');

      const expected = [
        ['INV-2026-00001', 'M-00001'],
        ['INV-2026-00002', 'M-00001'],
        ['INV-2026-00003', 'M-00002'],
      ];
      for (const [number, memberNumber] of expected) {
        const doc = await loadInvoiceDocument(db.kysely, number!);
        expect(doc.buyer.memberNumber, number).toBe(memberNumber);
        const cii = writeCii(doc);
        expect(validateEn16931(cii, 'cii'), number).toEqual([]);
        expect(validateCiiSchema(cii).valid, number).toBe(true);
        expect(xpathValues(cii, "//*[local-name()='BuyerTradeParty']/*[local-name()='ID']")).toEqual([memberNumber]);
        const ubl = writeUbl(doc);
        expect(validateEn16931(ubl, 'ubl'), number).toEqual([]);
        expect(xpathValues(ubl, "//*[local-name()='AccountingCustomerParty']//*[local-name()='PartyIdentification']/*[local-name()='ID']")).toEqual([memberNumber]);
      }
      // the company's invoice is for the attention of the member, whose number it shows
      const pdf = new PdfProbe(await renderInvoicePdf(await loadInvoiceDocument(db.kysely, 'INV-2026-00003')));
      expect(pdf.text().replace(/[\u00a0\u202f]/g, ' ')).toContain('N° de membre M-00002');
    });
  });

  it('gives each line its category: S to a French company, AE to a Belgian one, E for an exempt organisation, Z otherwise', async () => {
    await withFreshDb(dialect, async (db) => {
      await orgSet(db, lyon);
      const desk = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      const stamps = await addPlan(db.kysely, 'Stamps', { price: 290, taxRate: '0' });
      const french = await employee(db, 'Chloé Durand', await addCompany(db, 'Atelier Numérique Rhône SARL', { vat_id: 'FR46401234562', siren: '401234562' }));
      const belgian = await employee(db, 'Lotte Van den Berghe', await addCompany(db, 'Brasserie Créative SRL', { vat_id: 'BE0123456749' }));
      const malformed = await employee(db, 'Jan Peeters', await addCompany(db, 'Onbekend BV', { vat_id: 'BE12' }));
      const person = await addPerson(db.kysely, 'Ann Smith');
      for (const who of [french, belgian, malformed, person]) {
        await subscribe(db.kysely, who, desk, { startDate: '2026-03-01' });
        await subscribe(db.kysely, who, stamps, { startDate: '2026-03-01' });
      }
      const dry = await runInvoicing(db.kysely, { asOf: '2026-03-01', dryRun: true, source });
      const categories = (r: typeof dry) => Object.fromEntries(r.invoices.map((i) => [i.payer.name, i.lines.map((l) => `${l.plan} ${l.vatCategory} ${l.taxRate} ${l.tax}`)]));
      const expected = {
        'Chloé Durand': ['Desk S 20 20.00', 'Stamps Z 0 0.00'],
        'Lotte Van den Berghe': ['Desk AE 0 0.00', 'Stamps AE 0 0.00'],
        'Jan Peeters': ['Desk S 20 20.00', 'Stamps Z 0 0.00'],
        'Ann Smith': ['Desk S 20 20.00', 'Stamps Z 0 0.00'],
      };
      // the preview shows the categories the run then writes
      expect(categories(dry)).toEqual(expected);
      const result = await run(db, '2026-03-01');
      expect(categories(result)).toEqual(expected);
      const number = (name: string) => result.invoices.find((i) => i.payer.name === name)!.number!;
      expect((await linesOf(db, number('Lotte Van den Berghe'))).map((l) => l.vat_category)).toEqual(['AE', 'AE']);
      expect((await linesOf(db, number('Chloé Durand'))).map((l) => l.vat_category)).toEqual(['S', 'Z']);
      for (const name of Object.keys(expected)) {
        const doc = await loadInvoiceDocument(db.kysely, number(name));
        for (const [syntax, xml] of [['cii', writeCii(doc)], ['ubl', writeUbl(doc)]] as const) expect(validateEn16931(xml, syntax), `${name} ${syntax}`).toEqual([]);
      }
      // the French company's SIREN and VAT number are on its invoice
      expect((await loadInvoiceDocument(db.kysely, number('Chloé Durand'))).buyer).toMatchObject({ siren: '401234562', vatId: 'FR46401234562' });

      // an exempt organisation: its 0-rated lines are E, whoever the buyer
      await orgSet(db, { vatId: '', vatExemption: 'TVA non applicable, art. 293 B du CGI' });
      const next = await run(db, '2026-04-01');
      // (without a VAT number of its own, it reverse charges no one)
      expect(next.invoices.find((i) => i.payer.name === 'Lotte Van den Berghe')!.lines.map((l) => `${l.plan} ${l.vatCategory}`)).toEqual(['Desk S', 'Stamps E']);
    });
  });

  it('an exempt organisation bills E lines that validate', async () => {
    await withFreshDb(dialect, async (db) => {
      await orgSet(db, { ...lyon, vatId: '', vatExemption: 'TVA non applicable, art. 293 B du CGI' });
      const plan = await addPlan(db.kysely, 'Cotisation', { price: 12000, interval: 'year' });
      const ann = await addPerson(db.kysely, 'Ann Smith');
      await subscribe(db.kysely, ann, plan, { startDate: '2026-01-01' });
      const [invoice] = (await run(db, '2026-01-01')).invoices;
      expect(invoice!.lines.map((l) => l.vatCategory)).toEqual(['E']);
      const doc = await loadInvoiceDocument(db.kysely, invoice!.number!);
      for (const [syntax, xml] of [['cii', writeCii(doc)], ['ubl', writeUbl(doc)]] as const) {
        expect(validateEn16931(xml, syntax), syntax).toEqual([]);
        expect(xml).toContain('TVA non applicable, art. 293 B du CGI');
      }
    });
  });

  it('keeps the seller and the buyer of an invoice as issued; a credit note takes the identity of its own date and the invoice buyer', async () => {
    await withFreshDb(dialect, async (db) => {
      await orgSet(db, lyon);
      const plan = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      const company = await addCompany(db, 'Atelier Numérique Rhône SARL', { vat_id: 'FR46401234562' });
      const chloe = await employee(db, 'Chloé Durand', company);
      await subscribe(db.kysely, chloe, plan, { startDate: '2026-03-01' });
      const number = (await run(db, '2026-03-01')).invoices[0]!.number!;
      const before = await loadInvoiceDocument(db.kysely, number);

      await orgSet(db, { name: 'Lumière Coworking SAS', address: '1 place Bellecour', logo: { type: 'image/png', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) } });
      await db.kysely.updateTable('companies').set({ name: 'Rhône Digital', vat_id: 'FR23489012344' }).where('id', '=', company).execute();
      const after = await loadInvoiceDocument(db.kysely, number, { identity: await getIdentity(db.kysely) });
      expect(after).toEqual(before);
      expect(after.seller.name).toBe('Espace Lumière & Cie');
      expect(after.seller.logo).toBeNull();
      expect(after.buyer).toMatchObject({ name: 'Atelier Numérique Rhône SARL', vatId: 'FR46401234562' });

      const { creditNote } = await db.kysely.transaction().execute((trx) => voidInvoice(trx, number, 'wrong plan', '2026-03-05', source));
      // frozen when it is issued, not when it is first written
      await orgSet(db, { name: 'Encore un autre nom', logo: null });
      const note = await loadInvoiceDocument(db.kysely, creditNote.number);
      expect(note.seller.name).toBe('Lumière Coworking SAS');
      expect(note.seller.logo?.bytes).toEqual(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(note.buyer).toEqual(before.buyer);
      expect(note.language).toBe(before.language);
    });
  });

  it('a run stores one issuer and no copy of the logo per invoice', async () => {
    await withFreshDb(dialect, async (db) => {
      const logo = new Uint8Array(200_000).fill(7);
      logo.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      await orgSet(db, { ...lyon, logo: { type: 'image/png', bytes: logo } });
      const plan = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      for (let i = 0; i < 30; i += 1) await subscribe(db.kysely, await addPerson(db.kysely, `Member ${i}`), plan, { startDate: '2026-03-01' });
      await runInvoicing(db.kysely, { asOf: '2026-03-01', dryRun: false, source, batchSize: 7 });
      await run(db, '2026-04-01');
      const count = async (table: 'issuers' | 'document_logos') => Number((await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      expect(await count('issuers')).toBe(1);
      expect(await count('document_logos')).toBe(1);
      const ids = await db.kysely.selectFrom('invoices').select('issuer_id').distinct().execute();
      expect(ids).toHaveLength(1);
      expect(ids[0]!.issuer_id).not.toBeNull();
      // a new identity keeping the logo: a second issuer, the same logo row
      await orgSet(db, { phone: '+33 4 78 00 00 00' });
      await run(db, '2026-05-01');
      expect(await count('issuers')).toBe(2);
      expect(await count('document_logos')).toBe(1);
      // a dry run writes no issuer
      await orgSet(db, { phone: '' });
      await orgSet(db, { phone: '+33 4 78 11 11 11' });
      await runInvoicing(db.kysely, { asOf: '2026-06-01', dryRun: true, source });
      expect(await count('issuers')).toBe(2);
    });
  });

  it('an invoice issued before snapshots takes one at its first render and keeps it; two renders at once write one', async () => {
    await withFreshDb(dialect, async (db) => {
      await orgSet(db, lyon);
      const plan = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      await subscribe(db.kysely, await addPerson(db.kysely, 'Ann Smith'), plan, { startDate: '2026-03-01' });
      const number = (await run(db, '2026-03-01')).invoices[0]!.number!;
      await db.kysely.updateTable('invoices').set({ issuer_id: null, buyer: null, language: null }).execute();
      await db.kysely.updateTable('invoice_lines').set({ vat_category: null }).execute();
      await orgSet(db, { name: 'Nom au premier rendu' });

      const identity = await getIdentity(db.kysely);
      const [first, second] = await Promise.all([
        loadInvoiceDocument(db.kysely, number, { identity, language: 'fr' }),
        loadInvoiceDocument(db.kysely, number, { identity: { ...identity, name: 'Un autre nom' }, language: 'en' }),
      ]);
      expect(second.seller.name).toBe(first.seller.name);
      expect(second.language).toBe(first.language);
      const row = await db.kysely.selectFrom('invoices').select(['issuer_id', 'buyer', 'language']).where('number', '=', number).executeTakeFirstOrThrow();
      expect(row.issuer_id).not.toBeNull();
      expect(JSON.parse(row.buyer!)).toMatchObject({ name: 'Ann Smith' });
      expect(row.language).toBe(first.language);
      // the category of a line issued before categories were stored is derived as before
      expect(first.lines.map((l) => l.vatCategory)).toEqual(['S']);

      await orgSet(db, { name: 'Encore un autre nom' });
      await setSetting(db.kysely, 'language', first.language === 'fr' ? 'en' : 'fr', at);
      const later = await loadInvoiceDocument(db.kysely, number);
      expect(later.seller.name).toBe(first.seller.name);
      expect(later.language).toBe(first.language);
    });
  });

  it('a snapshot of an identity that could not make a legal invoice is taken again once the identity is complete', async () => {
    await withFreshDb(dialect, async (db) => {
      await orgSet(db, { ...lyon, siren: '', vatId: '' });
      const plan = await addPlan(db.kysely, 'Desk', { price: 10000, taxRate: '20' });
      await subscribe(db.kysely, await addPerson(db.kysely, 'Ann Smith'), plan, { startDate: '2026-03-01' });
      // issuing works as before: the invoice is issued with the identity there is
      const number = (await run(db, '2026-03-01')).invoices[0]!.number!;
      const issuedWith = (await db.kysely.selectFrom('invoices').select('issuer_id').where('number', '=', number).executeTakeFirstOrThrow()).issuer_id;
      expect(issuedWith).not.toBeNull();
      await expect(loadInvoiceDocument(db.kysely, number)).rejects.toMatchObject({ exitCode: 78, message: expect.stringContaining('--siren') });
      // refused: nothing was written
      expect((await db.kysely.selectFrom('invoices').select('issuer_id').where('number', '=', number).executeTakeFirstOrThrow()).issuer_id).toBe(issuedWith);

      await orgSet(db, { siren: '732829320', vatId: 'FR44732829320', name: 'Nom complet' });
      const doc = await loadInvoiceDocument(db.kysely, number);
      expect(doc.seller).toMatchObject({ name: 'Nom complet', siren: '732829320' });
      expect((await db.kysely.selectFrom('invoices').select('issuer_id').where('number', '=', number).executeTakeFirstOrThrow()).issuer_id).not.toBe(issuedWith);
      // complete now: frozen
      await orgSet(db, { name: 'Plus tard' });
      expect((await loadInvoiceDocument(db.kysely, number)).seller.name).toBe('Nom complet');
    });
  });
});
