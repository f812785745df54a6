import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { queueMessages } from '../../src/core/mail/outbox.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

async function members(url: string) {
  const db = await openDb(url);
  try {
    return await db.kysely.selectFrom('members').select(['name', 'billing_email', 'renewal_email', 'cc_emails', 'no_mail']).orderBy('id').execute();
  } finally {
    await db.close();
  }
}

describe.each(dialects)('where a person is written to, from the built CLI on %s', (dialect) => {
  it('members add, edit and contacts add set the billing e-mail, the renewal e-mail, the copies and no-mail; members show gives them', async () => {
    const db = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db });
    const added = await cli([
      'members', 'add', '--name', 'Ann Smith', '--email', 'ann@example.org', '--billing-email', 'ann-billing@example.org',
      '--renewal-email', 'ann-renewals@example.org', '--cc', 'assistant@example.org, boss@example.org', '--no-mail',
    ]);
    expect(added.code, added.stderr).toBe(0);
    const shown = (await cli(['members', 'show', 'ann@example.org', '--json'])).json();
    expect(shown).toMatchObject({
      billingEmail: 'ann-billing@example.org',
      renewalEmail: 'ann-renewals@example.org',
      cc: ['assistant@example.org', 'boss@example.org'],
      noMail: true,
    });
    const text = (await cli(['members', 'show', 'ann@example.org'])).stdout;
    expect(text).toMatch(/billing email\s+ann-billing@example\.org/);
    expect(text).toMatch(/cc\s+assistant@example\.org; boss@example\.org/);
    expect(text).toMatch(/mail\s+no \(asked not to be written to\)/);

    // options not given are kept; --mail writes to them again; "" removes
    expect((await cli(['members', 'edit', 'ann@example.org', '--mail', '--cc', '', '--renewal-email', ''])).code).toBe(0);
    expect((await cli(['members', 'show', 'ann@example.org', '--json'])).json()).toMatchObject({
      billingEmail: 'ann-billing@example.org',
      renewalEmail: null,
      cc: [],
      noMail: false,
    });
    const history = (await cli(['members', 'history', 'ann@example.org', '--json'])).json() as Array<{ summary: string }>;
    expect(history.at(-1)!.summary).toBe('renewal_email, cc_emails, no_mail changed');

    expect((await cli(['contacts', 'add', '--name', 'Paul Martin', '--email', 'paul@example.org', '--cc', 'paul.assistant@example.org', '--no-mail'])).code).toBe(0);
    expect((await members(db)).find((m) => m.name === 'Paul Martin')).toMatchObject({ cc_emails: 'paul.assistant@example.org', no_mail: 1 });

    // each address is checked when it is set: 64 naming the option and the value, nothing written
    const refused = await Promise.all([
      cli(['members', 'add', '--name', 'X', '--billing-email', 'compta@']),
      cli(['members', 'edit', 'ann@example.org', '--renewal-email', 'ann at example.org']),
      cli(['members', 'edit', 'ann@example.org', '--cc', 'ok@example.org; nope']),
      cli(['contacts', 'add', '--name', 'Y', '--billing-email', 'y@']),
    ]);
    expect(refused.map((r) => r.code)).toEqual([64, 64, 64, 64]);
    expect(refused[0]!.stderr).toContain('--billing-email: "compta@" is not an e-mail address');
    expect(refused[1]!.stderr).toContain('--renewal-email: "ann at example.org" is not an e-mail address');
    expect(refused[2]!.stderr).toContain('--cc: "nope" is not an e-mail address');
    for (const r of refused) noStackTrace(r.stderr);
    expect((await members(db)).map((m) => m.name)).toEqual(['Ann Smith', 'Paul Martin']);
    expect((await members(db))[0]).toMatchObject({ renewal_email: null, cc_emails: null });
  });

  it('the import reads the four columns in English and French, reports bad addresses by row and column, and updates and undoes them', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const write = (name: string, text: string) => {
      const file = path.join(dir, name);
      fs.writeFileSync(file, text);
      return file;
    };
    const broken = write(
      'broken.csv',
      'Name,Email,Billing e-mail,Renewal e-mail,Cc,No mail\n' +
        'Ann,ann@example.org,ann-billing@example.org,,"a@example.org; b@",no\n' +
        'Bob,bob@example.org,"one@example.org; two@example.org",bob@renewals,,maybe\n',
    );
    const validated = await runCli(['validate', broken, '--json'], { db });
    expect(validated.code).toBe(65);
    const problems = (validated.json().problems as Array<{ row: number; column: string; code: string; message: string }>).map((p) => [p.row, p.column, p.code, p.message]);
    expect(problems).toEqual([
      [2, 'Cc', 'invalid_email', '"b@" is not an e-mail address: write the addresses separated by ";" or ",", such as "a@example.org; b@example.org"'],
      [3, 'Billing e-mail', 'invalid_email', '"one@example.org; two@example.org" is not an e-mail address: it holds 2 addresses; keep one here and put the others in the Cc column'],
      [3, 'Renewal e-mail', 'invalid_email', '"bob@renewals" is not an e-mail address: write one address, such as compta@example.org, or leave the cell empty'],
      [3, 'No mail', 'invalid_boolean', '"maybe" is not yes or no (also accepted: oui/non, true/false, 1/0)'],
    ]);

    const french = write(
      'membres.csv',
      "Nom;E-mail;E-mail de facturation;E-mail de renouvellement;Copies;Pas d'e-mail\n" +
        'Ann;ann@example.org;ann-billing@example.org;;a@example.org, B@example.org, a@example.org;oui\n' +
        'Bob;bob@example.org;;bob-renewals@example.org;;\n',
    );
    const imported = await runCli(['import', french], { db });
    expect(imported.code, imported.stdout + imported.stderr).toBe(0);
    expect(await members(db)).toEqual([
      { name: 'Ann', billing_email: 'ann-billing@example.org', renewal_email: null, cc_emails: 'a@example.org; B@example.org', no_mail: 1 },
      { name: 'Bob', billing_email: null, renewal_email: 'bob-renewals@example.org', cc_emails: null, no_mail: 0 },
    ]);
    // importing the same file again changes nothing
    expect((await runCli(['import', french, '--json'], { db })).json()).toMatchObject({ unchanged: 2 });

    // members update: an empty cell keeps the value, a filled one changes it; undone like any import
    const changes = write('changes.csv', 'Email,No mail,Cc,Billing e-mail\nann@example.org,no,,\nbob@example.org,,bob-cc@example.org,bob-billing@example.org\n');
    const updated = await runCli(['members', 'update', changes, '--json'], { db });
    expect(updated.code, updated.stderr).toBe(0);
    expect(updated.json()).toMatchObject({ updated: { members: 2 } });
    expect(await members(db)).toEqual([
      { name: 'Ann', billing_email: 'ann-billing@example.org', renewal_email: null, cc_emails: 'a@example.org; B@example.org', no_mail: 0 },
      { name: 'Bob', billing_email: 'bob-billing@example.org', renewal_email: 'bob-renewals@example.org', cc_emails: 'bob-cc@example.org', no_mail: 0 },
    ]);
    expect((await runCli(['import', 'undo', updated.json().batch], { db })).code).toBe(0);
    expect((await members(db)).map((m) => [m.no_mail, m.billing_email, m.cc_emails])).toEqual([
      [1, 'ann-billing@example.org', 'a@example.org; B@example.org'],
      [0, null, null],
    ]);
  });

  it('mail list --status skipped and mail preview say why a message is not sent', async () => {
    const url = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db: url });
    expect((await cli(['members', 'add', '--name', 'Quiet One', '--email', 'quiet@example.org', '--no-mail'])).code).toBe(0);
    expect((await cli(['members', 'add', '--name', 'No Address'])).code).toBe(0);
    const db = await openDb(url);
    try {
      const ids = (await db.kysely.selectFrom('members').select('id').orderBy('id').execute()).map((m) => m.id);
      await db.kysely.transaction().execute((trx) => queueMessages(trx, ids.map((id) => ({ kind: 'suspension_notice' as const, subjectId: id, stage: '2026-02-01' }))));
    } finally {
      await db.close();
    }
    const list = await cli(['mail', 'list', '--status', 'skipped']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/suspension_notice.*asked not to be written to/);
    expect(list.stdout).toMatch(/suspension_notice.*no e-mail address/);
    const json = (await cli(['mail', 'list', '--status', 'skipped', '--json'])).json() as Array<{ id: number; to: string[]; skipReason: string }>;
    expect(json.map((m) => [m.to, m.skipReason])).toEqual([
      [['quiet@example.org'], 'asked not to be written to'],
      [[], 'no e-mail address'],
    ]);

    const preview = await cli(['mail', 'preview', 'suspension_notice', '--member', 'quiet@example.org']);
    expect(preview.code, preview.stderr).toBe(0);
    expect(preview.stdout).toContain('To: quiet@example.org (it would be skipped: asked not to be written to)');
    const previewJson = (await cli(['mail', 'preview', 'suspension_notice', '--member', 'No Address', '--json'])).json();
    expect(previewJson).toMatchObject({ to: [], skipReason: 'no e-mail address' });

    // retrying one that still cannot be sent says why, exit 65; once the person may be written to, it is queued
    const [quiet] = json;
    const refused = await cli(['mail', 'retry', String(quiet!.id)]);
    expect(refused.code).toBe(65);
    expect(refused.stderr).toContain(`message ${quiet!.id} is still skipped: asked not to be written to`);
    expect((await cli(['members', 'edit', 'quiet@example.org', '--mail'])).code).toBe(0);
    const retried = await cli(['mail', 'retry', String(quiet!.id), '--json']);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.json()).toEqual({ requeued: [quiet!.id], skipped: [] });
  });
  it('a message queued before its person asked not to be written to is not sent: mail send marks it skipped', async () => {
    const url = await freshDbUrl(dialect);
    const cli = (args: string[]) => runCli(args, { db: url });
    expect((await cli(['settings', 'set', 'mail-from', 'Club <club@example.org>'])).code).toBe(0);
    for (const [name, email] of [['Late Asker', 'late@example.org'], ['Happy Reader', 'happy@example.org']]) {
      expect((await cli(['members', 'add', '--name', name!, '--email', email!])).code).toBe(0);
    }
    const db = await openDb(url);
    try {
      const ids = (await db.kysely.selectFrom('members').select('id').orderBy('id').execute()).map((m) => m.id);
      // both suspended, as the renewals job records it: their notices still hold when they are sent
      await db.kysely.insertInto('member_statuses').values(ids.map((id) => ({ member_id: id, status: 'suspended', since: '2026-02-01', updated_at: '2026-02-01T06:00:00.000Z' }))).execute();
      await db.kysely.transaction().execute((trx) => queueMessages(trx, ids.map((id) => ({ kind: 'suspension_notice' as const, subjectId: id, stage: '2026-02-01' }))));
    } finally {
      await db.close();
    }
    expect((await cli(['mail', 'list', '--json'])).json().map((m: { status: string }) => m.status)).toEqual(['queued', 'queued']);
    expect((await cli(['members', 'edit', 'late@example.org', '--no-mail'])).code).toBe(0);
    const dryRun = (await cli(['mail', 'send', '--dry-run', '--json'])).json();
    expect(dryRun.messages.map((m: { outcome: string; reply: string | null }) => [m.outcome, m.reply])).toEqual([
      ['would-skip', 'asked not to be written to'],
      ['would-send', null],
    ]);
    const dir = tempDir();
    const sent = await cli(['mail', 'send', '--outbox-dir', dir, '--json']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.json()).toMatchObject({ sent: 1, skipped: 1 });
    expect(fs.readdirSync(dir)).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, fs.readdirSync(dir)[0]!), 'utf8')).toContain('happy@example.org');
    const list = (await cli(['mail', 'list', '--json'])).json() as Array<{ to: string[]; status: string; skipReason: string | null }>;
    expect(list.map((m) => [m.to, m.status, m.skipReason])).toEqual([
      [['late@example.org'], 'skipped', 'asked not to be written to'],
      [['happy@example.org'], 'sent', null],
    ]);
  });
});
