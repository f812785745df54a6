import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

// a real 1x1 PNG, and the start of a JPEG (only their first bytes tell what they are)
const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0', 'latin1'), Buffer.alloc(200, 7)]);

const unset = {
  name: null,
  address: null,
  postcode: null,
  city: null,
  country: 'FR',
  siren: null,
  siret: null,
  vatId: null,
  email: null,
  phone: null,
  iban: null,
  bic: null,
  legalForm: null,
  registration: null,
  vatExemption: null,
  latePenalty: null,
  footer: null,
  logo: null,
  updatedAt: null,
};

const fullSet = [
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
  '732 829 320 00074',
  '--vat-id',
  'fr 44 732 829 320',
  '--email',
  'contact@lumiere.example',
  '--phone',
  '+33 4 72 00 00 00',
  '--iban',
  'fr76 3000 6000 0112 3456 7890 189',
  '--bic',
  'bnpafrpp',
  '--legal-form',
  'SAS au capital de 10 000 €',
  '--registration',
  'RCS Lyon 732 829 320',
  '--vat-exemption',
  'TVA non applicable, art. 293 B du CGI',
  '--late-penalty',
  'Pénalités de retard : trois fois le taux légal',
  '--footer',
  'Merci !',
];

const fullJson = {
  name: 'Coworking Lumière',
  address: '12 rue de la République\nBâtiment B',
  postcode: '69001',
  city: 'Lyon',
  country: 'FR',
  siren: '732829320',
  siret: '73282932000074',
  vatId: 'FR44732829320',
  email: 'contact@lumiere.example',
  phone: '+33 4 72 00 00 00',
  iban: 'FR7630006000011234567890189',
  bic: 'BNPAFRPP',
  legalForm: 'SAS au capital de 10 000 €',
  registration: 'RCS Lyon 732 829 320',
  vatExemption: 'TVA non applicable, art. 293 B du CGI',
  latePenalty: 'Pénalités de retard : trois fois le taux légal',
  footer: 'Merci !',
  logo: null,
};

async function auditEntries(url: string) {
  const db = await openDb(url);
  try {
    const rows = await db.kysely.selectFrom('audit_log').select(['action', 'entity', 'entity_id', 'before', 'after', 'summary']).where('entity', '=', 'org_identity').orderBy('id').execute();
    return rows.map((r) => ({ ...r, before: JSON.parse(r.before ?? 'null'), after: JSON.parse(r.after ?? 'null') }));
  } finally {
    await db.close();
  }
}

async function storedLogo(url: string) {
  const db = await openDb(url);
  try {
    const row = await db.kysely.selectFrom('org_identity').select(['logo', 'logo_type']).executeTakeFirstOrThrow();
    return { type: row.logo_type, bytes: row.logo === null ? null : Buffer.from(row.logo) };
  } finally {
    await db.close();
  }
}

describe.each(dialects)("the organisation's identity from the built CLI on %s", (dialect) => {
  it('sets and shows every field, with the documented shapes, and clears a field with ""', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db });

    const empty = await cli(['org', 'show', '--json']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.json()).toEqual({
      ...unset,
      missingForInvoices: [
        { field: 'name', option: '--name', why: 'an invoice names its seller' },
        { field: 'address', option: '--address', why: "an invoice gives the seller's address" },
        { field: 'postcode', option: '--postcode', why: "an invoice gives the seller's address" },
        { field: 'city', option: '--city', why: "an invoice gives the seller's address" },
        { field: 'siren', option: '--siren', why: "a French organisation's invoices carry its SIREN" },
        { field: 'vatExemption', option: '--vat-exemption', why: expect.stringContaining('TVA non applicable') },
      ],
    });
    // the warnings go to stderr, also under --json
    expect(empty.stderr).toContain("warning: invoices need --siren: a French organisation's invoices carry its SIREN");

    const set = await cli([...fullSet, '--json']);
    expect(set.code, set.stderr).toBe(0);
    const document = set.json();
    expect(document).toEqual({
      changed: ['name', 'address', 'postcode', 'city', 'siren', 'siret', 'vatId', 'email', 'phone', 'iban', 'bic', 'legalForm', 'registration', 'vatExemption', 'latePenalty', 'footer'],
      ...fullJson,
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      missingForInvoices: [],
    });

    const [shown, human] = await Promise.all([cli(['org', 'show', '--json']), cli(['org', 'show'])]);
    const { changed: _, ...identity } = document;
    expect(shown.json()).toEqual(identity);
    expect(human.code).toBe(0);
    expect(human.stderr).toBe('');
    expect(human.stdout).toContain("The organisation's identity");
    expect(human.stdout).toMatch(/\n {2}name {11}Coworking Lumière\n/);
    expect(human.stdout).toMatch(/address {8}12 rue de la République\n {17}Bâtiment B\n/);
    expect(human.stdout).toContain('FR (France)');
    expect(human.stdout).toContain('732 829 320 00074');
    expect(human.stdout).toContain('FR76 3000 6000 0112 3456 7890 189');
    expect(human.stdout).toMatch(/logo {11}-\n/);

    // the same values again: nothing to change, exit 0
    const again = await cli([...fullSet]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('Nothing to change.');

    const cleared = await cli(['org', 'set', '--phone', '', '--footer', '', '--json']);
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.json()).toMatchObject({ changed: ['phone', 'footer'], phone: null, footer: null, name: 'Coworking Lumière' });

    // a SIREN alone keeps the SIRET that belongs to it; clearing it clears the SIRET and needs the VAT number gone too
    const sirenOnly = await cli(['org', 'set', '--siren', '', '--vat-id', '', '--json']);
    expect(sirenOnly.json()).toMatchObject({ changed: ['siren', 'siret', 'vatId'], siren: null, siret: null, vatId: null });
    expect(sirenOnly.json().missingForInvoices.map((m: { option: string }) => m.option)).toEqual(['--siren']);

    const belgian = await cli(['org', 'set', '--country', 'be', '--postcode', '1000', '--city', 'Bruxelles', '--vat-id', 'BE 0403.170.701', '--json']);
    expect(belgian.code, belgian.stderr).toBe(0);
    expect(belgian.json()).toMatchObject({ country: 'BE', postcode: '1000', vatId: 'BE0403170701', missingForInvoices: [] });
  });

  it('asks for the VAT number once a plan charges VAT', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db });
    expect((await cli(['org', 'set', '--name', 'L', '--address', '1 rue A', '--postcode', '69001', '--city', 'Lyon', '--siren', '732829320'])).code).toBe(0);
    expect((await cli(['org', 'show', '--json'])).json().missingForInvoices.map((m: { field: string }) => m.field)).toEqual(['vatExemption']);
    expect((await cli(['plans', 'add', 'Desk', '--price', '100', '--tax-rate', '20'])).code).toBe(0);
    const show = await cli(['org', 'show', '--json']);
    expect(show.json().missingForInvoices).toEqual([{ field: 'vatId', option: '--vat-id', why: 'an invoice that charges VAT carries the VAT number of its seller' }]);
    expect(show.stderr).toContain('warning: invoices need --vat-id');
  });

  it('stores a PNG or JPEG logo as its bytes, refuses anything else, and removes it with --no-logo', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db });
    const dir = tempDir();
    const file = (name: string, bytes: Buffer) => {
      const p = path.join(dir, name);
      fs.writeFileSync(p, bytes);
      return p;
    };
    const pngFile = file('logo.png', png);
    // named .png, but a JPEG: the bytes decide
    const jpegFile = file('photo.png', jpeg);
    const textFile = file('notes.png', Buffer.from('this is not an image\n'));
    const oneMb = Buffer.alloc(1024 * 1024);
    png.copy(oneMb);
    const maxFile = file('max.png', oneMb);
    const tooLarge = file('large.png', Buffer.concat([oneMb, Buffer.from([0])]));

    const setPng = await cli(['org', 'set', '--logo', pngFile, '--json']);
    expect(setPng.code, setPng.stderr).toBe(0);
    expect(setPng.json()).toMatchObject({ changed: ['logo'], logo: { type: 'image/png', bytes: png.length } });
    expect(await storedLogo(db)).toEqual({ type: 'image/png', bytes: png });
    expect((await cli(['org', 'show'])).stdout).toContain(`image/png, ${png.length} bytes`);

    const setJpeg = await cli(['org', 'set', '--logo', jpegFile, '--json']);
    expect(setJpeg.json()).toMatchObject({ changed: ['logo'], logo: { type: 'image/jpeg', bytes: jpeg.length } });
    expect(await storedLogo(db)).toEqual({ type: 'image/jpeg', bytes: jpeg });

    const [text, large, missing, folder, device] = await Promise.all([
      cli(['org', 'set', '--logo', textFile]),
      cli(['org', 'set', '--logo', tooLarge, '--name', 'X']),
      cli(['org', 'set', '--logo', path.join(dir, 'nowhere.png')]),
      cli(['org', 'set', '--logo', dir]),
      // endless: refused before it is read
      cli(['org', 'set', '--logo', '/dev/zero']),
    ]);
    expect(text.code).toBe(64);
    expect(text.stderr).toContain(`--logo ${textFile}: the logo must be a PNG or JPEG image`);
    expect(large.code).toBe(64);
    expect(large.stderr).toContain('1048577 bytes; a logo is at most 1 MB (1048576 bytes)');
    expect(missing.code).toBe(66);
    expect(missing.stderr).toContain('nowhere.png: no such file');
    expect(folder.code).toBe(66);
    expect(device.code).toBe(66);
    expect(device.stderr).toContain('--logo /dev/zero: is not a regular file');
    for (const r of [text, large, missing, folder, device]) noStackTrace(r.stderr);
    // nothing changed: the name given beside the refused logo was not written either
    expect(await storedLogo(db)).toEqual({ type: 'image/jpeg', bytes: jpeg });
    expect((await cli(['org', 'show', '--json'])).json().name).toBeNull();

    const max = await cli(['org', 'set', '--logo', maxFile, '--json']);
    expect(max.code, max.stderr).toBe(0);
    expect(max.json().logo).toEqual({ type: 'image/png', bytes: 1024 * 1024 });
    expect((await storedLogo(db)).bytes?.equals(oneMb)).toBe(true);

    const removed = await cli(['org', 'set', '--no-logo', '--json']);
    expect(removed.json()).toMatchObject({ changed: ['logo'], logo: null });
    expect(await storedLogo(db)).toEqual({ type: null, bytes: null });

    const audit = await auditEntries(db);
    expect(audit.map((a) => [a.before, a.after])).toEqual([
      [{ logo: null }, { logo: { type: 'image/png', bytes: png.length } }],
      [{ logo: { type: 'image/png', bytes: png.length } }, { logo: { type: 'image/jpeg', bytes: jpeg.length } }],
      [{ logo: { type: 'image/jpeg', bytes: jpeg.length } }, { logo: { type: 'image/png', bytes: 1024 * 1024 } }],
      [{ logo: { type: 'image/png', bytes: 1024 * 1024 } }, { logo: null }],
    ]);
  });

  it('refuses bad values with 64, reporting each with its rule, and changes nothing', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db });
    expect((await cli([...fullSet])).code).toBe(0);
    const before = (await cli(['org', 'show', '--json'])).json();
    const audits = (await auditEntries(db)).length;

    const [many, siren, vatKey, noOption, badCountry, mismatch, unknownOption] = await Promise.all([
      cli(['org', 'set', '--siren', '123456788', '--iban', 'FR7630006000011234567890188', '--bic', 'BNPAZZPP', '--email', 'nope', '--city', 'Villeurbanne']),
      cli(['org', 'set', '--siren', '123456788']),
      cli(['org', 'set', '--vat-id', 'FR12732829320']),
      cli(['org', 'set']),
      cli(['org', 'set', '--country', 'BE']),
      cli(['org', 'set', '--siren', '552081317']),
      cli(['org', 'set', '--vat', 'FR44732829320']),
    ]);
    expect(many.code).toBe(64);
    for (const line of [
      'error: --siren 123456788: not a valid SIREN (9 digits whose Luhn checksum is 0)',
      'error: --email nope: an e-mail address',
      'error: --iban FR7630006000011234567890188: not a valid IBAN',
      'error: --bic BNPAZZPP: not a valid BIC: ZZ (its 5th and 6th letters) is not a country code',
      'error: 4 values refused; nothing was changed',
    ]) {
      expect(many.stderr).toContain(line);
    }
    expect(siren.code).toBe(64);
    expect(siren.stderr.trim()).toBe('error: --siren 123456788: not a valid SIREN (9 digits whose Luhn checksum is 0)');
    expect(vatKey.code).toBe(64);
    expect(vatKey.stderr).toContain('the key of SIREN 732829320 is 44 (FR44732829320)');
    expect(noOption.code).toBe(64);
    expect(noOption.stderr).toContain('give at least one option');
    expect(badCountry.code).toBe(64);
    expect(badCountry.stderr).toContain('--country BE: the postcode 69001 is not a postcode of BE (4 digits)');
    expect(mismatch.code).toBe(64);
    expect(mismatch.stderr).toContain('the VAT number FR44732829320 is that of SIREN 732829320');
    expect(unknownOption.code).toBe(64);
    for (const r of [many, siren, vatKey, noOption, badCountry, mismatch]) {
      noStackTrace(r.stderr);
      expect(r.stdout).toBe('');
    }

    expect((await cli(['org', 'show', '--json'])).json()).toEqual(before);
    expect((await auditEntries(db)).length).toBe(audits);
  });

  it('two org set at the same time on different fields both keep their change', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db });
    expect((await cli(['org', 'set', '--name', 'Lumière'])).code).toBe(0);
    const results = await Promise.all([cli(['org', 'set', '--city', 'Lyon']), cli(['org', 'set', '--phone', '+33 4 72 00 00 00'])]);
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    expect((await cli(['org', 'show', '--json'])).json()).toMatchObject({ name: 'Lumière', city: 'Lyon', phone: '+33 4 72 00 00 00' });
    // one entry each, with only its own field
    const audit = await auditEntries(db);
    expect(audit.slice(1).map((a) => a.after).sort((a, b) => Object.keys(a)[0]!.localeCompare(Object.keys(b)[0]!))).toEqual([{ city: 'Lyon' }, { phone: '+33 4 72 00 00 00' }]);
  });

  it('audits every change with each changed field before and after', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db, env: { MEMBERCTL_ACTOR: 'treasurer' } });
    expect((await cli(['org', 'set', '--name', 'Lumière', '--siren', '73282932000074'])).code).toBe(0);
    expect((await cli(['org', 'set', '--name', 'Coworking Lumière', '--city', 'Lyon', '--siren', '732829320'])).code).toBe(0);
    expect((await cli(['org', 'set', '--name', ''])).code).toBe(0);
    // nothing changed: no entry
    expect((await cli(['org', 'set', '--city', 'Lyon'])).code).toBe(0);

    const audit = await auditEntries(db);
    expect(audit).toEqual([
      {
        action: 'update',
        entity: 'org_identity',
        entity_id: '1',
        before: { name: null, siren: null, siret: null },
        after: { name: 'Lumière', siren: '732829320', siret: '73282932000074' },
        summary: 'organisation identity: name, siren, siret changed',
      },
      {
        action: 'update',
        entity: 'org_identity',
        entity_id: '1',
        before: { name: 'Lumière', city: null },
        after: { name: 'Coworking Lumière', city: 'Lyon' },
        summary: 'organisation identity: name, city changed',
      },
      {
        action: 'update',
        entity: 'org_identity',
        entity_id: '1',
        before: { name: 'Coworking Lumière' },
        after: { name: null },
        summary: 'organisation identity: name changed',
      },
    ]);
    const conn = await openDb(db);
    const actors = await conn.kysely.selectFrom('audit_log').select('actor').where('entity', '=', 'org_identity').execute();
    await conn.close();
    expect(actors.every((a) => a.actor === 'treasurer')).toBe(true);
  });
});
