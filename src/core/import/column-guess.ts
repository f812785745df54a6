/**
 * Which of a file's own columns probably is a required template column the file lacks (docs/importing.md, "Missing
 * columns"): ranked by how close the header is to the template column's names and by how its first values look
 * (dates, plan names, people's names). The import asks with this ranking at a terminal and, without one, names the
 * `--column` flags of the likeliest.
 */
import type { Queryable } from '../../db/connect.js';
import { openTable } from '../../importers/open-table.js';
import type { Cell, RawRow } from '../../importers/types.js';
import { classifyDateText, parseLooseDate } from '../kernel/dates.js';
import type { Problem } from '../kernel/problems.js';
import { normalizeName } from '../kernel/suggest.js';
import { shellQuote } from '../kernel/words.js';
import { distance } from 'fastest-levenshtein';
import { bindMapping, type ColumnMapping, mapRow } from './column-mapping.js';
import { templateColumnNamed } from './header-mapping.js';
import { buildLayout, type Layout } from './member-row.js';
import { type Preset, presetMapping } from './presets.js';
import { knownHeaders, type MemberColumnKey, templateColumns } from './template-columns.js';
import { cellText, isEmail } from './values.js';

/** A column of the file that may fill a missing template column: one header, or two joined (`Prénom+Nom`). */
export interface SourceCandidate {
  /** as a `--column` entry writes it: the header as written, or headers joined with `+` */
  source: string;
  /** 0 (nothing speaks for it) to 1 */
  score: number;
  /** a few distinct values of its first rows, as the prompt shows them */
  samples: string[];
}

export interface ColumnGuess {
  key: MemberColumnKey;
  /** the template column as the missing_column problem names it */
  header: string;
  /** every candidate, likeliest first */
  candidates: SourceCandidate[];
  /** the candidate likely enough to propose without asking, or null */
  likeliest: SourceCandidate | null;
}

/** Rows read for the values a guess looks at. */
export const sampleRows = 200;

/** Below this, a candidate is listed at a prompt but never proposed as the fix. */
const likelyEnough = 0.35;

/** Words that, in a header, speak for a template column (compared after normalizeName). */
const hints: Partial<Record<MemberColumnKey, readonly string[]>> = {
  name: ['nom', 'name', 'membre', 'member', 'adherent', 'client', 'customer', 'personne', 'person', 'contact', 'titulaire'],
  planName: ['formule', 'forfait', 'plan', 'abonnement', 'offre', 'type', 'membership', 'tarif', 'cotisation', 'product', 'produit', 'subscription', 'adhesion', 'pack'],
  startDate: ['debut', 'start', 'depuis', 'since', 'inscription', 'adhesion', 'joined', 'begin', 'commencement', 'entree', 'created', 'creation', 'souscription'],
  nextInvoiceDate: ['prochaine', 'prochain', 'next', 'echeance', 'renouvellement', 'renewal', 'due', 'facture', 'invoice', 'billing', 'facturation', 'paiement', 'payment'],
};

const firstNameWords = ['prenom', 'first', 'firstname', 'given'];
const lastNameWords = ['nom', 'last', 'lastname', 'surname', 'family', 'famille'];

const words = (text: string) => normalizeName(text).split(' ').filter(Boolean);

/** How close a header is to a template column's names and hint words: 0 to 1. */
function headerScore(header: string, key: MemberColumnKey): number {
  const column = templateColumns.find((c) => c.key === key)!;
  const own = normalizeName(header);
  if (own === '') return 0;
  let best = 0;
  for (const known of knownHeaders(column)) {
    const theirs = normalizeName(known);
    const ratio = 1 - distance(own, theirs) / Math.max(own.length, theirs.length);
    best = Math.max(best, ratio);
  }
  const ownWords = words(header);
  const hinted = (hints[key] ?? []).filter((hint) => ownWords.some((word) => word === hint || (hint.length >= 5 && word.startsWith(hint.slice(0, 5)))));
  if (hinted.length > 0) best = Math.max(best, Math.min(1, 0.6 + 0.15 * (hinted.length - 1)));
  return best;
}

/** The ISO date a cell holds (a date cell, or text any convention reads), or null. */
function dateOf(cell: Cell | undefined): string | null {
  if (cell !== null && cell !== undefined && typeof cell === 'object') return cell.kind === 'date' ? cell.date : null;
  if (typeof cell !== 'string') return null;
  const compatible = classifyDateText(cell);
  if (!compatible.DMY && !compatible.MDY) return null;
  const read = parseLooseDate(cell, null);
  if (read.kind === 'date') return read.date;
  if (read.kind === 'ambiguous') return read.readings.DMY ?? read.readings.MDY ?? null;
  return null;
}

interface ColumnValues {
  position: number;
  header: string;
  cells: Array<Cell | undefined>;
  texts: string[];
  /** share of non-empty cells that are dates */
  dates: number;
  /** the middle date of the column, to tell a start from a next invoice */
  medianDate: string | null;
  emails: number;
  numbers: number;
  distinct: number;
}

function describe(position: number, header: string, rows: readonly RawRow[]): ColumnValues {
  const cells = rows.map((row) => row.cells[position]);
  const filled = cells.filter((cell) => cell !== null && cell !== undefined);
  const texts = filled.map((cell) => cellText(cell) ?? '').filter((text) => text !== '');
  const dates = filled.map(dateOf).filter((date): date is string => date !== null).sort();
  const share = (n: number) => (filled.length === 0 ? 0 : n / filled.length);
  return {
    position,
    header,
    cells,
    texts,
    dates: share(dates.length),
    medianDate: dates.length === 0 ? null : dates[Math.floor(dates.length / 2)]!,
    emails: share(texts.filter(isEmail).length),
    numbers: share(texts.filter((text) => /^[-+]?\d+([.,]\d+)?$/.test(text)).length),
    distinct: texts.length === 0 ? 0 : new Set(texts.map((t) => t.toLowerCase())).size / texts.length,
  };
}

/** How much a column's values look like those of a template column: 0 to 1. */
function valueScore(values: ColumnValues, key: MemberColumnKey, plans: ReadonlySet<string>): number {
  if (values.texts.length === 0) return 0;
  const plainText = 1 - Math.max(values.dates, values.emails, values.numbers);
  switch (key) {
    case 'startDate':
    case 'nextInvoiceDate':
      return values.dates;
    case 'planName': {
      const known = values.texts.filter((text) => plans.has(text.toLowerCase())).length / values.texts.length;
      // a plan column repeats a few names
      const repeated = values.texts.length >= 4 && values.distinct <= 0.5 ? 0.6 : 0.2;
      return Math.max(known, repeated * plainText);
    }
    case 'name': {
      const twoWords = values.texts.filter((text) => /\p{L}/u.test(text) && text.trim().includes(' ')).length / values.texts.length;
      return plainText * (0.4 + 0.3 * twoWords + 0.3 * values.distinct);
    }
    default:
      return 0;
  }
}

function samplesOf(texts: readonly string[]): string[] {
  const seen: string[] = [];
  for (const text of texts) {
    if (!seen.includes(text)) seen.push(text.length > 40 ? `${text.slice(0, 39)}…` : text);
    if (seen.length === 3) break;
  }
  return seen;
}

/** The required template columns the header problems say are missing, as they name them. */
export function missingColumns(problems: Iterable<Problem>): Array<{ key: MemberColumnKey; header: string }> {
  const missing: Array<{ key: MemberColumnKey; header: string }> = [];
  for (const p of problems) {
    if (p.code !== 'missing_column' || p.column === null) continue;
    const column = templateColumnNamed(p.column, templateColumns);
    if (column && !missing.some((m) => m.key === column.key)) missing.push({ key: column.key, header: p.column });
  }
  return missing;
}

/**
 * The candidates for each missing template column among the columns of the file that feed none (custom fields and
 * unknown headers), from the header row and the first rows (through the column mapping, as `layout` reads them).
 * A column is the likeliest of one missing column at most; dates go to Start date and Next invoice date by their
 * headers, else the earlier ones to Start date. Pure.
 */
export function guessColumns(
  missing: ReadonlyArray<{ key: MemberColumnKey; header: string }>,
  layout: Layout,
  rows: readonly RawRow[],
  plans: readonly string[],
  ignored: ReadonlySet<number> = new Set(),
): ColumnGuess[] {
  const planNames = new Set(plans.map((p) => p.toLowerCase()));
  const free: ColumnValues[] = [];
  layout.fileHeaders.forEach((header, position) => {
    if (header.trim() === '' || layout.mapping.columns.has(position) || ignored.has(position)) return;
    free.push(describe(position, header.trim(), rows));
  });
  const dated = free.filter((c) => c.medianDate !== null && c.dates >= 0.5).sort((a, b) => a.medianDate!.localeCompare(b.medianDate!));
  const scored = missing.map(({ key, header }) => {
    const candidates: Array<SourceCandidate & { position: number | null }> = free.map((values) => {
      const fromHeader = headerScore(values.header, key);
      const fromValues = valueScore(values, key, planNames);
      let score = key === 'startDate' || key === 'nextInvoiceDate' ? (fromValues < 0.5 ? 0 : 0.6 * fromHeader + 0.4 * fromValues) : 0.5 * fromHeader + 0.5 * fromValues;
      // between date columns no header tells apart, the earlier dates are the start
      if (dated.length >= 2 && dated.includes(values)) {
        const rank = dated.indexOf(values);
        if (key === 'startDate' && rank === 0) score += 0.1;
        if (key === 'nextInvoiceDate' && rank === dated.length - 1) score += 0.1;
      }
      return { source: values.header, score: Math.min(1, score), samples: samplesOf(values.texts), position: values.position };
    });
    if (key === 'name') {
      const first = free.find((c) => words(c.header).some((w) => firstNameWords.includes(w)));
      const last = free.find((c) => c !== first && words(c.header).some((w) => lastNameWords.includes(w)));
      if (first && last) {
        const joined = first.texts.slice(0, 3).map((text, i) => `${text} ${last.texts[i] ?? ''}`.trim());
        candidates.push({ source: `${first.header}+${last.header}`, score: 0.9, samples: samplesOf(joined), position: null });
      }
    }
    candidates.sort((a, b) => b.score - a.score);
    return { key, header, candidates };
  });
  // the likeliest, each column once: the best pairs first
  const taken = new Set<string>();
  const likeliest = new Map<MemberColumnKey, SourceCandidate>();
  const pairs = scored.flatMap((guess) => guess.candidates.map((candidate) => ({ key: guess.key, candidate })));
  pairs.sort((a, b) => b.candidate.score - a.candidate.score);
  for (const { key, candidate } of pairs) {
    if (candidate.score < likelyEnough || likeliest.has(key)) continue;
    const parts = candidate.source.split('+');
    if (parts.some((part) => taken.has(part))) continue;
    for (const part of parts) taken.add(part);
    likeliest.set(key, candidate);
  }
  return scored.map(({ key, header, candidates }) => ({
    key,
    header,
    candidates: candidates.map(({ position: _, ...candidate }) => candidate),
    likeliest: likeliest.get(key) ?? null,
  }));
}


/** The `--column` flags that map each missing column to its likeliest source, ready to paste; guesses without one are left out. */
export function columnFlags(guesses: readonly ColumnGuess[]): string[] {
  return guesses.filter((g) => g.likeliest !== null && writableEntry(g.likeliest.source)).map((g) => `--column ${shellQuote(`${g.likeliest!.source}=${g.header}`)}`);
}

/** A header holding ":" or "=" cannot be the source of a `--column` entry (only of a `--columns` file). */
export const writableEntry = (source: string): boolean => !/[:=]/.test(source);

/** Gives each missing_column problem its likeliest source column as its suggestion. */
export function suggestMissingColumns(problems: readonly Problem[], guesses: readonly ColumnGuess[]): void {
  for (const p of problems) {
    if (p.code !== 'missing_column') continue;
    const guess = guesses.find((g) => g.header === p.column);
    if (guess?.likeliest) p.suggestion = guess.likeliest.source;
  }
}

/**
 * The guesses for the `missing` required columns of a member file (its missing_column problems: `missingColumns`),
 * read from its header and first rows through `columns` (and `preset`, under them). Opens the file (66 when it
 * cannot); a mapping that does not fit it is a 64.
 */
export async function guessFileColumns(
  db: Queryable,
  options: { file: string; path?: string | undefined; sheet?: string | undefined; columns?: ColumnMapping | undefined; preset?: Preset | undefined },
  missing: ReadonlyArray<{ key: MemberColumnKey; header: string }>,
): Promise<ColumnGuess[]> {
  if (missing.length === 0) return [];
  const table = await openTable(options.file, { sheet: options.sheet, path: options.path });
  const mapping = options.preset ? presetMapping(options.preset, table.headers, options.columns) : options.columns;
  const columns = mapping && mapping.entries.length > 0 ? bindMapping(mapping, table.headers) : null;
  const { layout } = buildLayout(table.headers, table.headerRow, 'import', columns);
  const rows: RawRow[] = [];
  for await (const raw of table.rows) {
    rows.push(columns === null ? raw : mapRow(columns, raw));
    if (rows.length >= sampleRows) break;
  }
  const plans = await db.selectFrom('plans').select('name').execute();
  return guessColumns(missing, layout, rows, plans.map((p) => p.name), columns?.ignored);
}
