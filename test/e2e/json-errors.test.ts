import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, runCli } from '../helpers/cli.js';
import { dialects, tempDir } from '../helpers/db.js';
import { noStackTrace } from '../helpers/errors.js';
import { withPlans } from '../helpers/members.js';

/** The one JSON error document a failing `--json` command prints, checked against its exit code and its stderr. */
function errorDocument(result: CliResult, exitCode: number) {
  expect(result.code, result.stderr).toBe(exitCode);
  noStackTrace(result.stderr);
  const document = result.json();
  expect(Object.keys(document)).toEqual(['error']);
  expect(Object.keys(document.error)).toEqual(['code', 'message', 'exitCode', 'hint']);
  expect(document.error.exitCode).toBe(exitCode);
  // the message is on stderr too, as without --json
  expect(result.stderr).toContain(`error: ${document.error.message.split('\n')[0]}`);
  return document.error as { code: string; message: string; exitCode: number; hint: string | null };
}

describe.each(dialects)('--json errors on %s', (dialect) => {
  it('usage errors, from commander or from an option check, are one JSON document with exit 64', async () => {
    const db = await withPlans(dialect);
    expect(errorDocument(await runCli(['--json', 'members', 'lsit'], { db }), 64)).toEqual({
      code: 'unknown_command',
      message: "unknown command 'lsit'",
      exitCode: 64,
      hint: 'Did you mean list?',
    });
    expect(errorDocument(await runCli(['members', 'list', '--frobnicate', '--json'], { db }), 64)).toMatchObject({ code: 'unknown_option', message: "unknown option '--frobnicate'" });
    expect(errorDocument(await runCli(['--json', 'plans', 'add'], { db }), 64)).toMatchObject({ code: 'missing_argument', message: "missing required argument 'name'" });
    // no command: the help on stderr, and the document
    const bare = await runCli(['--json'], { db });
    expect(bare.code).toBe(64);
    expect(bare.stderr).toContain('Usage: memberctl');
    expect(bare.json()).toEqual({ error: { code: 'missing_command', message: 'no command given: `memberctl --help` lists them', exitCode: 64, hint: null } });
    expect(errorDocument(await runCli(['--json', 'members', 'list', '--limit', 'many'], { db }), 64)).toEqual({
      code: 'usage',
      message: '--limit: "many" is not a whole number',
      exitCode: 64,
      hint: null,
    });
    // after `--`, "--json" is an argument, not the option: no document
    const literal = await runCli(['members', 'add', '--name', 'X', '--email', 'not an e-mail', '--', '--json'], { db });
    expect(literal.code).toBe(64);
    expect(literal.stdout).toBe('');
  });

  it('data errors (65): a name that exists, a reference that matches nothing', async () => {
    const db = await withPlans(dialect);
    expect(errorDocument(await runCli(['--json', 'plans', 'add', 'Hot Desk', '--price', '10'], { db }), 65)).toMatchObject({
      code: 'exists',
      message: 'a plan named "Hot Desk" already exists',
    });
    expect(errorDocument(await runCli(['--json', 'members', 'show', 'nobody@example.org'], { db }), 65)).toMatchObject({ code: 'not_found', message: 'no member matches "nobody@example.org"' });
    const plan = errorDocument(await runCli(['--json', 'plans', 'show', 'Hot Dsk'], { db }), 65);
    expect(plan).toEqual({ code: 'not_found', message: 'no plan named "Hot Dsk"', exitCode: 65, hint: 'did you mean "Hot Desk"?' });
    expect(errorDocument(await runCli(['--json', 'invoices', 'show', 'INV-2026-99999'], { db }), 65)).toMatchObject({ code: 'not_found' });
  });

  it('a command that printed its own document before failing prints no second one; a success prints no error', async () => {
    const db = await withPlans(dialect);
    const missing = path.join(tempDir(), 'missing.csv');
    const validated = await runCli(['--json', 'validate', missing], { db });
    expect(validated.code).toBe(66);
    expect(validated.json()).toMatchObject({ file: missing, valid: false, problems: [{ code: 'unreadable_file' }] });
    expect(validated.stderr).toContain('no such file');

    const listed = await runCli(['--json', 'plans', 'list'], { db });
    expect(listed.code).toBe(0);
    expect(listed.json()).toHaveLength(4);

    // without --json, nothing on stdout
    const plain = await runCli(['members', 'show', 'nobody@example.org'], { db });
    expect(plain.code).toBe(65);
    expect(plain.stdout).toBe('');
  });
});

describe('--json errors when the database cannot be reached', () => {
  it('PostgreSQL: database_unreachable, exit 78, the password hidden', async () => {
    const url = 'postgres://memberctl:NotShown-7f3a@127.0.0.1:1/members';
    const error = errorDocument(await runCli(['--json', 'members', 'list'], { db: url }), 78);
    expect(error.code).toBe('database_unreachable');
    expect(error.message).toContain('cannot connect to PostgreSQL at postgres://memberctl:***@127.0.0.1:1/members');
    expect(JSON.stringify(error)).not.toContain('NotShown');
  });

  it('SQLite: database_unreachable, exit 78, for a file in a folder that does not exist', async () => {
    const db = path.join(tempDir(), 'no-such-folder', 'members.db');
    const error = errorDocument(await runCli(['--json', 'members', 'list'], { db }), 78);
    expect(error).toMatchObject({ code: 'database_unreachable', message: `--db: folder ${path.dirname(db)} does not exist` });
  });
});
