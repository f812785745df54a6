import { describe, expect, test } from 'vitest';
import { columnLetter } from '../../src/core/kernel/columns.js';
import { cellsWithoutHeader, headerKey, mapHeaders } from '../../src/core/import/header-mapping.js';
import { knownHeaders, memberColumnKeys, templateColumns, templateHeader } from '../../src/core/import/template-columns.js';

const map = (headers: string[], headerRow?: number) => mapHeaders(headers, templateColumns, { headerRow });
const keysOf = (headers: string[]) => [...map(headers).columns.values()];
const codes = (headers: string[]) => map(headers).problems.map((p) => p.code);

describe('the template columns', () => {
  test('every member column appears once, in the order of the spec', () => {
    expect(templateColumns.map((column) => column.key)).toEqual([...memberColumnKeys]);
  });

  test('no two columns share a header, alias included, in the form headers are compared in', () => {
    const owner = new Map<string, string>();
    for (const column of templateColumns) {
      for (const header of knownHeaders(column)) {
        const key = headerKey(header);
        expect(owner.get(key) ?? column.key, `"${header}"`).toBe(column.key);
        owner.set(key, column.key);
      }
    }
  });

  test('the requirements match the template: Name always, the membership columns together', () => {
    const required = (kind: string) => templateColumns.filter((c) => c.required === kind).map((c) => c.header);
    expect(required('always')).toEqual(['Name']);
    expect(required('withPlan')).toEqual(['Plan name', 'Start date', 'Next invoice date']);
  });

  test('each column has instructions in both languages', () => {
    for (const column of templateColumns) {
      expect(column.instructions.en.length, column.key).toBeGreaterThan(10);
      expect(column.instructions.fr.length, column.key).toBeGreaterThan(10);
    }
  });
});

describe('matching headers', () => {
  test('the English template headers map to every column, without problems', () => {
    const headers = templateColumns.map((column) => templateHeader(column, 'en'));
    const mapping = map(headers);
    expect([...mapping.columns]).toEqual(templateColumns.map((column, index) => [index, column.key]));
    expect(mapping.problems).toEqual([]);
    expect(mapping.customFields.size).toBe(0);
  });

  test('the French template headers map to the same columns', () => {
    const mapping = map(templateColumns.map((column) => templateHeader(column, 'fr')));
    expect([...mapping.columns.values()]).toEqual([...memberColumnKeys]);
    expect(mapping.problems).toEqual([]);
  });

  test('case, surrounding spaces, a BOM and missing accents do not matter', () => {
    expect(keysOf(['\uFEFFname', '  PLAN NAME ', 'Date de debut', 'date de la prochaine facture', 'TELEPHONE', 'etiquettes'])).toEqual([
      'name',
      'planName',
      'startDate',
      'nextInvoiceDate',
      'phone',
      'tags',
    ]);
  });

  test('separators and a required-field star are not part of the name', () => {
    expect(keysOf(['Name *', 'plan_name', 'start-date', 'Next  invoice\u00a0date', 'E-mail', 'external_id', "Nom de l’entreprise"])).toEqual([
      'name',
      'planName',
      'startDate',
      'nextInvoiceDate',
      'email',
      'externalId',
      'company',
    ]);
  });

  test('aliases of real exports are recognised', () => {
    const mapping = map(['Full name', 'Membership', 'Member since', 'Next billing date', 'Email address', 'Courriel', 'Organisation']);
    expect([...mapping.columns.values()]).toEqual(['name', 'planName', 'startDate', 'nextInvoiceDate', 'email', 'company']);
    // Courriel is a second Email column
    expect(mapping.problems.map((p) => p.code)).toEqual(['duplicate_column']);
  });
});

describe('problems', () => {
  test('two headers for the same column are a duplicate_column error naming both positions', () => {
    const mapping = map(['Name', 'Email', 'Phone', 'Notes', 'Courriel'], 3);
    expect(mapping.columns.get(1)).toBe('email');
    expect(mapping.columns.has(4)).toBe(false);
    expect(mapping.problems).toHaveLength(1);
    const [duplicate] = mapping.problems;
    expect(duplicate).toMatchObject({ code: 'duplicate_column', severity: 'error', row: 3, column: 'Courriel' });
    expect(duplicate?.message).toContain('B ("Email")');
    expect(duplicate?.message).toContain('E ("Courriel")');
  });

  test('the same custom header twice is a duplicate too', () => {
    const mapping = map(['Name', 'Level', 'level']);
    expect([...mapping.customFields]).toEqual([[1, 'Level']]);
    expect(mapping.problems.map((p) => p.code)).toEqual(['custom_field', 'duplicate_column']);
  });

  test.each([
    ['Emial', 'Email'],
    ['Start dat', 'Start date'],
    ['Adress', 'Address'],
    ['Nxt invoice date', 'Next invoice date'],
    ['Telefone', 'Téléphone'],
    ['Date de débit', 'Date de début'],
  ])('"%s" is an unknown_column warning suggesting "%s", and is not used', (typo, known) => {
    const mapping = map(['Name', typo]);
    expect(mapping.columns.has(1)).toBe(false);
    expect(mapping.customFields.has(1)).toBe(false);
    const warning = mapping.problems.find((p) => p.code === 'unknown_column');
    expect(warning).toMatchObject({ severity: 'warning', row: 1, column: typo, value: typo, suggestion: known });
    // the suggestion is its own field: renderers add "did you mean" once
    expect(warning?.message).toContain(`"${typo}" is not a template column and is ignored`);
    expect(warning?.message).not.toContain(known);
  });

  test('other headers become custom fields with one custom_field warning each', () => {
    const mapping = map(['Name', 'Membership number', 'Email 2', 'Start date (old system)', 'Date', 'Level']);
    expect([...mapping.customFields]).toEqual([
      [1, 'Membership number'],
      [2, 'Email 2'],
      [3, 'Start date (old system)'],
      [4, 'Date'],
      [5, 'Level'],
    ]);
    expect(mapping.problems.map((p) => [p.code, p.severity, p.column])).toEqual([
      ['custom_field', 'warning', 'Membership number'],
      ['custom_field', 'warning', 'Email 2'],
      ['custom_field', 'warning', 'Start date (old system)'],
      ['custom_field', 'warning', 'Date'],
      ['custom_field', 'warning', 'Level'],
    ]);
  });

  test('a file without Name is a missing_column error', () => {
    const mapping = map(['Email', 'Phone']);
    expect(mapping.problems).toHaveLength(1);
    expect(mapping.problems[0]).toMatchObject({ code: 'missing_column', severity: 'error', row: 1, column: 'Name', value: null });
  });

  test('a misspelt required header is reported twice: the near miss and the missing column', () => {
    const mapping = map(['Nme', 'Email']);
    expect(mapping.problems.map((p) => p.code)).toEqual(['unknown_column', 'missing_column']);
    expect(mapping.problems[1]?.message).toContain('"Nme"');
  });

  test('a file without any membership column is a file of contacts', () => {
    expect(codes(['Name', 'Email', 'Company'])).toEqual([]);
  });

  test('a file with some membership columns needs all of them', () => {
    const mapping = map(['Name', 'Plan name', 'Email']);
    expect(mapping.problems.map((p) => [p.code, p.column])).toEqual([
      ['missing_column', 'Start date'],
      ['missing_column', 'Next invoice date'],
    ]);
  });

  test('a French file is told about missing columns in French', () => {
    const mapping = map(['Nom', 'Nom du forfait', 'Date de début']);
    expect(mapping.problems.map((p) => p.column)).toEqual(['Date de la prochaine facture']);
    expect(mapping.problems[0]?.message).toContain('"Date de la prochaine facture"');
  });
});

describe('columns without a header', () => {
  test('an empty header cell is neither a column nor a custom field', () => {
    const mapping = map(['Name', '', 'Email', '  ']);
    expect(mapping.unnamed).toEqual([1, 3]);
    expect([...mapping.columns.keys()]).toEqual([0, 2]);
    expect(mapping.customFields.size).toBe(0);
    expect(mapping.problems).toEqual([]);
  });

  test('cellsWithoutHeader finds values under an empty header or past the last one', () => {
    const headers = ['Name', '', 'Email'];
    expect(cellsWithoutHeader(['Ann', null, 'a@x.io'], headers)).toEqual([]);
    expect(cellsWithoutHeader(['Ann', 'x', 'a@x.io', null, 'y'], headers)).toEqual([1, 4]);
  });

  test('column letters follow the spreadsheet', () => {
    expect([0, 1, 25, 26, 27, 51, 52, 701, 702].map(columnLetter)).toEqual(['A', 'B', 'Z', 'AA', 'AB', 'AZ', 'BA', 'ZZ', 'AAA']);
  });
});
