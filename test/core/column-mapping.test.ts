import { describe, expect, test } from 'vitest';
import {
  bindMapping,
  type ColumnMapping,
  mapRow,
  mappingFromEntries,
  mappingFromJson,
  overlayMapping,
  parseColumnEntry,
} from '../../src/core/import/column-mapping.js';
import { readColumnsFile } from '../../src/core/import/column-mapping-file.js';
import { countRowWidth, noRowWidths, rowWidth } from '../../src/core/import/header-mapping.js';
import { tempFolder } from '../importers/files.js';
import type { Cell, RawRow } from '../../src/importers/types.js';
import { UserError } from '../../src/errors.js';

/** The UserError `run` throws. */
function refusal(run: () => unknown): UserError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return error as UserError;
  }
  throw new Error('expected a refusal');
}

const bind = (entries: string[], headers: string[]) => bindMapping(mappingFromEntries(entries), headers);
const cellsOf = (entries: string[], headers: string[], cells: Cell[]) => mapRow(bind(entries, headers), { row: 2, cells }).cells;

describe('--column entries', () => {
  test.each([
    ['Membership Type=Plan name', { kind: 'column', source: 'Membership Type', target: 'Plan name' }],
    [' Membership Type = Plan name ', { kind: 'column', source: 'Membership Type', target: 'Plan name' }],
    ['Ignore me=', { kind: 'column', source: 'Ignore me', target: null }],
    ['Prénom+Nom=Name', { kind: 'column', source: 'Prénom+Nom', target: 'Name' }],
    ['Plan name:=Adhésion annuelle', { kind: 'constant', target: 'Plan name', value: 'Adhésion annuelle' }],
    ['Notes:=a=b', { kind: 'constant', target: 'Notes', value: 'a=b' }],
    ['Renouvellement auto: Oui=yes, Non=no', { kind: 'values', source: 'Renouvellement auto', map: [['Oui', 'yes'], ['Non', 'no']] }],
    ['Statut: N/A=', { kind: 'values', source: 'Statut', map: [['N/A', '']] }],
  ])('%s', (text, expected) => {
    expect(parseColumnEntry(text)).toMatchObject({ ...expected, origin: `--column "${text}"` });
  });

  test.each([
    ['Membership Type', 'no "="'],
    ['=Plan name', 'no source header'],
    [':=Gold', 'no template column'],
    ['Plan name:=', 'no value'],
    ['Auto: Oui', '"Oui" is not "from=to"'],
    ['Auto: Oui=yes, oui=no', 'the value "oui" is mapped twice'],
  ])('%s is refused (64), naming the entry', (text, why) => {
    const error = refusal(() => parseColumnEntry(text));
    expect(error.exitCode).toBe(64);
    expect(error.message).toContain(`--column "${text}"`);
    expect(error.message).toContain(why);
  });

  test('two entries about the same source header are refused, whatever its case', () => {
    const error = refusal(() => mappingFromEntries(['Formule=Plan name', 'formule =Notes']));
    expect(error.exitCode).toBe(64);
    expect(error.message).toBe('--column "formule =Notes": says again what --column "Formule=Plan name" says; keep one');
  });
});

describe('a --columns file', () => {
  const file = 'mapping.json';

  test('columns, constants and values, as the command line writes them', () => {
    const mapping = mappingFromJson(
      {
        columns: { 'Membership Type': 'Plan name', 'Prénom+Nom': 'Name', 'Ignore me': null },
        constants: { Country: 'FR' },
        values: { 'Renouvellement auto': { Oui: 'yes', Non: 'no' } },
      },
      file,
    );
    expect(mapping.entries).toEqual([
      { kind: 'column', source: 'Membership Type', target: 'Plan name', origin: '--columns mapping.json: "columns": "Membership Type"' },
      { kind: 'column', source: 'Prénom+Nom', target: 'Name', origin: '--columns mapping.json: "columns": "Prénom+Nom"' },
      { kind: 'column', source: 'Ignore me', target: null, origin: '--columns mapping.json: "columns": "Ignore me"' },
      { kind: 'constant', target: 'Country', value: 'FR', origin: '--columns mapping.json: "constants": "Country"' },
      { kind: 'values', source: 'Renouvellement auto', map: [['Oui', 'yes'], ['Non', 'no']], origin: '--columns mapping.json: "values": "Renouvellement auto"' },
    ]);
  });

  test.each([
    [[], 'not a column mapping'],
    [{ column: {} }, 'not a column mapping'],
    [{ columns: { Formule: 3 } }, 'at "columns"."Formule"'],
    [{ constants: { 'Plan name': '' } }, 'an empty value'],
  ])('%j is refused (64) naming the file', (json, why) => {
    const error = refusal(() => mappingFromJson(json, file));
    expect(error.exitCode).toBe(64);
    expect(error.message).toContain('--columns mapping.json');
    expect(error.message).toContain(why);
  });

  test('--column entries replace the saved ones about the same column and add the others', () => {
    const saved = mappingFromJson({ columns: { Formule: 'Plan name', Notes: null } }, file);
    const mapping = overlayMapping(saved, mappingFromEntries(['Notes=Notes', 'Plan name:=Gold']));
    expect(mapping.entries.map((e) => e.origin)).toEqual([
      '--columns mapping.json: "columns": "Formule"',
      '--column "Notes=Notes"',
      '--column "Plan name:=Gold"',
    ]);
  });
});

describe('binding a mapping to a file', () => {
  const headers = [' Membership ID', 'Prénom', 'Nom', 'Formule', 'Renouvellement auto', 'Ignore me'];

  test('rename, join, ignore, constant and value map, headers matched trimmed and ignoring case', () => {
    const bound = bind(
      ['membership id=External ID', 'Prénom+Nom=Name', 'FORMULE=Plan name', 'Ignore me=', 'Start date:=2026-01-01', 'Renouvellement auto: Oui=yes, Non=no'],
      headers,
    );
    expect(bound.headers).toEqual([...headers, 'Prénom+Nom', 'Start date']);
    expect(bound.fileColumns).toBe(6);
    expect([...bound.assigned]).toEqual([
      [0, 'externalId'],
      [6, 'name'],
      [3, 'planName'],
      [7, 'startDate'],
    ]);
    expect([...bound.ignored].sort()).toEqual([1, 2, 5]);
    expect([...bound.notes]).toEqual([
      ['Membership ID', 'Membership ID is read as External ID'],
      ['Prénom+Nom', 'Prénom+Nom is read as Name'],
      ['Formule', 'Formule is read as Plan name'],
      ['Start date', 'Start date is set by --column "Start date:=2026-01-01"'],
    ]);
  });

  test('a template column may be named in French or by an alias', () => {
    expect([...bind(['Formule=Nom du forfait', 'Remarque=Commentaires'], ['Formule', 'Remarque']).assigned]).toEqual([
      [0, 'planName'],
      [1, 'notes'],
    ]);
  });

  test('a header holding "+" is that column, not a join', () => {
    const bound = bind(['Nom+Prénom=Name'], ['Nom+Prénom', 'Email']);
    expect([...bound.assigned]).toEqual([[0, 'name']]);
    expect(bound.added).toEqual([]);
  });

  test('a header the file lacks is refused (64), naming the entry and the closest header', () => {
    const error = refusal(() => bind(['Membership Typ=Plan name'], ['Name', 'Membership Type']));
    expect(error.exitCode).toBe(64);
    expect(error.message).toBe('--column "Membership Typ=Plan name": the file has no column "Membership Typ" (the closest is "Membership Type")');
    expect(error.hint).toBe('its columns are "Name", "Membership Type"');
    expect(refusal(() => bind(['Prénom+Nomm=Name'], ['Prénom', 'Nom'])).message).toBe('--column "Prénom+Nomm=Name": the file has no column "Nomm" (the closest is "Nom")');
    expect(refusal(() => bind(['Auto: Oui=yes'], ['Auto renew'])).message).toContain('the file has no column "Auto"');
  });

  test('a template column that does not exist is refused (64), naming the closest one', () => {
    const error = refusal(() => bind(['Type=Plan nam'], ['Name', 'Type']));
    expect(error.exitCode).toBe(64);
    expect(error.message).toBe('--column "Type=Plan nam": "Plan nam" is not a template column (the closest is "Plan name")');
    expect(refusal(() => bind(['Plann:=Gold'], ['Name'])).message).toBe('--column "Plann:=Gold": "Plann" is not a template column (the closest is "Plan")');
  });

  test('a column used twice, a template column fed twice, or fed by a column of the file too, is refused (64)', () => {
    expect(refusal(() => bind(['Prénom+Nom=Name', 'Nom=Notes'], ['Prénom', 'Nom'])).message).toBe(
      '--column "Nom=Notes": the column "Nom" is already mapped by --column "Prénom+Nom=Name"; keep one',
    );
    expect(refusal(() => bind(['A=Notes', 'B=Notes'], ['A', 'B'])).message).toBe('--column "B=Notes": Notes is already fed by --column "A=Notes"; keep one');
    const error = refusal(() => bind(['Formule=Plan name'], ['Name', 'Formule', 'Plan']));
    expect(error.exitCode).toBe(64);
    expect(error.message).toBe('--column "Formule=Plan name": the file\'s column "Plan" is Plan name already');
    expect(error.hint).toBe('leave it out with --column "Plan=", or drop the entry');
    expect(refusal(() => bind(['Plan name:=Gold'], ['Name', 'Plan name'])).message).toContain('the file\'s column "Plan name" is Plan name already');
  });
});

describe('mapping a row', () => {
  const headers = ['Prénom', 'Nom', 'Formule', 'Auto'];

  test('a join skips empty parts; no part at all is an empty cell', () => {
    const entries = ['Prénom+Nom=Name'];
    expect(cellsOf(entries, headers, ['Marie', 'Curie', 'Gold'])).toEqual(['Marie', 'Curie', 'Gold', null, 'Marie Curie']);
    expect(cellsOf(entries, headers, [null, 'Curie'])).toEqual([null, 'Curie', null, null, 'Curie']);
    expect(cellsOf(entries, headers, [null, null, 'Gold'])).toEqual([null, null, 'Gold', null, null]);
  });

  test('a date cell joins as its date', () => {
    expect(cellsOf(['Prénom+Nom=Notes'], headers, ['Inscrit le', { kind: 'date', date: '2026-03-01' }]).at(-1)).toBe('Inscrit le 2026-03-01');
  });

  test('value maps match trimmed and ignoring case; other values pass unchanged; an empty target empties the cell', () => {
    const entries = ['Auto: Oui=yes, Non=no, N/A='];
    const auto = (cell: Cell) => cellsOf(entries, headers, [null, null, null, cell])[3];
    expect(auto('OUI')).toBe('yes');
    expect(auto('non')).toBe('no');
    expect(auto('N/A')).toBe(null);
    expect(auto('Peut-être')).toBe('Peut-être');
  });

  test('a value map gives the same on every row, however often a value repeats', () => {
    const bound = bind(['Auto: Oui=yes, Non='], headers);
    const read = ['Oui', 'oui', 'Non', 'Oui', 'Non', 'Peut-être', 'Peut-être'].map((cell, i) => mapRow(bound, { row: i + 2, cells: [null, null, null, cell] }).cells[3]);
    expect(read).toEqual(['yes', 'yes', null, 'yes', null, 'Peut-être', 'Peut-être']);
  });

  test('value maps apply to the parts of a join before it joins', () => {
    expect(cellsOf(['Prénom+Nom=Name', 'Nom: X=Curie'], headers, ['Marie', 'x']).at(-1)).toBe('Marie Curie');
  });

  test('a constant is on every row, and cells past the header are not carried', () => {
    const row: RawRow = { row: 3, cells: ['Marie', 'Curie', null, null, 'stray'], width: 6 };
    expect(mapRow(bind(['Plan name:=Gold'], headers), row)).toEqual({ row: 3, cells: ['Marie', 'Curie', null, null, 'Gold'] });
  });
});

describe('the width of a file\'s rows', () => {
  const widthOf = (headerWidth: number, widths: number[]) => {
    const counted = noRowWidths();
    for (const width of widths) countRowWidth(counted, headerWidth, { row: 2, cells: ['x'], width });
    return rowWidth(counted, headerWidth);
  };

  test('the header\'s, when the other rows match it: a wider row is shifted', () => {
    expect(widthOf(5, [5, 5, 6, 5])).toBe(5);
    expect(widthOf(5, [3, 2, 6, 6])).toBe(5);
  });

  test('that of most rows, when every line but the header ends with the same empty cells', () => {
    expect(widthOf(5, [6, 6, 6])).toBe(6);
    expect(widthOf(5, [6, 6, 7, 6, 1])).toBe(6);
    expect(widthOf(5, [6])).toBe(6);
  });
});

describe('reading a --columns file', () => {
  const folder = tempFolder('column-mapping');

  test('a saved mapping, with or without a BOM', () => {
    const file = folder.write('mapping.json', '\uFEFF{"columns": {"Formule": "Plan name"}}');
    expect(readColumnsFile(file).entries).toMatchObject([{ kind: 'column', source: 'Formule', target: 'Plan name' }]);
  });

  test('a missing file exits 66, a file that is not JSON 64, both naming it', () => {
    const missing = refusal(() => readColumnsFile(folder.path('none.json')));
    expect(missing.exitCode).toBe(66);
    expect(missing.message).toMatch(/^--columns .*none\.json: cannot be read \(no such file\)$/);
    const broken = refusal(() => readColumnsFile(folder.write('broken.json', '{"columns": ')));
    expect(broken.exitCode).toBe(64);
    expect(broken.message).toMatch(/broken\.json: not valid JSON/);
  });
});

describe('an empty mapping', () => {
  test('binds to the file as it is', () => {
    const mapping: ColumnMapping = { entries: [] };
    const bound = bindMapping(mapping, ['Name']);
    expect(bound).toMatchObject({ headers: ['Name'], fileColumns: 1, added: [] });
  });
});
