import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root, runCli } from '../helpers/cli.js';
import { dialects, freshDbUrl } from '../helpers/db.js';
import { tempFolder } from '../importers/files.js';

const files = tempFolder('import-mapping-e2e');
const today = '2026-11-23';

/** A French association's export, as Excel saves "CSV UTF-8": a BOM, `;`, CRLF, a quoted `;` in a note. */
const export_ = [
  "Prénom;Nom;E-mail;Formule;Date d'adhésion;Prochaine échéance;Renouvellement auto;Commentaire",
  'Marie;Curie;marie.curie@example.fr;Annuelle;15/01/2025;15/01/2027;Oui;',
  'Pierre;Curie;pierre.curie@example.fr;Annuelle;01/03/2025;01/03/2027;Non;',
  'Irène;Joliot-Curie;irene@example.fr;Poste nomade;20/09/2025;20/12/2026;Oui;"Réunion; mardi"',
];
const exportFile = (lines = export_) => files.write('adherents.csv', `\uFEFF${lines.join('\r\n')}\r\n`);

const mapping = {
  columns: { 'Prénom+Nom': 'Name', Formule: 'Plan name', 'Prochaine échéance': 'Next invoice date', Commentaire: 'Notes' },
  values: { Formule: { Annuelle: 'Association Annual', 'Poste nomade': 'Hot Desk' } },
};
const flags = [
  '--column',
  'Prénom+Nom=Name',
  '--column',
  'Formule=Plan name',
  '--column',
  'Prochaine échéance=Next invoice date',
  '--column',
  'Commentaire=Notes',
  '--column',
  'Formule: Annuelle=Association Annual, Poste nomade=Hot Desk',
];

async function withPlans(dialect: (typeof dialects)[number]): Promise<string> {
  const db = await freshDbUrl(dialect);
  expect((await runCli(['plans', 'import', path.join(root, 'fixtures', 'plans.csv')], { db })).code).toBe(0);
  return db;
}

describe.each(dialects)('a French export mapped from the command line on %s', (dialect) => {
  it('validate refuses it as it is, accepts it mapped; import writes it, a re-run changes nothing, undo removes it', async () => {
    const db = await withPlans(dialect);
    const file = exportFile();
    const columns = files.write('adherents.columns.json', JSON.stringify(mapping, null, 2));

    const unmapped = await runCli(['--json', 'validate', file], { db, today });
    expect(unmapped.code).toBe(65);
    expect(unmapped.json().problems.filter((p: { code: string }) => p.code === 'missing_column').map((p: { value: string }) => p.value)).toEqual([
      'Plan name',
      'Next invoice date',
    ]);

    for (const mapped of [['--columns', columns], flags]) {
      const valid = await runCli(['--json', 'validate', file, ...mapped], { db, today });
      expect(valid.code, valid.stderr).toBe(0);
      expect(valid.json()).toMatchObject({ rows: 3, valid: true, errors: 0 });
    }

    const imported = await runCli(['--json', 'import', file, '--columns', columns], { db, today });
    expect(imported.code, imported.stderr).toBe(0);
    const result = imported.json();
    expect(result).toMatchObject({ rows: 3, rejected: 0, created: { members: 3, memberships: 3 } });
    const listed = await runCli(['--json', 'members', 'list'], { db, today });
    expect(listed.json().map((m: { name: string; email: string }) => [m.name, m.email])).toEqual([
      ['Irène Joliot-Curie', 'irene@example.fr'],
      ['Marie Curie', 'marie.curie@example.fr'],
      ['Pierre Curie', 'pierre.curie@example.fr'],
    ]);

    const again = await runCli(['--json', 'import', file, ...flags], { db, today });
    expect(again.code).toBe(0);
    expect(again.json()).toMatchObject({ batch: null, unchanged: 3, created: { members: 0, memberships: 0 } });

    const undo = await runCli(['--json', 'import', 'undo', result.batch], { db });
    expect(undo.code).toBe(0);
    expect(undo.json()).toMatchObject({ removed: { members: 3, memberships: 3 } });
  });

  it('a mapping naming a header the file lacks is refused (64) naming the entry and the closest header', async () => {
    const db = await withPlans(dialect);
    const file = exportFile();
    const typo = await runCli(['validate', file, '--column', 'Formul=Plan name'], { db, today });
    expect(typo.code).toBe(64);
    expect(typo.stderr).toContain('--column "Formul=Plan name": the file has no column "Formul" (the closest is "Formule")');
    expect(typo.stdout).toBe('');
    const column = await runCli(['import', file, '--column', 'Formule=Forfai'], { db, today });
    expect(column.code).toBe(64);
    expect(column.stderr).toContain('"Forfai" is not a template column (the closest is "Forfait")');
    const stripe = await runCli(['validate', '--source', 'stripe', file, '--column', 'Formule=Plan name'], { db, today });
    expect(stripe.code).toBe(64);
    expect(stripe.stderr).toContain('--column and --columns map a member file');
  });

  it('a row shifted by an unquoted ";" is an extra_cells error naming the row and the cell', async () => {
    const db = await withPlans(dialect);
    const file = exportFile([...export_.slice(0, 3), 'Irène;Joliot-Curie;irene@example.fr;Poste nomade;20/09/2025;20/12/2026;Oui;Réunion; mardi']);
    const shifted = await runCli(['--json', 'import', file, ...flags], { db, today });
    expect(shifted.code).toBe(65);
    const problems = shifted.json().problems.filter((p: { code: string }) => p.code === 'extra_cells');
    expect(problems).toMatchObject([{ row: 4, severity: 'error', value: 'mardi' }]);
    expect(problems[0].message).toContain('cell I has a value but no header');
  });
});
