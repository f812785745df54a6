import { afterEach, describe, expect, it } from 'vitest';
import { type ImportOptions, importFile, validateFile } from '../../src/core/import/run.js';
import { undoBatch } from '../../src/core/import/undo.js';
import type { Problem } from '../../src/core/kernel/problems.js';
import { addMandate, revokeMandate } from '../../src/core/sepa/mandates.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';
import { seedPlan, source } from './people-fixtures.js';

const files = tempFolder('import-mandates');
const today = '2026-03-02';
const header = 'Name,Email,Plan name,Start date,Next invoice date,Paid by,IBAN,BIC,Mandate reference,Mandate date,Mandate scheme';

const members = [
  header,
  'Ann Weber,ann@example.org,Hot Desk,2026-01-01,2026-04-01,,de89 3704 0044 0532 0130 00,cobadeffxxx,,2026-01-10,',
  'Bruno Keller,bruno@example.org,Hot Desk,2026-01-01,2026-04-01,,NL91ABNA0417164300,,ACME-2026-01,2026-01-11,B2B',
  'Chloé Dubois,chloe@example.org,Hot Desk,2026-01-01,2026-04-01,bruno@example.org,,,,,',
  'Dora Lenz,dora@example.org,,,,,,,,,',
];

let count = 0;
function write(lines: string[]): string {
  count += 1;
  return files.write(`members-${count}.csv`, `${lines.join('\n')}\n`);
}

function options(file: string, extra: Partial<ImportOptions> = {}): ImportOptions {
  return { file, mode: 'import', today, dryRun: false, onError: 'abort', update: false, rejectsFile: `${file}.rejects.csv`, source: 'template', env: { MEMBERCTL_ACTOR: 'test' }, ...extra };
}

async function validate(db: Db, lines: string[]) {
  const result = await validateFile(db.kysely, { file: write(lines), mode: 'import', today, dateFormat: null });
  return { ...result, problems: [...result.problems] };
}

/** Every mandate, oldest first, with its payer's e-mail. */
async function mandates(db: Db) {
  return db.kysely
    .selectFrom('sepa_mandates as m')
    .innerJoin('members', 'members.id', 'm.member_id')
    .select(['members.email', 'm.reference', 'm.iban', 'm.bic', 'm.scheme', 'm.signed_on', 'm.status', 'm.revoked_on'])
    .orderBy('m.id')
    .execute();
}

const errorsOf = (problems: Problem[]) => problems.filter((p) => p.severity === 'error').map((p) => [p.row, p.column, p.code, p.message]);

describe.each(dialects)('importing SEPA mandates with members on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());
  const start = async () => {
    db = await freshDb(dialect);
    await seedPlan(db.kysely, 'Hot Desk');
  };

  it('creates each payer’s mandate with the person, normalised, with a reference given or generated, in the batch', async () => {
    await start();
    const result = await importFile(db, options(write(members)));
    expect(result).toMatchObject({ created: { members: 4, memberships: 3, mandates: 2 }, rejected: 0, written: true });
    expect([...result.problems]).toEqual([]);
    expect(await mandates(db)).toEqual([
      { email: 'ann@example.org', reference: 'MND-000001-01', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX', scheme: 'core', signed_on: '2026-01-10', status: 'active', revoked_on: null },
      { email: 'bruno@example.org', reference: 'ACME-2026-01', iban: 'NL91ABNA0417164300', bic: null, scheme: 'b2b', signed_on: '2026-01-11', status: 'active', revoked_on: null },
    ]);
    const audit = await db.kysely.selectFrom('audit_log').select(['batch_id', 'action', 'summary']).where('entity', '=', 'sepa_mandates').orderBy('id').execute();
    expect(audit).toEqual([
      { batch_id: result.batch, action: 'insert', summary: 'SEPA mandate MND-000001-01 (core) signed on 2026-01-10, imported' },
      { batch_id: result.batch, action: 'insert', summary: 'SEPA mandate ACME-2026-01 (b2b) signed on 2026-01-11, imported' },
    ]);
  });

  it('reads a French file: RUM, Date de signature du mandat and day-first dates, which the mandate date alone can prove', async () => {
    await start();
    const french = [
      'Nom;E-mail;Nom du forfait;Date de début;Date de la prochaine facture;IBAN;RUM;Date de signature du mandat;Schéma du mandat',
      'Élodie Martin;elodie@example.fr;Hot Desk;01/02/2026;01/04/2026;FR76 3000 6000 0112 3456 7890 189;RUM-0042;25/01/2026;SDD Core',
    ];
    const result = await importFile(db, options(write(french)));
    expect([...result.problems].map((p) => p.code)).toEqual(['date_format_inferred']);
    expect(result).toMatchObject({ created: { members: 1, mandates: 1 } });
    expect((await mandates(db)).map((m) => [m.reference, m.iban, m.signed_on, m.scheme])).toEqual([['RUM-0042', 'FR7630006000011234567890189', '2026-01-25', 'core']]);
    const membership = await db.kysely.selectFrom('memberships').select(['start_date']).executeTakeFirstOrThrow();
    expect(membership.start_date).toBe('2026-02-01');
  });

  it('re-importing the same file changes nothing: no second mandate', async () => {
    await start();
    const file = write(members);
    await importFile(db, options(file));
    const again = await importFile(db, options(file));
    expect(again).toMatchObject({ created: { members: 0, mandates: 0 }, updated: { members: 0 }, unchanged: 4, written: false, batch: null });
    // even once one of them is revoked: the person has that mandate, revoked or not
    await db.kysely.transaction().execute((trx) => revokeMandate(trx, 'MND-000001-01', { date: today, reason: null }, today, source));
    expect(await importFile(db, options(file))).toMatchObject({ created: { mandates: 0 }, unchanged: 4, written: false });
    expect(await mandates(db)).toHaveLength(2);
  });

  it('import undo removes the mandates with the people', async () => {
    await start();
    const result = await importFile(db, options(write(members)));
    const undone = await undoBatch(db, result.batch!, source);
    expect(undone.removed).toMatchObject({ members: 4, mandates: 2 });
    expect(await mandates(db)).toEqual([]);
    expect(await db.kysely.selectFrom('members').select('id').execute()).toEqual([]);
  });

  it('lists every mandate problem by row and column, and writes nothing', async () => {
    await start();
    await importFile(db, options(write([header, 'Old Payer,old@example.org,,,,,FR7630006000011234567890189,,TAKEN-1,2025-06-01,'])));
    const lines = [
      header,
      'A,a@example.org,,,,,DE89370400440532013001,,,2026-01-10,',
      'B,b@example.org,,,,,DE89370400440532013000,BANK,,2026-01-10,',
      'C,c@example.org,,,,,DE89370400440532013000,,,2026-03-03,',
      'D,d@example.org,,,,,DE89370400440532013000,,,,',
      'E,e@example.org,,,,,,COBADEFFXXX,,2026-01-10,',
      'F,f@example.org,,,,,DE89370400440532013000,,SAME-REF,2026-01-10,',
      'G,g@example.org,,,,,NL91ABNA0417164300,,SAME-REF,2026-01-10,',
      'H,h@example.org,,,,,NL91ABNA0417164300,,TAKEN-1,2026-01-10,',
      'I,i@example.org,,,,a@example.org,NL91ABNA0417164300,,,2026-01-10,',
      'J,j@example.org,,,,,NL91ABNA0417164300,,MANDAT Nº1,2026-01-10,',
      'K,k@example.org,,,,,NL91ABNA0417164300,,,2026-01-10,sepa',
      'L,l@example.org,,,,,BR1800360305000010009795493C1,,,2026-01-10,',
    ];
    const result = await validate(db, lines);
    expect(result.valid).toBe(false);
    expect(errorsOf(result.problems)).toEqual([
      [2, 'IBAN', 'invalid_value', '"DE89370400440532013001" is not accepted: not a valid IBAN: its check digits do not match (a mistyped character?)'],
      [3, 'BIC', 'invalid_value', expect.stringContaining('"BANK" is not accepted: not a valid BIC')],
      [4, 'Mandate date', 'invalid_date', 'the mandate date 2026-03-03 is after today (2026-03-02): give the day the mandate was signed'],
      [5, 'Mandate date', 'required', 'a mandate needs its signature date: give the day the mandate of this IBAN was signed in Mandate date, or leave IBAN empty to import no mandate'],
      [6, 'IBAN', 'required', 'BIC and Mandate date are given but no IBAN: a mandate is for an account; give its IBAN, or leave the mandate columns empty'],
      [8, 'Mandate reference', 'duplicate_mandate', expect.stringContaining('the mandate reference SAME-REF is already on row 7: a mandate reference is unique')],
      [9, 'Mandate reference', 'duplicate_mandate', expect.stringContaining("the mandate reference TAKEN-1 is already the reference of member #1's mandate")],
      [10, 'IBAN', 'mandate_of_payee', expect.stringContaining('this person is paid by "a@example.org" (row 2): a mandate belongs to the payer')],
      [11, 'Mandate reference', 'invalid_value', expect.stringContaining('"MANDAT Nº1" is not accepted: a mandate reference uses only letters A-Z')],
      [12, 'Mandate scheme', 'invalid_value', '"sepa" is not a scheme: write core (consumers) or b2b (businesses), or leave it empty for core'],
      [13, 'IBAN', 'invalid_value', '"BR1800360305000010009795493C1" is not accepted: BR is not a country of the SEPA scheme: its accounts cannot be debited by SEPA Direct Debit'],
    ]);
    const imported = await importFile(db, options(write(lines)));
    expect(imported).toMatchObject({ written: false, created: { members: 0, mandates: 0 } });
    // a file with a BIC column and no IBAN column
    const bicOnly = await validate(db, ['Name,Email,BIC', 'M,m@example.org,COBADEFFXXX']);
    expect(errorsOf(bicOnly.problems)).toEqual([[2, 'IBAN', 'required', 'BIC is given but no IBAN: a mandate is for an account; give its IBAN, or leave the mandate columns empty']]);
    expect(await mandates(db)).toHaveLength(1);
  });

  it('with --on-error skip, a row whose mandate is wrong is rejected with its person, the others are imported', async () => {
    await start();
    const file = write([header, 'A,a@example.org,,,,,DE89370400440532013001,,,2026-01-10,', 'B,b@example.org,,,,,NL91ABNA0417164300,,,2026-01-10,']);
    const result = await importFile(db, options(file, { onError: 'skip' }));
    expect(result).toMatchObject({ created: { members: 1, mandates: 1 }, rejected: 1 });
    expect((await mandates(db)).map((m) => [m.email, m.reference])).toEqual([['b@example.org', 'MND-000001-01']]);
  });

  it('the rows of one person agree on the mandate: an empty cell agrees, another IBAN is conflicting_rows', async () => {
    await start();
    await seedPlan(db.kysely, 'Meeting Room');
    const agreeing = [
      header,
      'Ann Weber,ann@example.org,Hot Desk,2026-01-01,2026-04-01,,DE89370400440532013000,,,,',
      'Ann Weber,ann@example.org,Meeting Room,2026-01-01,2026-04-01,,,,ANN-1,2026-01-10,',
    ];
    const result = await importFile(db, options(write(agreeing)));
    expect(result).toMatchObject({ created: { members: 1, memberships: 2, mandates: 1 }, rejected: 0 });
    expect((await mandates(db)).map((m) => [m.email, m.reference, m.iban, m.signed_on])).toEqual([['ann@example.org', 'ANN-1', 'DE89370400440532013000', '2026-01-10']]);

    const conflicting = await validate(db, [
      header,
      'Bo,bo@example.org,Hot Desk,2026-01-01,2026-04-01,,DE89370400440532013000,,,2026-01-10,',
      'Bo,bo@example.org,Meeting Room,2026-01-01,2026-04-01,,NL91ABNA0417164300,,,2026-01-10,',
    ]);
    expect(errorsOf(conflicting.problems)).toEqual([[3, 'IBAN', 'conflicting_rows', expect.stringContaining('IBAN: "DE89370400440532013000" on row 2, "NL91ABNA0417164300" here')]]);

    // no row of the person gives the date: the merged person lacks it
    const undated = await validate(db, [
      header,
      'Cy,cy@example.org,Hot Desk,2026-01-01,2026-04-01,,DE89370400440532013000,,,,',
      'Cy,cy@example.org,Meeting Room,2026-01-01,2026-04-01,,,,,,',
    ]);
    expect(errorsOf(undated.problems)).toEqual([[2, 'Mandate date', 'required', expect.stringContaining('a mandate needs its signature date')]]);
  });

  it('adding a mandate to an existing person needs --update; a changed IBAN then replaces the active mandate, and undo brings it back', async () => {
    await start();
    await importFile(db, options(write(members)));
    const changed = [header, 'Ann Weber,ann@example.org,,,,,FR76 3000 6000 0112 3456 7890 189,,,2026-02-15,', 'Dora Lenz,dora@example.org,,,,,NL91ABNA0417164300,,,2026-02-01,'];
    const refused = await importFile(db, options(write(changed)));
    expect(refused.written).toBe(false);
    expect(errorsOf([...refused.problems])).toEqual([
      [2, 'Email', 'conflict_existing', 'member #1 exists with other values (IBAN: mandate MND-000001-01 (DE89370400440532013000, signed on 2026-01-10) replaced by a new one (FR7630006000011234567890189, signed on 2026-02-15)): use --update to change it'],
      [3, 'Email', 'conflict_existing', 'member #4 exists with other values (IBAN: adds a mandate (NL91ABNA0417164300, signed on 2026-02-01)): use --update to change it'],
    ]);

    const updated = await importFile(db, options(write(changed), { update: true }));
    expect(updated).toMatchObject({ created: { members: 0, mandates: 2 }, updated: { members: 2 }, written: true });
    expect((await mandates(db)).map((m) => [m.email, m.reference, m.iban, m.status, m.revoked_on])).toEqual([
      ['ann@example.org', 'MND-000001-01', 'DE89370400440532013000', 'revoked', today],
      ['bruno@example.org', 'ACME-2026-01', 'NL91ABNA0417164300', 'active', null],
      ['ann@example.org', 'MND-000001-02', 'FR7630006000011234567890189', 'active', null],
      ['dora@example.org', 'MND-000004-01', 'NL91ABNA0417164300', 'active', null],
    ]);
    // the same file again: the new mandates are theirs
    expect(await importFile(db, options(write(changed), { update: true }))).toMatchObject({ created: { mandates: 0 }, unchanged: 2, written: false });

    const undone = await undoBatch(db, updated.batch!, source);
    expect(undone.removed.mandates).toBe(2);
    expect((await mandates(db)).map((m) => [m.email, m.reference, m.status, m.revoked_on])).toEqual([
      ['ann@example.org', 'MND-000001-01', 'active', null],
      ['bruno@example.org', 'ACME-2026-01', 'active', null],
    ]);
  });

  it('import undo is refused once a mandate it added to an existing person was revoked since', async () => {
    await start();
    await importFile(db, options(write(members)));
    const added = await importFile(db, options(write([header, 'Dora Lenz,dora@example.org,,,,,NL91ABNA0417164300,,,2026-02-01,']), { update: true }));
    expect(added).toMatchObject({ created: { mandates: 1 }, updated: { members: 1 } });
    await db.kysely.transaction().execute((trx) => revokeMandate(trx, 'MND-000004-01', { date: today, reason: null }, today, source));
    await expect(undoBatch(db, added.batch!, source)).rejects.toThrow(/member #4: SEPA mandate MND-000004-01 revoked on 2026-03-02/);
    expect((await mandates(db)).map((m) => [m.reference, m.status])).toContainEqual(['MND-000004-01', 'revoked']);
  });

  it('refuses, even with --update, a mandate older than the active one and other values under a reference the person has', async () => {
    await start();
    await importFile(db, options(write(members)));
    const result = await importFile(
      db,
      options(
        write([
          header,
          'Ann Weber,ann@example.org,,,,,FR7630006000011234567890189,,,2025-12-01,',
          'Bruno Keller,bruno@example.org,,,,,NL91ABNA0417164300,,ACME-2026-01,2026-01-12,core',
        ]),
        { update: true },
      ),
    );
    expect(result.written).toBe(false);
    expect(errorsOf([...result.problems])).toEqual([
      [2, 'Mandate date', 'conflict_existing', "member #1's active mandate MND-000001-01 was signed on 2026-01-10, after this one (2025-12-01): an older mandate does not replace it; leave the mandate columns empty to keep it"],
      [
        3,
        'Mandate reference',
        'conflict_existing',
        "member #2's mandate ACME-2026-01 has the signature date 2026-01-11 (this row: 2026-01-12), the scheme b2b (this row: core): a signed mandate does not change; a new mandate has a reference of its own (or leave Mandate reference empty for memberctl to give one)",
      ],
    ]);
  });

  it('a mandate on an existing person paid by another member is refused, and a generated reference skips one the file gives', async () => {
    await start();
    await importFile(db, options(write(members)));
    const payee = await validate(db, [header, 'Chloé Dubois,chloe@example.org,,,,,NL91ABNA0417164300,,,2026-01-10,']);
    expect(errorsOf(payee.problems)).toEqual([[2, 'IBAN', 'mandate_of_payee', expect.stringContaining('this person is paid by member #2, as the database says')]]);

    // a reference that an existing mandate has too, and one the file gives: the new person's generated one moves past both
    await db.kysely.transaction().execute((trx) => addMandate(trx, { memberRef: 'dora@example.org', iban: 'NL91ABNA0417164300', reference: 'MND-000006-01', signedOn: '2026-01-01', scheme: 'core' }, today, source));
    const result = await importFile(db, options(write([header, 'Eve,eve@example.org,,,,,NL91ABNA0417164300,,MND-000006-02,2026-01-10,', 'Fred,fred@example.org,,,,,NL91ABNA0417164300,,,2026-01-10,'])));
    expect(result).toMatchObject({ created: { members: 2, mandates: 2 }, written: true });
    expect((await mandates(db)).slice(-2).map((m) => [m.email, m.reference])).toEqual([
      ['eve@example.org', 'MND-000006-02'],
      ['fred@example.org', 'MND-000006-03'],
    ]);
  });
});
