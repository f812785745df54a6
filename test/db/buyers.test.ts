import { afterEach, describe, expect, it } from 'vitest';
import { buyerOf, loadInvoiceDocument } from '../../src/core/documents/load-invoice.js';
import { type ImportOptions, importFile } from '../../src/core/import/run.js';
import { undoBatch } from '../../src/core/import/undo.js';
import { setIdentity } from '../../src/core/org/org-store.js';
import { addCompany, editCompany } from '../../src/core/people/companies.js';
import { memberHistory } from '../../src/core/people/history.js';
import { addMember, editMember } from '../../src/core/people/members.js';
import { applyMerge, planMerge } from '../../src/core/people/merge.js';
import { setSetting } from '../../src/core/kernel/settings.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { rejection } from '../helpers/errors.js';
import { tempFolder } from '../importers/files.js';
import { seedInvoice, seedMembership, seedPlan, source } from './people-fixtures.js';

const files = tempFolder('buyers');
const nbsp = (text: string) => text.replace(/\u00a0/g, ' ');

const identity = {
  name: 'Coworking Lumière',
  address: '12 rue de la République',
  postcode: '69001',
  city: 'Lyon',
  siren: '732829320',
  vatId: 'FR44732829320',
  vatExemption: 'TVA non applicable, art. 293 B du CGI',
};

function importOptions(file: string, extra: Partial<ImportOptions> = {}): ImportOptions {
  return { file, mode: 'import', today: '2026-11-23', dryRun: false, onError: 'skip', update: false, rejectsFile: `${file}.rejects.csv`, source: 'template', env: { MEMBERCTL_ACTOR: 'test' }, ...extra };
}

describe.each(dialects)('buyers on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('members add and edit store the address, country and language; a bad value is 64 and writes nothing', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const { member } = await addMember(k, { name: 'Anna Berg', address: 'Rue Neuve 3\nBoîte 2', postcode: '1000', city: 'Bruxelles', country: 'be', language: 'EN' }, source);
    expect(member).toMatchObject({ address: 'Rue Neuve 3\nBoîte 2', postcode: '1000', city: 'Bruxelles', country: 'BE', language: 'en' });

    const bad = await rejection(editMember(k, member, { country: 'Belgique', language: 'de' }, source));
    expect(bad.exitCode).toBe(64);
    expect(bad.message).toContain('--country Belgique: an ISO 3166-1 alpha-2 country code');
    expect(bad.message).toContain('--language de: fr or en');
    // the organisation's country (FR) once the member's is cleared: 1000 is no French postcode
    expect((await rejection(editMember(k, member, { country: '' }, source))).message).toContain('the postcode 1000 is not a postcode of FR');

    const edited = await editMember(k, member, { country: '', postcode: '', language: '' }, source);
    expect(edited.member).toMatchObject({ postcode: null, country: null, language: null, city: 'Bruxelles' });
    const history = await memberHistory(k, member.id);
    expect(history.at(-1)!.summary).toBe('postcode, country, language changed');
  });

  it('companies add and edit store the address, a SIRET’s SIREN and a checked VAT number, audited', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    const { company } = await addCompany(k, { name: 'Acme SA', siren: '40123456200007', vatId: 'FR 46 401 234 562', address: '5 quai Perrache', postcode: '69002', city: 'Lyon' }, source);
    expect(company).toMatchObject({ siren: '401234562', vat_id: 'FR46401234562', postcode: '69002', city: 'Lyon', country: null });

    const mismatch = await rejection(editCompany(k, 'Acme SA', { vatId: 'FR44732829320' }, source));
    expect(mismatch.exitCode).toBe(64);
    expect(mismatch.message).toContain('is that of SIREN 732829320, not of the SIREN 401234562');
    expect((await rejection(addCompany(k, { name: 'Other', siren: '401234563' }, source))).exitCode).toBe(64);
    expect(await k.selectFrom('companies').select('name').execute()).toHaveLength(1);

    const { company: cleared } = await editCompany(k, 'Acme SA', { siren: '', vatId: '', country: 'BE', postcode: '1000' }, source);
    expect(cleared).toMatchObject({ siren: null, vat_id: null, country: 'BE', postcode: '1000' });
    const audit = await k.selectFrom('audit_log').selectAll().where('entity', '=', 'companies').where('action', '=', 'update').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.before!)).toMatchObject({ siren: '401234562', vat_id: 'FR46401234562' });
    expect(JSON.parse(audit.after!)).toMatchObject({ siren: null, vat_id: null, country: 'BE' });
  });

  it('the buyer is the payer’s company with its address and identifiers, for the payer’s attention, in the payer’s language', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    await setIdentity(k, identity, source);
    await addCompany(k, { name: 'Acme SA', siren: '401234562', vatId: 'FR46401234562', address: '5 quai Perrache\nBâtiment C', postcode: '69002', city: 'Lyon', billingEmail: 'ap@acme.example' }, source);
    const chloe = (await addMember(k, { name: 'Chloé Durand', email: 'chloe@acme.example', company: 'Acme SA', language: 'en', address: '1 rue Privée', city: 'Villeurbanne' }, source)).member;
    const plan = await seedPlan(k, 'Bureau nomade');
    const invoiceId = await seedInvoice(k, await seedMembership(k, chloe.id, plan), [['2026-12-01', '2026-12-31']]);
    const invoice = await k.selectFrom('invoices').selectAll().where('id', '=', invoiceId).executeTakeFirstOrThrow();

    expect(await buyerOf(k, invoice, 'FR')).toEqual({
      name: 'Acme SA',
      address: { lines: ['5 quai Perrache', 'Bâtiment C'], postcode: '69002', city: 'Lyon', country: 'FR' },
      siren: '401234562',
      vatId: 'FR46401234562',
      email: 'ap@acme.example',
      attention: 'Chloé Durand',
      business: true,
      language: 'en',
      // an invoice written outside a run gives no member number
      memberNumber: null,
    });
    await setSetting(k, 'language', 'fr', source.at);
    const doc = await loadInvoiceDocument(k, invoice.number);
    expect(doc.language).toBe('en');
    // frozen as issued: a language given when rendering applies only to documents issued without one
    expect((await loadInvoiceDocument(k, invoice.number, { language: 'fr' })).language).toBe('en');
    await k.updateTable('invoices').set({ language: null }).where('number', '=', invoice.number).execute();
    expect((await loadInvoiceDocument(k, invoice.number, { language: 'fr' })).language).toBe('fr');
  });

  it('a person without a company is a consumer buyer with their own address; their country defaults to the organisation’s', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    await setIdentity(k, identity, source);
    const paul = (await addMember(k, { name: 'Paul Martin', address: '8 rue Mercière\nEscalier B\n3e étage\nPorte gauche', postcode: '69002', city: 'Lyon' }, source)).member;
    const plan = await seedPlan(k, 'Bureau nomade');
    await k.updateTable('plans').set({ tax_rate: '0' }).where('id', '=', plan).execute();
    const invoiceId = await seedInvoice(k, await seedMembership(k, paul.id, plan), [['2026-12-01', '2026-12-31']]);
    const invoice = await k.selectFrom('invoices').selectAll().where('id', '=', invoiceId).executeTakeFirstOrThrow();
    const buyer = await buyerOf(k, invoice, 'FR');
    expect(buyer).toMatchObject({ name: 'Paul Martin', siren: null, vatId: null, attention: null, business: false, language: null });
    // at most three lines: the rest joins the third
    expect(buyer.address).toEqual({ lines: ['8 rue Mercière', 'Escalier B', '3e étage, Porte gauche'], postcode: '69002', city: 'Lyon', country: 'FR' });

    await setSetting(k, 'language', 'fr', source.at);
    const line = await k.selectFrom('invoice_lines').selectAll().where('invoice_id', '=', invoiceId).executeTakeFirstOrThrow();
    await k.updateTable('invoice_lines').set({ description: 'Bureau nomade, 2026-12-01 to 2026-12-31', period_start: '2026-12-01', period_end: '2026-12-31', plan_name: 'Bureau nomade', quantity: 1 }).where('id', '=', line.id).execute();
    const doc = await loadInvoiceDocument(k, invoice.number);
    expect(doc.language).toBe('fr');
    expect(nbsp(doc.lines[0]!.description)).toBe('Bureau nomade — 1 déc. 2026 au 31 déc. 2026');
    // what is stored is not changed
    expect((await k.selectFrom('invoice_lines').select('description').where('id', '=', line.id).executeTakeFirstOrThrow()).description).toBe('Bureau nomade, 2026-12-01 to 2026-12-31');
  });

  it('a merge carries the address, country and language the kept member lacks', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    await addMember(k, { name: 'Jane Doe', email: 'jane@example.org', city: 'Lyon' }, source);
    await addMember(k, { name: 'Jane D.', postcode: '1000', city: 'Bruxelles', country: 'BE', language: 'en' }, source);
    const plan = await planMerge(k, 'jane@example.org', 'Jane D.');
    expect(plan.filled.map((f) => f.field)).toEqual(['postcode', 'country', 'language']);
    expect(plan.conflicts.map((c) => c.field)).toContain('city');
    await applyMerge(k, plan, source);
    const kept = await k.selectFrom('members').selectAll().executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ city: 'Lyon', postcode: '1000', country: 'BE', language: 'en' });
  });

  it('imports the French address, language and company identifier columns; --update changes them; undo restores them', async () => {
    db = await freshDb(dialect);
    const k = db.kysely;
    await addCompany(k, { name: 'Initech' }, source);
    const file = files.write(
      'buyers.csv',
      [
        'Nom;E-mail;Entreprise;Numéro SIREN;N° TVA;Adresse;Code postal;Ville;Pays;Langue',
        'Paul Martin;paul@x.example;Globex SARL;732829320;FR44732829320;8 rue Mercière;69002;Lyon;France;Français',
        'Anna Berg;anna@x.example;;;;Rue Neuve 3;1000;Bruxelles;Belgique;English',
        'Bad Row;bad@x.example;;;;;ABC;Lyon;Frnace;de',
        'Row Four;four@x.example;Globex SARL;401234562;;;;;;',
        'Ian Tech;ian@x.example;Initech;401234562;;;;;;',
        '',
      ].join('\n'),
    );
    const result = await importFile(db, importOptions(file));
    const problems = [...result.problems].map((p) => `${p.row} ${p.column} ${p.code}: ${p.message}${p.suggestion ? ` / ${p.suggestion}` : ''}`);
    expect(problems).toEqual([
      expect.stringMatching(/^4 Pays invalid_value: "Frnace" is not accepted: an ISO 3166-1 alpha-2 code .* \/ FR$/),
      expect.stringMatching(/^4 Code postal invalid_value: "ABC" is not accepted: not a postcode of FR/),
      expect.stringMatching(/^4 Langue invalid_value: "de" is not accepted: fr or en/),
      expect.stringMatching(/^5 Numéro SIREN conflict_existing: company "Globex SARL" has the Numéro SIREN 732829320 \(row 2\), not 401234562/),
      expect.stringMatching(/^6 Numéro SIREN conflict_existing: company "Initech" has no Numéro SIREN yet: use --update to set it/),
    ]);
    const anna = await k.selectFrom('members').selectAll().where('email', '=', 'anna@x.example').executeTakeFirstOrThrow();
    expect(anna).toMatchObject({ address: 'Rue Neuve 3', postcode: '1000', city: 'Bruxelles', country: 'BE', language: 'en' });
    expect(await k.selectFrom('companies').select(['name', 'siren', 'vat_id']).where('name', '=', 'Globex SARL').executeTakeFirstOrThrow()).toEqual({ name: 'Globex SARL', siren: '732829320', vat_id: 'FR44732829320' });

    const update = files.write(
      'update.csv',
      ['Name,Email,City,Language,Company,SIREN', 'Anna Berg,anna@x.example,Liège,fr,,', 'Ian Tech,ian@x.example,,,Initech,401234562', ''].join('\n'),
    );
    const updated = await importFile(db, importOptions(update, { update: true, onError: 'abort' }));
    expect([...updated.problems]).toEqual([]);
    expect(await k.selectFrom('members').select(['city', 'language', 'postcode']).where('email', '=', 'anna@x.example').executeTakeFirstOrThrow()).toEqual({ city: 'Liège', language: 'fr', postcode: '1000' });
    expect((await k.selectFrom('companies').select('siren').where('name', '=', 'Initech').executeTakeFirstOrThrow()).siren).toBe('401234562');

    await undoBatch(db, updated.batch!, source);
    expect(await k.selectFrom('members').select(['city', 'language']).where('email', '=', 'anna@x.example').executeTakeFirstOrThrow()).toEqual({ city: 'Bruxelles', language: 'en' });
    expect((await k.selectFrom('companies').select('siren').where('name', '=', 'Initech').executeTakeFirstOrThrow()).siren).toBeNull();
  });
});
