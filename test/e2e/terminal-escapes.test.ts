import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { addPlan, at, subscribe } from '../db/invoicing-fixtures.js';
import { type CliResult, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl, tempDir } from '../helpers/db.js';

/**
 * A hyperlink that hides its target, a screen clear, a colour, a carriage return, a line feed, 8-bit CSI and a
 * right-to-left override.
 */
const hostile = 'Eve \x1b]8;;http://evil\x07click\x1b]8;;\x07 \x1b[2J\x1b[31mRed\rCR\nLF \u009b2J \u202Eevil';
/** The same, as human output shows it: on one line. */
const shown = 'Eve \\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07 \\x1b[2J\\x1b[31mRed\\rCR\\nLF \\x9b2J \\u202eevil';
const company = `${hostile} SA`;
const plan = `${hostile} Desk`;
const contact = `${hostile} (contact)`;
const tag = 'Cat\x1b[2J/T\x07ag\u202E';
const tagShown = 'Cat\\x1b[2J/T\\x07ag\\u202e';

/** What a terminal would obey: no ESC, BEL, CR, 8-bit CSI or bidi override may come out of memberctl's human output. */
const obeyed = /[\x1b\x07\r\u009b\u202e]/;

function humanOutput(result: CliResult, args: string[]): string {
  const label = `memberctl ${JSON.stringify(args)}\n${JSON.stringify(result.stdout)}\n${JSON.stringify(result.stderr)}`;
  expect(result.stdout, label).not.toMatch(obeyed);
  expect(result.stderr, label).not.toMatch(obeyed);
  return result.stdout;
}

describe.each(dialects)('control characters in stored values, from the built CLI on %s', (dialect) => {
  it('are shown escaped by every human listing and detail, and exact under --json', async () => {
    const db = await freshDbUrl(dialect);
    const today = '2026-03-02';
    const cli = (args: string[]) => runCli(args, { db, today });
    const ok = async (args: string[]) => {
      const result = await cli(args);
      expect(result.code, `memberctl ${JSON.stringify(args)}\n${JSON.stringify(result.stderr)}`).toBe(0);
      return result;
    };

    // stored as another tool (or an older import) may have left them: straight into the database
    const conn = await openDb(db);
    let memberId: number;
    try {
      await migrateToLatest(conn);
      const k = conn.kysely;
      const companyId = (
        await k
          .insertInto('companies')
          .values({ name: company, parent_id: null, billing_email: null, address: null, tax_id: null, notes: null, created_at: at, updated_at: at })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;
      const person = (name: string, email: string | null, company_id: number | null) =>
        k
          .insertInto('members')
          .values({ name, email, email_key: email, phone: null, address: null, tax_id: null, company_id, paid_by_id: null, external_id: null, created_at: at, updated_at: at })
          .returning('id')
          .executeTakeFirstOrThrow();
      memberId = (await person(hostile, 'eve@example.org', companyId)).id;
      await person(contact, null, null);
      const planId = await addPlan(k, plan, { price: 10_000 });
      await subscribe(k, memberId, planId, { startDate: '2026-03-01' });
    } finally {
      await conn.close();
    }
    await ok(['invoices', 'run']);
    const number = (await ok(['invoices', 'list', '--json'])).json()[0].number as string;
    await ok(['members', 'note', 'eve@example.org', hostile]);
    await ok(['members', 'tag', 'eve@example.org', tag]);
    await ok(['payments', 'record', number, '--amount', '1', '--method', 'transfer', '--reference', hostile]);

    const human: Array<[string[], string]> = [
      [['members', 'list'], shown],
      [['members', 'show', 'eve@example.org'], shown],
      [['members', 'history', 'eve@example.org'], shown],
      [['contacts', 'list'], `${shown} (contact)`],
      [['companies', 'list'], `${shown} SA`],
      [['companies', 'show', company], `${shown} SA`],
      [['plans', 'list'], `${shown} Desk`],
      [['plans', 'show', plan], `${shown} Desk`],
      [['tags', 'list'], tagShown],
      [['invoices', 'list'], shown],
      [['invoices', 'show', number], shown],
      [['payments', 'list'], shown],
    ];
    const stdout = new Map<string, string>();
    for (const [args, expected] of human) {
      const text = humanOutput(await ok(args), args);
      expect(text, `memberctl ${JSON.stringify(args)}`).toContain(expected);
      stdout.set(args.slice(0, 2).join(' '), text);
    }
    // details keep each value on its own line
    const lines = (key: string) => stdout.get(key)!.split('\n');
    expect(lines('members show')[0]).toBe(`#${memberId} ${shown}`);
    expect(lines('members history')[0]).toBe(`#${memberId} ${shown}`);
    expect(lines('companies show')[0]).toBe(`${shown} SA`);
    expect(lines('plans show')).toContain(`name       ${shown} Desk`);
    expect(lines('invoices show')).toContain(`payer     ${shown} (#${memberId})`);
    // the membership's plan, the tag and the note with the member's details; the payment reference with the invoice
    expect(stdout.get('members show')).toContain(`${shown} Desk`);
    expect(stdout.get('members show')).toContain(tagShown);
    const note = lines('members show')[lines('members show').indexOf('Notes') + 1]!;
    expect(note).toMatch(/^ {2}\d{4}-\d\d-\d\d {2}/);
    expect(note.endsWith(`  ${shown}`)).toBe(true);
    expect(stdout.get('invoices show')).toContain(`ref ${shown}`);

    // --json keeps every value exact
    const member = (await ok(['members', 'show', 'eve@example.org', '--json'])).json();
    expect(member.name).toBe(hostile);
    expect(member.company).toBe(company);
    expect(member.notes[0].text).toBe(hostile);
    expect(member.tags).toEqual([tag]);
    expect((await ok(['members', 'list', '--json'])).json().map((m: { name: string }) => m.name).sort()).toEqual([contact, hostile].sort());
    expect((await ok(['companies', 'list', '--json'])).json()[0].name).toBe(company);
    expect((await ok(['plans', 'show', plan, '--json'])).json().name).toBe(plan);
    const invoice = (await ok(['invoices', 'show', number, '--json'])).json();
    expect(invoice.payer.name).toBe(hostile);
    expect(invoice.lines[0].member.name).toBe(hostile);
    expect((await ok(['payments', 'list', '--json'])).json()[0].reference).toBe(hostile);
    // CSV is data, not terminal output: exact too
    const csv = parse((await ok(['members', 'list', '--format', 'csv'])).stdout, { columns: true }) as Array<{ Name: string; Company: string }>;
    expect(csv.map((row) => row.Name).sort()).toEqual([contact, hostile].sort());
    expect(csv.find((row) => row.Name === hostile)?.Company).toBe(company);
  });

  it('escapes what error messages and problems quote from the command line and from files', async () => {
    const db = await freshDbUrl(dialect);
    const dir = tempDir();
    const cli = (args: string[]) => runCli(args, { db });

    // an unknown member quoted back in the error message
    const unknown = await cli(['members', 'show', hostile]);
    expect(unknown.code).toBe(65);
    humanOutput(unknown, ['members', 'show', '(hostile)']);
    expect(unknown.stderr).toContain(shown);

    // an option value commander quotes back
    const badOption = await cli(['members', 'list', `--${hostile}`]);
    expect(badOption.code).toBe(64);
    humanOutput(badOption, ['members', 'list', '--(hostile)']);
    expect(badOption.stderr).toContain('\\x1b[2J');

    // a cell value quoted by a problem message, and a file name
    const file = path.join(dir, 'bad\x1b[2J.csv');
    fs.writeFileSync(file, `Name,Email\nAnn,ann\x1b[31m@example\x07.org\n`);
    for (const args of [['validate', file], ['import', file]]) {
      const result = await cli(args);
      expect(result.code).toBe(65);
      const text = humanOutput(result, [args[0]!, '(file)']) + result.stderr;
      expect(text).toContain('bad\\x1b[2J.csv');
      expect(text).toContain('ann\\x1b[31m@example\\x07.org');
    }
    // with colour, memberctl's own colour codes still come through, around the escaped values
    const colours = /\x1b\[(?:1|2|22|31|32|33|39)m/g;
    const coloured = await runCli(['validate', file], { db, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(coloured.stdout).toMatch(colours);
    expect(coloured.stdout.replace(colours, '')).not.toMatch(obeyed);
    expect(coloured.stdout).toContain('ann\\x1b[31m@example\\x07.org');
    const colouredError = await runCli(['members', 'show', hostile], { db, env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
    expect(colouredError.stderr).toContain(`\x1b[31merror:\x1b[39m no member matches "${shown}"`);

    const json = (await cli(['validate', file, '--json'])).json();
    expect(json.problems.map((p: { message: string }) => p.message).join('\n')).toContain('ann\x1b[31m@example\x07.org');
  });
});
