import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import { dialects, tempDir } from '../helpers/db.js';
import { memberCount, withPlans } from '../helpers/members.js';

const today = '2026-03-01';
const stripe = (name: string) => path.join(root, 'fixtures', 'stripe', name);
const stripeExports = ['--subscriptions', stripe('subscriptions.csv'), '--prices', stripe('prices.csv'), '--map', stripe('price-map.json')];

const header = 'Name,Email,Plan name,Start date,Next invoice date\n';
const cleanRows = 'Ada Lovelace,ada@example.org,Hot Desk,2026-01-01,2026-04-01\nAlan Turing,alan@example.org,Fixed Desk,2026-01-01,2026-04-01\n';
const badRow = 'Grace Hopper,grace@example.org,Hot Dsk,2026-01-01,2026-04-01\n';

describe.each(dialects)('-q on validate and import on %s', (dialect) => {
  it('validate and import of a clean file print nothing; the summary comes back without -q', async () => {
    const db = await withPlans(dialect);
    const file = path.join(tempDir(), 'members.csv');
    fs.writeFileSync(file, header + cleanRows);

    const loud = await runCli(['validate', file], { db, today });
    expect(loud.code, loud.stderr).toBe(0);
    expect(loud.stdout).toContain('2 rows, valid: ready for');

    for (const args of [['-q', 'validate', file], ['validate', file, '--quiet'], ['-q', 'import', file, '--dry-run'], ['-q', 'import', file]]) {
      const quiet = await runCli(args, { db, today });
      expect(quiet.code, `${args.join(' ')}: ${quiet.stderr}`).toBe(0);
      expect(quiet.stdout, args.join(' ')).toBe('');
      expect(quiet.stderr, args.join(' ')).toBe('');
    }
    expect(await memberCount(db)).toBe(2);

    // --json is the same document with or without -q
    const json = await runCli(['--json', 'validate', file], { db, today });
    const quietJson = await runCli(['--json', '-q', 'validate', file], { db, today });
    expect(quietJson.json()).toEqual(json.json());
  });

  it('problems still print, without the summary; where rejected rows went still prints', async () => {
    const db = await withPlans(dialect);
    const folder = tempDir();
    const file = path.join(folder, 'members.csv');
    fs.writeFileSync(file, header + cleanRows + badRow);
    const problem = `${file}, row 4:\n  error   Plan name: no plan named "Hot Dsk" (did you mean "Hot Desk"?) [unknown_plan]\n`;

    const validated = await runCli(['-q', 'validate', file], { db, today });
    expect(validated.code).toBe(65);
    expect(validated.stdout).toBe(problem);

    const aborted = await runCli(['-q', 'import', file], { db, today });
    expect(aborted.code).toBe(65);
    expect(aborted.stdout).toBe(problem);
    expect(await memberCount(db)).toBe(0);

    const rejects = path.join(folder, 'rejected.csv');
    const skipped = await runCli(['-q', 'import', file, '--on-error', 'skip', '--rejects', rejects], { db, today });
    expect(skipped.code).toBe(65);
    expect(skipped.stdout).toBe(`${problem}The 1 rejected row is in ${rejects} with an Error column: fix them there and import that file.\n`);
    expect(await memberCount(db)).toBe(2);

    const loud = await runCli(['import', file, '--on-error', 'skip', '--rejects', rejects], { db, today });
    expect(loud.stdout).toContain(`${problem}\n${file} (3 rows): 2 unchanged, 1 rejected; nothing was written.\n`);
  });

  it('import stripe and validate --source stripe: the warnings and the subscriptions to cancel, without the summary', async () => {
    const db = await withPlans(dialect);
    const validated = await runCli(['-q', 'validate', stripe('customers.csv'), '--source', 'stripe', ...stripeExports], { db, today });
    expect(validated.code, validated.stderr).toBe(0);
    expect(validated.stdout).toContain('[price_mismatch]');
    expect(validated.stdout).not.toContain('ready for');

    const cancelList = path.join(tempDir(), 'cancel.csv');
    const imported = await runCli(['-q', 'import', 'stripe', '--customers', stripe('customers.csv'), ...stripeExports, '--cancel-list', cancelList], { db, today });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('[price_mismatch]');
    expect(imported.stdout).toMatch(/\nCancel \d+ subscriptions in Stripe: .* The list is in .*cancel\.csv\.\n$/);
    expect(imported.stdout).not.toContain('Imported from Stripe');
    expect(imported.stdout).not.toContain('Batch ');
    expect(await memberCount(db)).toBeGreaterThan(0);
  });
});
