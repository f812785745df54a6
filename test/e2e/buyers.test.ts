// From the built CLI: buyers with a postal address, a language, a SIREN and a VAT number, given by `members add`,
// `companies add` and an import with French headers, then written on invoices: CII and UBL e-invoices that pass the
// official EN 16931 validation, and PDFs read back with poppler.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { fatalAsserts, validateCiiSchema, xpathValues } from '../helpers/einvoice.js';
import { PdfProbe } from '../helpers/poppler.js';

const identity = ['org', 'set', '--name', 'Coworking Lumière', '--address', '12 rue de la République', '--postcode', '69001', '--city', 'Lyon'];
const legal = ['--siren', '732829320', '--vat-id', 'FR44732829320', '--email', 'contact@lumiere.example', '--iban', 'FR7630006000011234567890189', '--bic', 'AGRIFRPP'];

const company = 'Société Lyonnaise de Développement Numérique et d’Ingénierie Logicielle Avancée';
const street = ['Parc Technologique de la Doua', 'Bâtiment Einstein, 3e étage', '15 boulevard du 11 Novembre 1918'];

async function ok(db: string, args: string[], options: { cwd?: string } = {}) {
  const result = await runCli(args, { db, ...options });
  expect(result.code, `memberctl ${args.join(' ')}\n${result.stderr}`).toBe(0);
  return result;
}

/** No-break spaces (in dates and amounts) read as spaces, runs of white space (wrapped lines too) as one. */
const squeeze = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ');

function pdfText(file: string): string {
  const probe = new PdfProbe(fs.readFileSync(file));
  try {
    return squeeze(probe.rawText());
  } finally {
    probe.remove();
  }
}

describe.each(dialects)('invoice buyers from the built CLI on %s', (dialect) => {
  it('refuses a malformed SIREN, VAT number, billing e-mail, country or language with 64 and its rule, writing nothing', async () => {
    const db = await freshDbUrl(dialect);
    const siren = await runCli(['companies', 'add', 'Acme', '--siren', '401234563'], { db });
    expect(siren.code).toBe(64);
    expect(siren.stderr).toContain('--siren 401234563: not a valid SIREN (9 digits whose Luhn checksum is 0)');
    const vat = await runCli(['companies', 'add', 'Acme', '--siren', '401234562', '--vat-id', 'FR44732829320'], { db });
    expect(vat.code).toBe(64);
    expect(vat.stderr).toContain('the VAT number FR44732829320 is that of SIREN 732829320, not of the SIREN 401234562');
    const billing = await runCli(['companies', 'add', 'Acme', '--billing-email', 'compta at acme'], { db });
    expect(billing.code).toBe(64);
    expect(billing.stderr).toContain('--billing-email: "compta at acme" is not an e-mail address');
    const member = await runCli(['members', 'add', '--name', 'Jane', '--country', 'Francia', '--language', 'de'], { db });
    expect(member.code).toBe(64);
    expect(member.stderr).toContain('--country Francia: an ISO 3166-1 alpha-2 country code');
    expect(member.stderr).toContain('--language de: fr or en');
    expect(member.stderr).not.toMatch(/at .*\.js:\d+/);
    expect((await ok(db, ['companies', 'list', '--json'])).json()).toEqual([]);
    expect((await ok(db, ['members', 'list', '--json'])).json()).toEqual([]);
  });

  it('bills a company with its address, SIREN and VAT number in the payer’s language, and a person imported from a French file in French', async () => {
    const db = await freshDbUrl(dialect);
    await ok(db, [...identity, ...legal]);
    await ok(db, ['plans', 'add', 'Bureau nomade', '--price', '200', '--tax-rate', '20']);
    await ok(db, ['companies', 'add', company, '--siren', '40123456200007', '--vat-id', 'FR 46 401 234 562', '--address', street.join('\n'), '--postcode', '69100', '--city', 'Villeurbanne', '--billing-email', 'compta@sldnila.example']);
    await ok(db, ['members', 'add', '--name', 'Chloé Durand', '--email', 'chloe@sldnila.example', '--company', company, '--language', 'en', '--city', 'Lyon']);
    const shown = (await ok(db, ['companies', 'show', company, '--json'])).json();
    expect(shown).toMatchObject({ siren: '401234562', vatId: 'FR46401234562', address: street.join('\n'), postcode: '69100', city: 'Villeurbanne', country: null });
    expect((await ok(db, ['members', 'show', 'chloe@sldnila.example', '--json'])).json()).toMatchObject({ city: 'Lyon', language: 'en', country: null, postcode: null });

    const dir = tempDir();
    const csv = path.join(dir, 'membres.csv');
    fs.writeFileSync(
      csv,
      [
        'Nom;E-mail;Adresse;Code postal;Ville;Pays;Langue;Nom du forfait;Date de début;Date de la prochaine facture',
        'Paul Martin;paul@example.be;Rue Neuve 3;1000;Bruxelles;Belgique;Français;Bureau nomade;2026-12-01;2026-12-01',
        '',
      ].join('\n'),
    );
    await ok(db, ['import', csv]);
    expect((await ok(db, ['members', 'show', 'paul@example.be', '--json'])).json()).toMatchObject({ address: 'Rue Neuve 3', postcode: '1000', city: 'Bruxelles', country: 'BE', language: 'fr' });
    await ok(db, ['memberships', 'add', 'chloe@sldnila.example', '--plan', 'Bureau nomade', '--start', '2026-12-01']);
    await ok(db, ['settings', 'set', 'language', 'fr']);
    await ok(db, ['--today', '2026-12-01', 'invoices', 'run']);
    const list = (await ok(db, ['invoices', 'list', '--json'])).json() as Array<{ number: string; payer: { name: string } }>;
    const chloe = list.find((i) => i.payer.name === 'Chloé Durand')!.number;
    const paul = list.find((i) => i.payer.name === 'Paul Martin')!.number;

    const buyer = 'rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:BuyerTradeParty';
    for (const format of ['cii', 'ubl'] as const) {
      const out = path.join(dir, format);
      fs.mkdirSync(out);
      await ok(db, ['invoices', 'einvoice', chloe, paul, '--format', format, '-o', out]);
      for (const number of [chloe, paul]) {
        const xml = fs.readFileSync(path.join(out, `${number}.xml`), 'utf8');
        expect(fatalAsserts(xml, format), `${format} ${number}`).toEqual([]);
        if (format === 'cii') expect(validateCiiSchema(xml)).toEqual({ valid: true, errors: [] });
      }
    }
    const cii = (number: string) => fs.readFileSync(path.join(dir, 'cii', `${number}.xml`), 'utf8');
    const ubl = (number: string) => fs.readFileSync(path.join(dir, 'ubl', `${number}.xml`), 'utf8');
    expect(
      xpathValues(
        cii(chloe),
        `/rsm:CrossIndustryInvoice/${buyer}/(ram:Name, ram:SpecifiedLegalOrganization/ram:ID, ram:DefinedTradeContact/ram:PersonName, ram:PostalTradeAddress/(ram:PostcodeCode, ram:LineOne, ram:LineTwo, ram:LineThree, ram:CityName, ram:CountryID), ram:URIUniversalCommunication/ram:URIID, ram:SpecifiedTaxRegistration/ram:ID)`,
      ),
    ).toEqual([company, '401234562', 'Chloé Durand', '69100', ...street, 'Villeurbanne', 'FR', 'compta@sldnila.example', 'FR46401234562']);
    // in the order of the document: postal address, tax scheme, legal entity
    expect(xpathValues(ubl(chloe), '/inv:Invoice/cac:AccountingCustomerParty/cac:Party/(cac:PostalAddress/cbc:PostalZone, cac:PartyTaxScheme/cbc:CompanyID, cac:PartyLegalEntity/cbc:CompanyID)')).toEqual([
      '69100',
      'FR46401234562',
      '401234562',
    ]);
    // the line in the payer's language, the same in the e-invoice and the PDF
    expect(xpathValues(cii(chloe), '//ram:SpecifiedTradeProduct/ram:Name').map(squeeze)).toEqual(['Bureau nomade — Dec 1, 2026 to Dec 31, 2026']);
    expect(xpathValues(cii(paul), '//ram:SpecifiedTradeProduct/ram:Name').map(squeeze)).toEqual(['Bureau nomade — 1 déc. 2026 au 31 déc. 2026']);
    expect(xpathValues(cii(paul), `/rsm:CrossIndustryInvoice/${buyer}/(ram:Name, ram:PostalTradeAddress/(ram:PostcodeCode, ram:LineOne, ram:CityName, ram:CountryID))`)).toEqual(['Paul Martin', '1000', 'Rue Neuve 3', 'Bruxelles', 'BE']);

    await ok(db, ['invoices', 'pdf', chloe, paul, '-o', dir]);
    const business = pdfText(path.join(dir, `${chloe}.pdf`));
    expect(business).toContain('Invoice');
    expect(business).toContain('Attn. Chloé Durand');
    for (const line of [...street, '69100 Villeurbanne', 'SIREN 401 234 562', 'VAT number FR46401234562']) expect(business).toContain(line);
    expect(business).toContain('Fixed compensation for recovery costs in case of late payment: €40 (French Commercial Code, art. L441-10 and D441-5).');
    expect(business).toContain('Bureau nomade — Dec 1, 2026 to Dec 31, 2026');

    const consumer = pdfText(path.join(dir, `${paul}.pdf`));
    expect(consumer).toContain('Facture');
    for (const line of ['Paul Martin', 'Rue Neuve 3', '1000 Bruxelles', 'Belgique']) expect(consumer).toContain(line);
    expect(consumer).toContain('Bureau nomade — 1 déc. 2026 au 31 déc. 2026');
    expect(consumer).not.toContain('Indemnité forfaitaire');
    expect(consumer).not.toContain('SIREN 4');
  });
});
