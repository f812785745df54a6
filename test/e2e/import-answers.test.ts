import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { hasScript, onTerminal } from '../helpers/terminal.js';
import { tempFolder } from '../importers/files.js';

const files = tempFolder('import-answers');
const today = '2026-11-23';

// another system's export, saved by French Excel: its own headers, first and last names apart, three spellings of Acme
const exportCsv = [
  'Prénom;Nom de famille;Courriel;Forfait;Début adhésion;Échéance;Entreprise',
  'Marie;Curie;marie@example.org;Hot Desk;15/01/2025;15/01/2027;ACME SAS',
  'Pierre;Dupont;pierre@example.org;Hot Desk;01/03/2025;01/03/2027;Acme S.A.S.',
  'Jeanne;Martin;jeanne@example.org;Fixed Desk;20/06/2024;20/06/2027;Acme SAS',
  'Luc;Bernard;luc@example.org;Fixed Desk;05/09/2025;05/09/2027;Beta SARL',
  'Anne;Petit;anne@example.org;Hot Desk;12/11/2025;12/12/2026;Acme SAS',
].join('\r\n');
const flags = '--column "Prénom+Nom de famille=Nom" --column "Début adhésion=Date de début" --column "Échéance=Date de la prochaine facture"';
const columnArgs = ['--column', 'Prénom+Nom de famille=Nom', '--column', 'Début adhésion=Date de début', '--column', 'Échéance=Date de la prochaine facture'];

async function withPlans(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  expect((await runCli(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')], { db })).code).toBe(0);
  return db;
}

/** Runs a command line through a shell, as a user pastes it. */
function inShell(line: string, db: string): { code: number | null; stdout: string } {
  const run = spawnSync('sh', ['-c', `"${process.execPath}" "${bin}" --db "${db}" --today ${today} ${line}`], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: run.status, stdout: run.stdout + run.stderr };
}

async function companies(db: string): Promise<Array<{ name: string; members: number }>> {
  const list = await runCli(['--json', 'companies', 'list'], { db });
  return list.json<Array<{ name: string; memberCount: number }>>().map((c) => ({ name: c.name, members: c.memberCount }));
}

describe.each(dialects)('what an import asks about the file, on %s', (dialect) => {
  it('without a terminal, a file missing required columns exits 65 with the --column flags that map them; pasted, they make it valid', async () => {
    const db = await withPlans(dialect);
    const file = files.write('export.csv', exportCsv);
    const validate = await runCli(['validate', file], { db, today });
    expect(validate.code).toBe(65);
    expect(validate.stdout).toContain(`To read the file through the columns that look like the missing ones, add:\n  ${flags}\n`);
    const imported = await runCli(['import', file], { db, today });
    expect(imported.code).toBe(65);
    expect(imported.stdout).toContain(`  ${flags}\n`);
    // --json: each missing column's likeliest source is its suggestion
    const json = (await runCli(['--json', 'validate', file], { db, today })).json();
    expect(json.problems.filter((p: { code: string }) => p.code === 'missing_column').map((p: { value: string; suggestion: string }) => [p.value, p.suggestion])).toEqual([
      ['Nom', 'Prénom+Nom de famille'],
      ['Date de début', 'Début adhésion'],
      ['Date de la prochaine facture', 'Échéance'],
    ]);
    const pasted = inShell(`validate "${file}" ${flags}`, db);
    expect(pasted.stdout).toContain('5 rows, valid');
    expect(pasted.code).toBe(0);

    // a missing column that no column of the file looks like is named, with no flag made up for it
    const bare = await runCli(['validate', files.write('bare.csv', 'Name,Plan name,Start date\nAda Lovelace,Hot Desk,2025-01-01\n')], { db, today });
    expect(bare.code).toBe(65);
    expect(bare.stdout).toContain('No column of the file looks like "Next invoice date" (see its error above).');
    expect(bare.stdout).not.toContain('--column');
  });

  it('without a terminal, company spellings are warnings, --strict-companies errors (65), and --companies FILE makes them one company', async () => {
    const db = await withPlans(dialect);
    const file = files.write('export.csv', exportCsv);
    const warned = await runCli(['--json', 'validate', file, ...columnArgs], { db, today });
    expect(warned.code).toBe(0);
    const variants = (document: { problems: Array<{ code: string; row: number; value: string; severity: string }> }) =>
      document.problems.filter((p) => p.code === 'company_variant').map((p) => [p.row, p.value, p.severity]);
    expect(variants(warned.json())).toEqual([
      [3, 'Acme S.A.S.', 'warning'],
      [4, 'Acme SAS', 'warning'],
    ]);
    const strict = await runCli(['--json', 'import', file, ...columnArgs, '--strict-companies'], { db, today });
    expect(strict.code).toBe(65);
    expect(variants(strict.json())).toEqual([
      [3, 'Acme S.A.S.', 'error'],
      [4, 'Acme SAS', 'error'],
      [6, 'Acme SAS', 'error'],
    ]);
    expect(await companies(db)).toEqual([]);

    const map = files.write('companies.json', JSON.stringify({ 'ACME SAS': 'Acme SAS', 'Acme S.A.S.': 'Acme SAS' }));
    const imported = await runCli(['--json', 'import', file, ...columnArgs, '--strict-companies', '--companies', map], { db, today });
    expect(imported.code).toBe(0);
    expect(imported.json()).toMatchObject({ created: { members: 5, companies: 2 } });
    expect(await companies(db)).toEqual([
      { name: 'Acme SAS', members: 4 },
      { name: 'Beta SARL', members: 1 },
    ]);

    const wrong = files.write('wrong.json', JSON.stringify({ 'ACME SAS': 'Acme Sas' }));
    const refused = await runCli(['import', file, ...columnArgs, '--companies', wrong], { db, today });
    expect(refused.code).toBe(65);
    expect(refused.stderr).toContain(`--companies ${wrong}: "ACME SAS" is mapped to "Acme Sas", which is neither a company of the file nor of the database`);
    const missing = await runCli(['import', file, ...columnArgs, '--companies', files.path('none.json')], { db, today });
    expect(missing.code).toBe(66);
  });

  it.skipIf(!hasScript)('at a terminal, asks which columns fill the missing ones and which company the spellings are, saves both, and the next run asks nothing', { timeout: 60_000 }, async () => {
    const db = await withPlans(dialect);
    const file = files.write('export.csv', exportCsv);
    const result = await onTerminal(['--db', db, '--today', today, 'import', file], [
      [/no "Nom" column\. Which of its columns is it\?/, '\r'],
      [/no "Date de début" column\. Which of its columns is it\?/, '\r'],
      [/no "Date de la prochaine facture" column\. Which of its columns is\s+it\?/, '\r'],
      [/3 company names differ only by case, accents, punctuation or spacing[\s\S]*Which company are\s+they\?/, '\u001b[B\u001b[B\r'],
      [/Write these changes to the database\?/, 'y\r'],
    ]);
    expect(result.code).toBe(0);
    // the likeliest column first, with a few of its values
    expect(result.output).toContain('Prénom+Nom de famille  ("Marie Curie", "Pierre Dupont", "Jeanne Martin")');
    expect(result.output).toContain(`Saved the column mapping to ${file}.columns.json; pass --columns ${file}.columns.json next time.`);
    expect(result.output).toContain(`Saved the company spellings to ${file}.companies.json; pass --companies ${file}.companies.json next time.`);
    expect(JSON.parse(fs.readFileSync(`${file}.columns.json`, 'utf8'))).toEqual({
      columns: { 'Prénom+Nom de famille': 'Nom', 'Début adhésion': 'Date de début', Échéance: 'Date de la prochaine facture' },
    });
    // the third spelling chosen: every spelling of the group is that company
    expect(JSON.parse(fs.readFileSync(`${file}.companies.json`, 'utf8'))).toEqual({ 'ACME SAS': 'Acme SAS', 'Acme S.A.S.': 'Acme SAS', 'Acme SAS': 'Acme SAS' });
    expect(await companies(db)).toEqual([
      { name: 'Acme SAS', members: 4 },
      { name: 'Beta SARL', members: 1 },
    ]);

    // the saved files, without a terminal: nothing to ask, nothing to change
    const again = await runCli(['--json', 'import', file, '--columns', `${file}.columns.json`, '--companies', `${file}.companies.json`, '--strict-companies'], { db, today });
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ unchanged: 5, problems: expect.not.arrayContaining([expect.objectContaining({ code: 'company_variant' })]) });
  });

  it.skipIf(!hasScript)('at a terminal, spellings kept apart are saved as companies of their own, and "none" for a column saves no mapping', { timeout: 60_000 }, async () => {
    const db = await withPlans(dialect);
    const file = files.write('export.csv', exportCsv);
    const columns = files.write('export.columns.json', JSON.stringify({ columns: { 'Prénom+Nom de famille': 'Name', 'Début adhésion': 'Start date', Échéance: 'Next invoice date' } }));
    const apart = await onTerminal(['--db', db, '--today', today, 'import', file, '--columns', columns], [
      [/Which company are\s+they\?/, '\u001b[A\r'],
      [/Write these changes to the database\?/, 'y\r'],
    ]);
    expect(apart.code).toBe(0);
    expect(JSON.parse(fs.readFileSync(`${file}.companies.json`, 'utf8'))).toEqual({ 'ACME SAS': 'ACME SAS', 'Acme S.A.S.': 'Acme S.A.S.', 'Acme SAS': 'Acme SAS' });
    expect((await companies(db)).map((c) => c.name)).toEqual(['ACME SAS', 'Acme S.A.S.', 'Acme SAS', 'Beta SARL']);

    const other = files.write('other.csv', exportCsv);
    const none = await onTerminal(['--db', db, '--today', today, 'import', other], [
      [/no "Nom" column\. Which of its columns is it\?/, '\u001b[A\r'],
      [/no "Date de début" column\. Which of its columns is it\?/, '\u001b[A\r'],
      [/no "Date de la prochaine facture" column\. Which of its columns is\s+it\?/, '\u001b[A\r'],
    ]);
    expect(none.code).toBe(65);
    expect(fs.existsSync(`${other}.columns.json`)).toBe(false);
    expect(none.output).toContain('--column "Prénom+Nom de famille=Nom"');
  });
});
