import { afterEach, describe, expect, it } from 'vitest';
import { type ImportOptions, importFile, validateFile } from '../../src/core/import/run.js';
import { undoBatch } from '../../src/core/import/undo.js';
import type { Db } from '../../src/db/connect.js';
import { dialects, freshDb } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';
import { seedPlan, source } from './people-fixtures.js';

const files = tempFolder('import-several');
const today = '2026-11-23';
const header = 'Name,Email,Phone,City,Plan name,Start date,Next invoice date';

function write(lines: string[], name: string): string {
  return files.write(name, `${[header, ...lines].join('\n')}\n`);
}

function options(file: string, extra: Partial<ImportOptions> = {}): ImportOptions {
  return { file, mode: 'import', today, dryRun: false, onError: 'abort', update: false, rejectsFile: `${file}.rejects.csv`, source: 'template', env: { MEMBERCTL_ACTOR: 'test' }, ...extra };
}

describe.each(dialects)('several memberships for one person on %s', (dialect) => {
  let db: Db;
  afterEach(async () => db?.close());
  const start = async () => {
    db = await freshDb(dialect);
    await seedPlan(db.kysely, 'Hot Desk');
    await seedPlan(db.kysely, 'Locker', 2_000);
  };
  const memberships = async () =>
    db.kysely.selectFrom('memberships').innerJoin('members', 'members.id', 'memberships.member_id').select(['members.email', 'members.phone', 'members.city', 'memberships.start_date']).orderBy('memberships.start_date').execute();

  it('rows sharing an e-mail with other plans add one person with a membership for each, and re-importing changes nothing', async () => {
    await start();
    const file = write(
      [
        'Alice Martin,alice@example.org,0601020304,,Hot Desk,2026-01-01,2027-01-01',
        'Bruno Keller,bruno@example.org,,,Hot Desk,2026-02-01,2027-02-01',
        // capital letters do not matter; an empty Phone agrees, a City the first row lacks is the person's
        'Alice Martin,ALICE@example.org,,Lyon,Locker,2026-03-01,2027-03-01',
      ],
      'several.csv',
    );
    const result = await importFile(db, options(file));
    expect(result).toMatchObject({ rows: 3, rejected: 0, created: { members: 2, memberships: 3 } });
    const alice = (await memberships()).filter((m) => m.email === 'alice@example.org');
    expect(alice).toEqual([
      { email: 'alice@example.org', phone: '0601020304', city: 'Lyon', start_date: '2026-01-01' },
      { email: 'alice@example.org', phone: '0601020304', city: 'Lyon', start_date: '2026-03-01' },
    ]);

    const again = await importFile(db, options(file));
    expect(again).toMatchObject({ written: false, unchanged: 3, rejected: 0, created: { members: 0, memberships: 0 } });
    expect([...again.problems].filter((p) => p.severity === 'error')).toEqual([]);

    const undone = await undoBatch(db, result.batch!, { ...source, at: '2026-11-24T00:00:00.000Z' });
    expect(undone).toMatchObject({ removed: { members: 2, memberships: 3 } });
    expect(await memberships()).toEqual([]);
  });

  it('rows of one e-mail that disagree are an error naming both rows and the differing columns', async () => {
    await start();
    const file = write(
      ['Alice Martin,alice@example.org,0601020304,Paris,Hot Desk,2026-01-01,2027-01-01', 'Alice Martin,alice@example.org,0700000000,Lyon,Locker,2026-03-01,2027-03-01'],
      'disagree.csv',
    );
    const validation = await validateFile(db.kysely, options(file));
    const errors = [...validation.problems].filter((p) => p.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ row: 3, column: 'Phone', code: 'conflicting_rows' });
    expect(errors[0]!.message).toContain('row 2');
    expect(errors[0]!.message).toContain('Phone: "0601020304" on row 2, "0700000000" here');
    expect(errors[0]!.message).toContain('City: "Paris" on row 2, "Lyon" here');

    // with --on-error skip, the person's rows are rejected together
    const result = await importFile(db, options(file, { onError: 'skip' }));
    expect(result).toMatchObject({ rejected: 2, created: { members: 0, memberships: 0 } });
    expect([...result.problems].find((p) => p.code === 'person_rejected')).toMatchObject({ row: 2 });
  });

  it('the same plan twice at once is an error; one ending before the other starts is a second membership', async () => {
    await start();
    const twice = write(['Alice Martin,alice@example.org,,,Hot Desk,2026-01-01,2027-01-01', 'Alice Martin,alice@example.org,,,Hot Desk,2026-06-01,2027-06-01'], 'twice.csv');
    const errors = [...(await validateFile(db.kysely, options(twice))).problems].filter((p) => p.severity === 'error');
    expect(errors).toMatchObject([{ row: 3, column: 'Plan name', code: 'duplicate_membership' }]);

    const ended = files.write(
      'ended.csv',
      ['Name,Email,Plan name,Start date,Next invoice date,End date', 'Alice Martin,alice@example.org,Hot Desk,2025-01-01,2025-02-01,2025-12-31', 'Alice Martin,alice@example.org,Hot Desk,2026-01-01,2027-01-01,'].join('\n'),
    );
    const result = await importFile(db, options(ended));
    expect(result).toMatchObject({ rejected: 0, created: { members: 1, memberships: 2 } });
  });

  it('a row repeating a membership of the person is a repeated row, rejected alone', async () => {
    await start();
    const file = write(
      [
        'Alice Martin,alice@example.org,,,Hot Desk,2026-01-01,2027-01-01',
        'Alice Martin,alice@example.org,,,Locker,2026-03-01,2027-03-01',
        'Alice Martin,alice@example.org,,,Hot Desk,2026-01-01,2027-01-01',
      ],
      'repeat.csv',
    );
    const errors = [...(await validateFile(db.kysely, options(file))).problems].filter((p) => p.severity === 'error');
    expect(errors).toMatchObject([{ row: 4, column: 'Email', code: 'duplicate_member', message: 'the e-mail alice@example.org is already on row 2' }]);
    const result = await importFile(db, options(file, { onError: 'skip' }));
    expect(result).toMatchObject({ rejected: 1, created: { members: 1, memberships: 2 } });
    expect((await memberships()).map((m) => m.start_date)).toEqual(['2026-01-01', '2026-03-01']);
  });

  it('a row with an error after rows already read rejects the person, and the rows after it too', async () => {
    await start();
    const file = write(
      [
        'Alice Martin,alice@example.org,,,Hot Desk,2026-01-01,2027-01-01',
        'Bruno Keller,bruno@example.org,,,Hot Desk,2026-02-01,2027-02-01',
        'Alice Martin,alice@example.org,,,Nope,2026-04-01,2027-04-01',
        'Alice Martin,alice@example.org,,,Locker,2026-03-01,2027-03-01',
      ],
      'late-error.csv',
    );
    const result = await importFile(db, options(file, { onError: 'skip' }));
    expect(result).toMatchObject({ rejected: 3, created: { members: 1, memberships: 1 } });
    const rejected = [...result.problems].filter((p) => p.code === 'person_rejected');
    // row 2 was waiting for the person's last row, row 5 comes after the row with the error
    expect(rejected.map((p) => p.row).sort()).toEqual([2, 5]);
    for (const p of rejected) expect(p.message).toContain('row 4: no plan named "Nope"');
    expect((await memberships()).map((m) => m.email)).toEqual(['bruno@example.org']);
  });
});
