import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';
import { hasScript, onTerminal } from '../helpers/terminal.js';

const today = '2026-03-01';

/**
 * A database with something for each command that asks: two records of Jane to merge, an invoice with a payment,
 * an import batch, a plan, two tags, a mandate.
 */
async function setup(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  const dir = tempDir();
  const csv = path.join(dir, 'people.csv');
  fs.writeFileSync(csv, 'Name,Email\nAda Lovelace,ada@example.org\nBob Stone,bob@example.org\n');
  const steps = [
    ['plans', 'add', 'Hot Desk', '--price', '200'],
    ['members', 'add', '--name', 'Jane Doe', '--email', 'jane@example.org', '--tag', 'VIP'],
    ['members', 'add', '--name', 'Jane D.', '--email', 'jd@example.org', '--tag', 'Sport/Yoga'],
    ['memberships', 'add', 'jane@example.org', '--plan', 'Hot Desk', '--start', today],
    ['invoices', 'run'],
    ['payments', 'record', 'INV-2026-00001', '--amount', '50', '--method', 'cash'],
    ['mandates', 'add', 'jane@example.org', '--iban', 'DE89 3704 0044 0532 0130 00', '--signed', '2026-01-15', '--reference', 'MND-JANE'],
    ['import', csv],
  ];
  for (const step of steps) {
    const result = await runCli(step, { db, today });
    expect(result.code, `${step.join(' ')}: ${result.stderr}`).toBe(0);
  }
  return db;
}

/** What each confirmed command changes, to tell whether it ran. */
async function state(url: string) {
  const db = await openDb(url);
  try {
    const k = db.kysely;
    return {
      members: (await k.selectFrom('members').select('name').orderBy('id').execute()).map((m) => m.name),
      invoice: (await k.selectFrom('invoices').select('status').where('number', '=', 'INV-2026-00001').executeTakeFirstOrThrow()).status,
      payment: (await k.selectFrom('payments').select('status').where('id', '=', 1).executeTakeFirstOrThrow()).status,
      batch: (await k.selectFrom('import_batches').select('status').executeTakeFirstOrThrow()).status,
      planArchived: (await k.selectFrom('plans').select('archived').executeTakeFirstOrThrow()).archived,
      tags: (await k.selectFrom('tags').select('name').orderBy('name').execute()).map((t) => t.name),
      mandate: (await k.selectFrom('sepa_mandates').select('status').executeTakeFirstOrThrow()).status,
      creditNotes: (await k.selectFrom('credit_notes').select('id').execute()).length,
    };
  } finally {
    await db.close();
  }
}

async function batchId(db: string): Promise<string> {
  const list = await runCli(['--json', 'import', 'list'], { db });
  return list.json<Array<{ batch: string }>>()[0]!.batch;
}

// each command, what it asks after, and what its running changes
const commands: Array<{ name: string; args: (db: string) => Promise<string[]>; summary: RegExp; question: RegExp; changed: (s: Awaited<ReturnType<typeof state>>) => unknown }> = [
  {
    name: 'members merge',
    args: async () => ['members', 'merge', 'jane@example.org', 'jd@example.org'],
    summary: /Merge #2 Jane D\. into #1 Jane Doe: .*#2 is deleted/,
    question: /Go ahead\?/,
    changed: (s) => s.members.includes('Jane D.') === false,
  },
  {
    name: 'payments cancel',
    args: async () => ['payments', 'cancel', '1', '--reason', 'cheque bounced'],
    summary: /Cancel payment #1: 50\.00 EUR by cash/,
    question: /Go ahead\?/,
    changed: (s) => s.payment === 'cancelled',
  },
  {
    name: 'invoices credit',
    args: async () => ['invoices', 'credit', 'INV-2026-00001', '--line', '1', '--amount', '10', '--reason', 'room closed one day'],
    summary: /Credit 10 EUR net of line 1 of invoice INV-2026-00001 of Jane Doe: a credit note is issued/,
    question: /Go ahead\?/,
    changed: (s) => s.creditNotes === 1,
  },
  {
    name: 'invoices void',
    args: async () => ['invoices', 'void', 'INV-2026-00001', '--reason', 'billed twice'],
    summary: /Void invoice INV-2026-00001 of Jane Doe/,
    question: /Go ahead\?/,
    changed: (s) => s.invoice === 'void',
  },
  {
    name: 'import undo',
    args: async (db) => ['import', 'undo', await batchId(db)],
    summary: /Undo import .* of .*people\.csv: the 2 members it created are removed/,
    question: /Undo this import\?/,
    changed: (s) => s.batch === 'undone',
  },
  {
    name: 'plans archive',
    args: async () => ['plans', 'archive', 'Hot Desk'],
    summary: /Archive plan "Hot Desk"/,
    question: /Go ahead\?/,
    changed: (s) => s.planArchived === 1,
  },
  {
    name: 'tags rename onto an existing tag',
    args: async () => ['tags', 'rename', 'Sport/Yoga', 'VIP'],
    summary: /"Sport\/Yoga" merges into the existing tag "VIP"/,
    question: /Go ahead\?/,
    changed: (s) => !s.tags.includes('Sport/Yoga'),
  },
  {
    name: 'mandates revoke',
    args: async () => ['mandates', 'revoke', 'MND-JANE'],
    summary: /Revoke mandate MND-JANE of Jane Doe/,
    question: /Go ahead\?/,
    changed: (s) => s.mandate === 'revoked',
  },
  {
    name: 'members anonymise',
    args: async () => ['members', 'anonymise', 'jane@example.org', '--force'],
    summary: /Anonymise #1 Jane Doe: .* erased for good/,
    question: /Go ahead\?/,
    changed: (s) => !s.members.includes('Jane Doe'),
  },
];

describe.each(dialects)('confirmations on %s', (dialect) => {
  it('without a terminal nothing is asked: every command runs as scripts expect', { timeout: 240_000 }, async () => {
    const db = await setup(dialect);
    for (const command of commands) {
      const result = await runCli(await command.args(db), { db, today });
      expect(result.code, `${command.name}: ${result.stderr}`).toBe(0);
      expect(result.stderr, command.name).not.toMatch(command.question);
      expect(command.changed(await state(db)), command.name).toBe(true);
    }
  });

  // the pseudo-terminal runs: the four commands that lose the most, each answered no, Ctrl-C, then yes
  describe.skipIf(!hasScript)('at a terminal', () => {
    for (const command of commands.filter((c) => ['members merge', 'invoices void', 'payments cancel', 'import undo'].includes(c.name))) {
      it(`${command.name}: no writes nothing (exit 0), Ctrl-C writes nothing (exit 130), yes runs it`, { timeout: 240_000 }, async () => {
        const db = await setup(dialect);
        const args = ['--db', db, '--today', today, ...(await command.args(db))];
        const before = await state(db);

        const no = await onTerminal(args, [[command.question, 'n\r']]);
        expect(no.output).toMatch(command.summary);
        expect(no.output).toContain('Nothing was changed.');
        expect(no.code).toBe(0);
        expect(await state(db)).toEqual(before);

        const cancelled = await onTerminal(args, [[command.question, '\u0003']]);
        expect(cancelled.code).toBe(130);
        expect(cancelled.output).toContain('cancelled: nothing was written');
        expect(await state(db)).toEqual(before);

        const yes = await onTerminal(args, [[command.question, 'y\r']]);
        expect(yes.code, yes.output).toBe(0);
        expect(command.changed(await state(db))).toBe(true);
      });
    }

    it('the rest ask too: Enter alone (no) and Ctrl-C write nothing, yes runs each', { timeout: 480_000 }, async () => {
      const db = await setup(dialect);
      for (const command of commands.filter((c) => ['invoices credit', 'plans archive', 'tags rename onto an existing tag', 'mandates revoke', 'members anonymise'].includes(c.name))) {
        const args = ['--db', db, '--today', today, ...(await command.args(db))];
        const before = await state(db);
        const no = await onTerminal(args, [[command.question, '\r']]);
        expect(no.output, command.name).toMatch(command.summary);
        expect(no.output, command.name).toContain('Nothing was changed.');
        expect(no.code, command.name).toBe(0);
        const cancelled = await onTerminal(args, [[command.question, '\u0003']]);
        expect(cancelled.code, command.name).toBe(130);
        expect(await state(db), command.name).toEqual(before);
        const yes = await onTerminal(args, [[command.question, 'y\r']]);
        expect(yes.code, `${command.name}: ${yes.output}`).toBe(0);
        expect(command.changed(await state(db)), command.name).toBe(true);
      }
    });

    it('--yes or CI at a terminal skips the question', { timeout: 240_000 }, async () => {
      const db = await setup(dialect);
      const viaYes = await onTerminal(['--db', db, '--today', today, '--yes', 'payments', 'cancel', '1', '--reason', 'bounced'], []);
      expect(viaYes.code, viaYes.output).toBe(0);
      expect(viaYes.output).not.toMatch(/Go ahead\?/);
      expect((await state(db)).payment).toBe('cancelled');
      const viaCi = await onTerminal(['--db', db, '--today', today, 'mandates', 'revoke', 'MND-JANE'], [], undefined, { CI: '1' });
      expect(viaCi.code, viaCi.output).toBe(0);
      expect(viaCi.output).not.toMatch(/Go ahead\?/);
      expect((await state(db)).mandate).toBe('revoked');
    });
  });
});
