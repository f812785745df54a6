import { describe, expect, it } from 'vitest';
import { columnFlags, guessColumns, missingColumns } from '../../src/core/import/column-guess.js';
import { shellQuote, shellWord } from '../../src/core/kernel/words.js';
import { buildLayout } from '../../src/core/import/member-row.js';
import type { RawRow } from '../../src/importers/types.js';

/** The guesses for a file given as its header and rows (cells as text, `;`-separated). */
function guess(header: string, lines: string[], plans: string[] = ['Hot Desk', 'Bureau fixe']) {
  const headers = header.split(';');
  const { layout, problems } = buildLayout(headers, 1, 'import');
  const rows: RawRow[] = lines.map((line, i) => ({ row: i + 2, cells: line.split(';').map((cell) => (cell === '' ? null : cell)) }));
  return guessColumns(missingColumns(problems), layout, rows, plans);
}

const likeliest = (guesses: ReturnType<typeof guess>) => Object.fromEntries(guesses.map((g) => [g.header, g.likeliest?.source ?? null]));

describe('guessing which columns of a file are the required ones it lacks', () => {
  it('reads headers in French and the values under them: a plan column of known plans, dates by their words', () => {
    const guesses = guess('Nom;Courriel;Formule;Date de début;Renouvellement', [
      'Marie Curie;marie@example.org;Hot Desk;15/01/2025;15/01/2027',
      'Pierre Dupont;pierre@example.org;Bureau fixe;01/03/2025;01/03/2027',
    ]);
    // the problems name the missing columns in the file's language
    expect(likeliest(guesses)).toEqual({ 'Nom du forfait': 'Formule', 'Date de la prochaine facture': 'Renouvellement' });
  });

  it('between two date columns no header tells apart, the earlier dates are the start', () => {
    const guesses = guess('Name;Plan;Date 1;Date 2', ['Ada Lovelace;Hot Desk;2027-01-15;2025-01-15', 'Bob Stone;Hot Desk;2027-03-01;2025-03-01']);
    expect(likeliest(guesses)).toEqual({ 'Start date': 'Date 2', 'Next invoice date': 'Date 1' });
  });

  it('joins a first and a last name column for a missing Name; each column is the likeliest of one column at most', () => {
    const guesses = guess('First name;Last name;Plan name;Start;Next billing date', ['Ada;Lovelace;Hot Desk;2025-01-01;2027-01-01']);
    expect(likeliest(guesses)).toEqual({ Name: 'First name+Last name' });
    expect(guesses[0]!.candidates[0]!.samples).toEqual(['Ada Lovelace']);
  });

  it('proposes nothing when no column looks like the missing one (a date column with no dates under it)', () => {
    const guesses = guess('Name;Plan;Start date;Commentaire', ['Ada Lovelace;Hot Desk;2025-01-01;à rappeler', 'Bob Stone;Hot Desk;2025-01-01;payé']);
    expect(likeliest(guesses)).toEqual({ 'Next invoice date': null });
    // still listed, for a person to choose at a terminal
    expect(guesses[0]!.candidates.map((c) => c.source)).toEqual(['Commentaire']);
  });

  it('writes the flags quoted for a shell, ready to paste', () => {
    expect(shellQuote('Début adhésion=Start date')).toBe('"Début adhésion=Start date"');
    expect(shellQuote('Prix $=Plan name')).toBe("'Prix $=Plan name'");
    expect(shellQuote("l'offre \"A\"=Plan name")).toBe(`'l'\\''offre "A"=Plan name'`);
    // a word of a command line is quoted only when the shell would read it otherwise
    expect(shellWord('/tmp/membres-2026.csv')).toBe('/tmp/membres-2026.csv');
    expect(shellWord('Mes adhérents.csv')).toBe('"Mes adhérents.csv"');
    const guesses = guess('Name;Plan;Début;Échéance', ['Marie Curie;Hot Desk;15/01/2025;15/01/2027']);
    expect(columnFlags(guesses)).toEqual(['--column "Début=Start date"', '--column "Échéance=Next invoice date"']);
  });
});
