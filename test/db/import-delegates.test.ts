import { afterEach, describe, expect, it } from 'vitest';
import { importFile, validateFile } from '../../src/core/import/run.js';
import type { Problem } from '../../src/core/kernel/problems.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';
import { at, seedMembership, seedPlan } from './people-fixtures.js';

const files = tempFolder('import-delegates');
const today = '2026-03-01';
const header = 'Name,Email,Plan name,Start date,Next invoice date,Quantity,Delegate of';

const person = async (db: Db, name: string, email: string | null = null) =>
  (
    await db.kysely
      .insertInto('members')
      .values({ name, email, email_key: email, created_at: at, updated_at: at })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;

async function validate(db: Db, lines: string[]): Promise<Problem[]> {
  const file = files.write('members.csv', `${lines.join('\n')}\n`);
  return [...(await validateFile(db.kysely, { file, mode: 'import', today })).problems];
}

/** [row, column, code, message] of the problems of the rows with a Delegate of */
const shown = (problems: Problem[]) => problems.filter((p) => p.code !== 'possible_duplicate').map((p) => [p.row, p.column, p.code, p.message]);

describe.each(dialects)('Delegate of in a member file on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());

  it('reports each problem of a delegate row with its row, column and fix', async () => {
    db = await freshDb(dialect);
    const team = await seedPlan(db.kysely, 'Team');
    const desk = await seedPlan(db.kysely, 'Desk');
    await person(db, 'Twin');
    await person(db, 'Twin');
    const multi = await person(db, 'Multi', 'multi@example.org');
    await seedMembership(db.kysely, multi, team);
    await seedMembership(db.kysely, multi, desk);
    const ended = await person(db, 'Ended', 'ended@example.org');
    await seedMembership(db.kysely, ended, team, { end_date: '2026-02-01' });
    const full = await person(db, 'Full Co', 'full@example.org');
    const seat = await seedMembership(db.kysely, full, team, { quantity: 1 });
    const taken = await person(db, 'Taken', 'taken@example.org');
    await db.kysely.insertInto('delegates').values({ membership_id: seat, member_id: taken, created_at: at }).execute();

    const problems = await validate(db, [
      header,
      'Acme,acme@example.org,Team,2026-01-01,2026-04-01,1,',
      'Unknown,unknown@example.org,,,,,nobody@example.org',
      'Ambiguous,ambiguous@example.org,,,,,Twin',
      'Myself,myself@example.org,,,,,Myself',
      'Several,several@example.org,,,,,Multi',
      'Wrong Plan,wrong@example.org,Desk,,,,Acme',
      'No Membership,none@example.org,,,,,ended@example.org',
      'First,first@example.org,,,,,Acme',
      'Second,second@example.org,Team,,,,Acme',
      'Beyond Db,beyond@example.org,,,,,Full Co',
      'Dated,dated@example.org,Team,2026-01-01,,,Multi',
      'Taken,taken@example.org,,,,,Full Co',
    ]);
    expect(shown(problems)).toEqual([
      [
        3,
        'Delegate of',
        'unknown_holder',
        "no member has the e-mail nobody@example.org, in this file or in the database: write the e-mail or exact name of the membership's holder, or add the holder on a row of their own",
      ],
      [4, 'Delegate of', 'ambiguous_holder', `2 members in the database are named "Twin" (#1, #2): write the holder's e-mail or #id instead`],
      [5, 'Delegate of', 'self_delegate', '"Myself" is this row\'s own person: a holder is not their own delegate; name the holder of the membership, or leave Delegate of empty'],
      [
        6,
        'Delegate of',
        'holder_membership',
        `Multi (#${multi}) has 2 memberships active or upcoming on 2026-03-01 (Team, Desk): write the plan of the one this person is a delegate of in Plan name`,
      ],
      [
        7,
        'Plan name',
        'holder_membership',
        'Acme (row 2) has no membership on the plan "Desk" active or upcoming on 2026-03-01 (theirs: Team): write the plan of the holder\'s membership in Plan name, or give the holder that membership',
      ],
      [
        8,
        'Delegate of',
        'holder_membership',
        `ended@example.org (#${ended}) has no membership active or upcoming on 2026-03-01: give the holder a membership (a plan on their row) for this person to be a delegate of`,
      ],
      [
        10,
        'Delegate of',
        'seats_full',
        "the membership of Acme (row 2) on Team has 1 seat, all taken (0 delegates in the database and row 9 of this file): give the holder's membership a larger Quantity, or remove a delegate",
      ],
      [
        11,
        'Delegate of',
        'seats_full',
        `the membership of Full Co (#${full}) on Team has 1 seat, all taken (1 delegate in the database): give the holder's membership a larger Quantity, or remove a delegate`,
      ],
      [
        12,
        'Start date',
        'delegate_dates',
        "Start date is given on a row with Delegate of: a delegate has no membership of their own (Plan name names the holder's plan); leave it empty, or give the person's own membership on a row of its own without Delegate of",
      ],
    ]);
    // a delegate already named takes no new seat
    expect(problems.filter((p) => p.row === 13)).toEqual([]);
  });

  it('a delegate row creates no membership of its own, and a failed delegate row writes nothing at all', async () => {
    db = await freshDb(dialect);
    await seedPlan(db.kysely, 'Team');
    const write = (lines: string[]) => {
      const file = files.write('import.csv', `${lines.join('\n')}\n`);
      return importFile(db, { file, mode: 'import', today, dryRun: false, onError: 'abort', update: false, rejectsFile: `${file}.rejects.csv`, source: 'template', env: {} });
    };
    const refused = await write([header, 'Acme,acme@example.org,Team,2026-01-01,2026-04-01,1,', 'A,a@example.org,,,,,Acme', 'B,b@example.org,,,,,Acme']);
    expect(refused).toMatchObject({ written: false, delegates: 0 });
    expect(await db.kysely.selectFrom('members').select('id').execute()).toEqual([]);

    const done = await write([header, 'Acme,acme@example.org,Team,2026-01-01,2026-04-01,2,', 'A,a@example.org,Team,,,,Acme', 'B,b@example.org,,,,,acme@example.org']);
    expect(done).toMatchObject({ written: true, delegates: 2, created: { members: 3, memberships: 1 } });
    const memberships = await db.kysely.selectFrom('memberships').innerJoin('members', 'members.id', 'memberships.member_id').select(['members.name', 'memberships.quantity']).execute();
    expect(memberships).toEqual([{ name: 'Acme', quantity: 2 }]);
    const audit = await db.kysely.selectFrom('audit_log').select(['action', 'summary', 'batch_id']).where('action', '=', 'add_delegate').orderBy('id').execute();
    expect(audit.map((a) => [a.summary, a.batch_id])).toEqual([
      ['A (#2) named a delegate of membership 1', done.batch],
      ['A (#2) named a delegate of membership 1', done.batch],
      ['B (#3) named a delegate of membership 1', done.batch],
      ['B (#3) named a delegate of membership 1', done.batch],
    ]);
  });

  it('--on-error skip: a delegate whose holder row is rejected is imported without the delegation, with a warning', async () => {
    db = await freshDb(dialect);
    await seedPlan(db.kysely, 'Team');
    const file = files.write('skip.csv', `${[header, 'Acme,acme@example.org,Teem,2026-01-01,2026-04-01,2,', 'A,a@example.org,,,,,Acme'].join('\n')}\n`);
    const result = await importFile(db, { file, mode: 'import', today, dryRun: false, onError: 'skip', update: false, rejectsFile: `${file}.rejects.csv`, source: 'template', env: {} });
    expect(result).toMatchObject({ written: true, rejected: 1, delegates: 0, created: { members: 1, memberships: 0 } });
    expect([...result.problems].filter((p) => p.code === 'holder_rejected').map((p) => [p.row, p.column, p.severity, p.message])).toEqual([
      [3, 'Delegate of', 'warning', 'the holder "Acme" (row 2) is not imported: this person is imported without being their delegate; name them later with `memberctl memberships delegates ID --add REF`'],
    ]);
    expect(await db.kysely.selectFrom('delegates').select('id').execute()).toEqual([]);
  });
});
