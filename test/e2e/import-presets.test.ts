import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';

const files = tempFolder('import-presets-e2e');
const today = '2026-04-15';
const fixture = (name: string) => path.join(root, 'fixtures', 'presets', `${name}.csv`);

// the vendors' plan names are not the database's: the plan map says which plan each one is
const planMap = {
  'Adhésion annuelle': 'Association Annual',
  'Poste nomade': 'Hot Desk',
  Supporter: 'Hot Desk',
  Annual: 'Association Annual',
  Lifetime: 'Association Annual',
  General: 'Association Annual',
  Student: 'Association Annual',
  'Resident Desk': 'Fixed Desk',
  'Flex 10': 'Hot Desk',
  'Private Office 4': 'Private Office',
  'Dedicated Desk': 'Fixed Desk',
};

interface Problem {
  row: number | null;
  column: string | null;
  value: string | null;
  code: string;
  severity: string;
  message: string;
}

async function database(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  expect((await runCli(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')], { db })).code).toBe(0);
  expect((await runCli(['settings', 'set', 'timezone', 'Europe/Paris'], { db })).code).toBe(0);
  return db;
}

const member = async (db: string, ref: string) => (await runCli(['--json', 'members', 'show', ref], { db, today })).json();

/** Per preset: the rows, members and memberships its fixture gives, and what one of its members becomes. */
const cases: Array<{ preset: string; rows: number; members: number; memberships: number; check: (db: string) => Promise<void> }> = [
  {
    preset: 'helloasso',
    rows: 3,
    members: 3,
    memberships: 3,
    async check(db) {
      const camille = await member(db, 'camille.dupont@example.fr');
      expect(camille).toMatchObject({ name: 'Camille Dupont', customFields: {} });
      expect(camille.memberships).toMatchObject([{ plan: 'Association Annual', startDate: '2026-03-23', nextInvoiceDate: '2027-03-23' }]);
    },
  },
  {
    preset: 'ghost',
    rows: 3,
    members: 3,
    memberships: 2,
    async check(db) {
      const ada = await member(db, 'ada@example.com');
      // 2026-01-31T23:30:00.000Z is 1 February in Paris
      expect(ada).toMatchObject({ name: 'Ada Lovelace', externalId: '65f1a2b3c4d5e6f708192a3b', noMail: false, tags: ['Newsletter', 'VIP'], customFields: {} });
      expect(ada.memberships).toMatchObject([{ plan: 'Hot Desk', startDate: '2026-02-01', nextInvoiceDate: '2026-05-01' }]);
      const grace = await member(db, 'grace@example.com');
      expect(grace).toMatchObject({ name: 'Grace Hopper', noMail: true, memberships: [] });
    },
  },
  {
    preset: 'wildapricot',
    rows: 3,
    members: 3,
    memberships: 3,
    async check(db) {
      const jeanne = await member(db, 'jeanne.moreau@example.org');
      expect(jeanne).toMatchObject({ name: 'Jeanne Moreau', externalId: '50211', phone: '+33 6 12 34 56 78', city: 'Lyon' });
      expect(jeanne.memberships).toMatchObject([{ startDate: '2025-03-01', nextInvoiceDate: '2027-03-01' }]);
      // "NEVER" is no date: --next-invoice gives it one
      const louis = await member(db, 'louis.renaud@example.org');
      expect(louis.memberships).toMatchObject([{ startDate: '2019-05-12', nextInvoiceDate: '2026-05-12' }]);
    },
  },
  {
    preset: 'civicrm',
    rows: 3,
    members: 3,
    memberships: 3,
    async check(db) {
      const marc = await member(db, 'marc.dubois@example.org');
      expect(marc).toMatchObject({ name: 'Marc Dubois', externalId: '813', company: 'Atelier Dubois', customFields: {} });
      expect(marc.memberships).toMatchObject([{ startDate: '2024-02-29', nextInvoiceDate: '2027-02-28' }]);
    },
  },
  {
    preset: 'nexudus',
    rows: 3,
    members: 3,
    memberships: 2,
    async check(db) {
      const nadia = await member(db, 'nadia.benali@example.fr');
      expect(nadia).toMatchObject({ name: 'Nadia Benali', customFields: {} });
      expect(nadia.memberships).toMatchObject([{ plan: 'Fixed Desk', startDate: '2026-01-31', nextInvoiceDate: '2026-04-30' }]);
      expect((await member(db, 'julie.roux@example.fr')).memberships).toEqual([]);
    },
  },
  {
    preset: 'officernd',
    rows: 2,
    members: 2,
    memberships: 2,
    async check(db) {
      const karim = await member(db, 'karim@atelier-fournier.fr');
      expect(karim).toMatchObject({ name: 'Karim Haddad', company: 'Atelier Fournier', customFields: {} });
      expect(karim.memberships).toMatchObject([{ plan: 'Fixed Desk', quantity: 2, startDate: '2026-01-15', endDate: '2026-06-30', nextInvoiceDate: '2026-05-15' }]);
    },
  },
];

describe.each(dialects)('vendor exports read through a preset on %s', (dialect) => {
  it.each(cases)('$preset: validate names the preset, validate and import it with --preset, a re-run later changes nothing', async ({ preset, rows, members, memberships, check }) => {
    const db = await database(dialect);
    const map = files.write(`${preset}.plans.json`, JSON.stringify(planMap));
    const file = fixture(preset);

    const bare = await runCli(['--json', 'validate', file], { db, today });
    const detected = (bare.json().problems as Problem[]).find((p) => p.code === 'preset_detected');
    expect(detected).toMatchObject({ severity: 'warning', value: preset });
    expect(detected!.message).toContain(`add --preset ${preset}`);

    const flags = ['--preset', preset, '--map', map, '--next-invoice', 'next-period'];
    const valid = await runCli(['--json', 'validate', file, ...flags], { db, today });
    expect(valid.code, valid.stdout).toBe(0);
    expect(valid.json()).toMatchObject({ rows, valid: true, errors: 0, warnings: 0 });
    // the import it proposes reads the file the same way
    const said = await runCli(['validate', file, ...flags], { db, today });
    expect(said.stdout).toContain(`ready for \`memberctl import ${file} --preset ${preset} --next-invoice next-period --map ${map}\``);

    const imported = await runCli(['--json', 'import', file, ...flags], { db, today });
    expect(imported.code, imported.stdout).toBe(0);
    expect(imported.json()).toMatchObject({ rows, rejected: 0, created: { members, memberships } });
    await check(db);

    // a month later the computed dates would differ: the memberships keep theirs, the file is unchanged
    const again = await runCli(['--json', 'import', file, ...flags], { db, today: '2026-05-20' });
    expect(again.code, again.stdout).toBe(0);
    expect(again.json()).toMatchObject({ batch: null, unchanged: rows, created: { members: 0, memberships: 0 } });
  });
});

describe.each(dialects)('HelloAsso exports on %s', (dialect) => {
  const flags = ['--preset', 'helloasso', '--next-invoice', 'next-period', '--column', 'Tarif: Adhésion annuelle=Association Annual'];

  it("older headers (Prénom, Nom, Email) and a campaign's own member e-mail column are read; the payer's e-mail is then not read", async () => {
    const db = await database(dialect);
    const older = files.write('helloasso-older.csv', 'Nom;Prénom;Email;Date de la commande;Tarif;Montant du tarif;Statut de la commande\nRoux;Inès;ines.roux@example.fr;02/02/2026;Adhésion annuelle;120,00;Validé\n');
    const own = files.write(
      'helloasso-own-email.csv',
      'Référence commande;Date de la commande;Nom adhérent;Prénom adhérent;Email payeur;Email adhérent;Tarif;Montant tarif\n9;02/02/2026;Petit;Jules;parent.petit@example.fr;jules.petit@example.fr;Adhésion annuelle;120,00\n',
    );
    for (const file of [older, own]) {
      const result = await runCli(['--json', 'import', file, ...flags], { db, today });
      expect(result.code, result.stdout).toBe(0);
    }
    expect(await member(db, 'ines.roux@example.fr')).toMatchObject({ name: 'Inès Roux', customFields: {} });
    expect(await member(db, 'jules.petit@example.fr')).toMatchObject({ name: 'Jules Petit', customFields: {} });
    const nobody = await runCli(['members', 'show', 'parent.petit@example.fr'], { db, today });
    expect(nobody.code).not.toBe(0);
  });

  it("two people registered by one payer share the payer's e-mail: an error, or people without an e-mail when it is left out", async () => {
    const db = await database(dialect);
    const file = files.write(
      'helloasso-family.csv',
      'Référence commande;Date de la commande;Statut de la commande;Nom adhérent;Prénom adhérent;Nom payeur;Prénom payeur;Email payeur;Tarif;Montant tarif\n' +
        '1;23/03/2026;Validé;Durand;Zoé;Durand;Paul;paul.durand@example.fr;Adhésion annuelle;120,00\n' +
        '2;23/03/2026;Validé;Durand;Max;Durand;Paul;paul.durand@example.fr;Adhésion annuelle;120,00\n',
    );
    const shared = await runCli(['--json', 'validate', file, ...flags], { db, today });
    expect(shared.code).toBe(65);
    expect((shared.json().problems as Problem[]).filter((p) => p.severity === 'error')).toMatchObject([{ row: 3, column: 'Email payeur', code: 'duplicate_member' }]);
    const first = await runCli(['--json', 'import', file, ...flags, '--column', 'Email payeur='], { db, today });
    expect(first.code, first.stdout).toBe(0);
    expect(first.json()).toMatchObject({ created: { members: 2, memberships: 2 } });
    const again = await runCli(['--json', 'import', file, ...flags, '--column', 'Email payeur='], { db, today });
    expect(again.code, again.stdout).toBe(0);
    expect(again.json()).toMatchObject({ created: { members: 0, memberships: 0 } });
  });
});

describe.each(dialects)('--next-invoice on %s', (dialect) => {
  const rowOf = (problems: Problem[], row: number) => problems.find((p) => p.row === row && p.code === 'next_invoice_computed');

  it('without it, a file with no Next invoice date column is one file-level error naming both options', async () => {
    const db = await database(dialect);
    const result = await runCli(['--json', 'validate', fixture('helloasso'), '--preset', 'helloasso'], { db, today });
    expect(result.code).toBe(65);
    const errors = (result.json().problems as Problem[]).filter((p) => p.severity === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ row: null, code: 'missing_column', value: 'Next invoice date' });
    expect(errors[0]!.message).toContain('--next-invoice next-period');
    expect(errors[0]!.message).toContain('--next-invoice today');
    const human = await runCli(['validate', fixture('helloasso'), '--preset', 'helloasso'], { db, today });
    expect(human.stdout).toContain('give --next-invoice next-period');
  });

  it('next-period and today give the hand-computed dates, in --json, in the csv report and in the memberships', async () => {
    const map = files.write('modes.plans.json', JSON.stringify(planMap));
    // HelloAsso's rows: a yearly plan from 2026-03-23 and 2026-01-05, a monthly one from 2026-01-31 (anchor 31)
    const expected = {
      'next-period': { 2: '2027-03-23', 3: '2027-01-05', 4: '2026-04-30' },
      today: { 2: '2026-03-23', 3: '2026-01-05', 4: '2026-03-31' },
    } as const;
    for (const rule of ['next-period', 'today'] as const) {
      const db = await database(dialect);
      const flags = ['--preset', 'helloasso', '--map', map, '--next-invoice', rule];
      const report = files.path(`modes-${rule}.csv`);
      const valid = await runCli(['--json', 'validate', fixture('helloasso'), ...flags, '--report', report], { db, today });
      expect(valid.code).toBe(0);
      const problems = valid.json().problems as Problem[];
      for (const [row, date] of Object.entries(expected[rule])) {
        expect(rowOf(problems, Number(row)), `row ${row}`).toMatchObject({ severity: 'info', column: 'Next invoice date', value: date });
      }
      expect(problems.filter((p) => p.code === 'next_invoice_rule')).toHaveLength(1);
      const csv = fs.readFileSync(report, 'utf8');
      expect(csv).toContain(`4,Next invoice date,${expected[rule][4]},next_invoice_computed,info`);

      const imported = await runCli(['import', fixture('helloasso'), ...flags], { db, today });
      expect(imported.code, imported.stderr).toBe(0);
      expect((await member(db, 'hugo.bernard@example.fr')).memberships[0]).toMatchObject({ startDate: '2026-01-31', nextInvoiceDate: expected[rule][4] });

      // the schedule keeps the start's day: billing through 31 May issues the periods ending on each month's last day
      const run = await runCli(['--json', 'invoices', 'run', '--dry-run'], { db, today: '2026-05-31' });
      expect(run.code, run.stderr).toBe(0);
      const hugo = (run.json().invoices as Array<{ payer: { name: string }; lines: Array<{ periodStart: string; periodEnd: string }> }>).find((i) => i.payer.name === 'Hugo Bernard');
      const periods = hugo!.lines.map((l) => [l.periodStart, l.periodEnd]);
      expect(periods).toEqual(
        rule === 'today'
          ? [
              ['2026-03-31', '2026-04-29'],
              ['2026-04-30', '2026-05-30'],
              ['2026-05-31', '2026-06-29'],
            ]
          : [
              ['2026-04-30', '2026-05-30'],
              ['2026-05-31', '2026-06-29'],
            ],
      );
    }
  });

  it('the terminal shows the rule once, not a line per row', async () => {
    const db = await database(dialect);
    const map = files.write('terminal.plans.json', JSON.stringify(planMap));
    const result = await runCli(['validate', fixture('helloasso'), '--preset', 'helloasso', '--map', map, '--next-invoice', 'today'], { db, today });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[next_invoice_rule]');
    expect(result.stdout).not.toContain('[next_invoice_computed]');
    expect(result.stdout).toContain('3 rows, valid');
  });
});

describe.each(dialects)('presets and column mappings on %s', (dialect) => {
  it("a preset plus --column entries compose, the user's entries winning", async () => {
    const db = await database(dialect);
    const result = await runCli(
      [
        '--json',
        'import',
        fixture('helloasso'),
        '--preset',
        'helloasso',
        '--next-invoice',
        'next-period',
        '--column',
        'Tarif: Adhésion annuelle=Association Annual, Poste nomade=Hot Desk',
        '--column',
        'Statut de la commande=Notes',
      ],
      { db, today },
    );
    expect(result.code, result.stdout).toBe(0);
    expect(result.json()).toMatchObject({ created: { members: 3, memberships: 3 } });
    const camille = await member(db, 'camille.dupont@example.fr');
    expect(camille.memberships[0]).toMatchObject({ plan: 'Association Annual' });
    expect(camille.notes.map((n: { text?: string; body?: string }) => n.text ?? n.body)).toEqual(['Validé']);
  });

  it('an unknown preset is a usage error naming the presets', async () => {
    const db = await database(dialect);
    const result = await runCli(['validate', fixture('ghost'), '--preset', 'gost'], { db, today });
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('did you mean ghost?');
    expect(result.stderr).toContain('helloasso, ghost, wildapricot, civicrm, nexudus, officernd');
    const rule = await runCli(['validate', fixture('ghost'), '--next-invoice', 'tomorrow'], { db, today });
    expect(rule.code).toBe(64);
    expect(rule.stderr).toContain('must be next-period or today');
  });
});

describe.each(dialects)('timestamps in a template file on %s', (dialect) => {
  it('each form is read as its date in the timezone setting, with one note for the file', async () => {
    const db = await database(dialect);
    const file = files.write(
      'timestamps.csv',
      [
        'Name,Email,Plan name,Start date,Next invoice date',
        'Ana,ana@example.org,Hot Desk,2026-03-23 14:05,2026-05-01',
        'Bo,bo@example.org,Hot Desk,23/03/2026 14:05,2026-05-01',
        'Cy,cy@example.org,Hot Desk,2026-03-23T23:05:00+01:00,2026-05-01',
        'Di,di@example.org,Hot Desk,2026-03-23 23:05:10 UTC,2026-05-01',
        'Ed,ed@example.org,Hot Desk,2026-03-23T13:05:00.000Z,2026-05-01',
        '',
      ].join('\n'),
    );
    const valid = await runCli(['--json', 'validate', file, '--date-format', 'DMY'], { db, today });
    expect(valid.code, valid.stdout).toBe(0);
    const notes = (valid.json().problems as Problem[]).filter((p) => p.code === 'timestamps_read');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ row: null, severity: 'info', value: '2026-03-23 14:05' });
    expect(notes[0]!.message).toContain('Europe/Paris');
    expect(valid.json()).toMatchObject({ warnings: 0 });

    expect((await runCli(['import', file, '--date-format', 'DMY'], { db, today })).code).toBe(0);
    const starts: Record<string, string> = {};
    for (const who of ['ana', 'bo', 'cy', 'di', 'ed']) starts[who] = (await member(db, `${who}@example.org`)).memberships[0].startDate;
    // 23:05:10 UTC is 00:05 on the 24th in Paris (UTC+1 in March); 23:05+01:00 is 23:05 there
    expect(starts).toEqual({ ana: '2026-03-23', bo: '2026-03-23', cy: '2026-03-23', di: '2026-03-24', ed: '2026-03-23' });
  });
});
