/**
 * The questions `import` asks at a terminal about the file itself, beside those about its plans (import-shared.ts):
 * which of its columns fills each missing required column, and which company each group of company spellings is.
 * The answers are saved (a `--columns` file, a `--companies` file) so that the next run asks nothing. Without a
 * terminal nothing is asked: `missingColumnsHint` names the flags that would map the missing columns.
 */
import type { Context } from '../context.js';
import type { ColumnEntry, ColumnMapping } from '../core/import/column-mapping.js';
import type { CompanyMap } from '../core/import/company-spellings.js';
import type { Preset } from '../core/import/presets.js';
import type { Problem } from '../core/kernel/problems.js';

/**
 * Asks which of the file's columns is each required column it lacks (the missing_column `problems`; likeliest first,
 * with a few of its values), and
 * saves the whole mapping (`current` and the answers) to `columnsFile`. Returns the new mapping, or null when nothing
 * was answered.
 */
export async function askColumnMappings(
  ctx: Context,
  read: { file: string; path?: string | undefined; sheet?: string | undefined; preset?: Preset | undefined },
  problems: Iterable<Problem>,
  current: ColumnMapping | undefined,
  columnsFile: string,
): Promise<ColumnMapping | null> {
  const { guessFileColumns, missingColumns } = await import('../core/import/column-guess.js');
  const { noColumnMapping, overlayMapping } = await import('../core/import/column-mapping.js');
  const { choose } = await import('../prompt.js');
  const db = await ctx.db();
  const guesses = await guessFileColumns(db.kysely, { ...read, columns: current }, missingColumns(problems));
  const entries: ColumnEntry[] = [];
  const used = new Set<string>();
  for (const guess of guesses) {
    const free = guess.candidates.filter((c) => !c.source.split('+').some((part) => used.has(part)));
    if (free.length === 0) continue;
    const choices = free.map((c): { name: string; value: string | null } => ({
      name: c.samples.length > 0 ? `${c.source}  (${c.samples.map((s) => `"${s}"`).join(', ')})` : `${c.source}  (empty in the first rows)`,
      value: c.source,
    }));
    const none = { name: '(none of these: leave the file as it is)', value: null };
    const at = free.findIndex((c) => c.source === guess.likeliest?.source);
    const likely = at !== -1;
    if (likely) choices.unshift(...choices.splice(at, 1));
    // Enter takes the first choice: the likeliest column, or none when no column looks like it
    const answer = await choose<string | null>(
      { interactive: ctx.interactive },
      `The file has no "${guess.header}" column. Which of its columns is it?`,
      likely ? [...choices, none] : [none, ...choices],
    );
    if (answer === null) continue;
    for (const part of answer.split('+')) used.add(part);
    entries.push({ kind: 'column', source: answer, target: guess.header, origin: `--columns ${columnsFile}: "columns": "${answer}"` });
  }
  if (entries.length === 0) return null;
  const mapping = overlayMapping(current ?? noColumnMapping, { entries });
  const { checkOutput, outputGuard } = await import('../safe-file.js');
  checkOutput(columnsFile, '--columns', await outputGuard(ctx.dbUrl, [read.file]));
  const { saveColumnsFile } = await import('../core/import/column-mapping-save.js');
  await saveColumnsFile(columnsFile, mapping);
  ctx.out.info(`Saved the column mapping to ${columnsFile}; pass --columns ${columnsFile} next time.`);
  return mapping;
}

/**
 * Without a terminal: the `--column` flags that map each missing column to the likeliest column of the file (the
 * missing_column problems' suggestions), ready to paste, and the missing columns no column looks like. Null when no
 * column is missing.
 */
export async function missingColumnsHint(problems: Iterable<Problem>): Promise<string[] | null> {
  const { writableEntry } = await import('../core/import/column-guess.js');
  const { shellQuote } = await import('../core/kernel/words.js');
  const missing = [...problems].filter((p) => p.code === 'missing_column' && p.column !== null);
  if (missing.length === 0) return null;
  const flags = missing.filter((p) => p.suggestion !== null && writableEntry(p.suggestion)).map((p) => `--column ${shellQuote(`${p.suggestion}=${p.column}`)}`);
  const unguessed = missing.filter((p) => p.suggestion === null || !writableEntry(p.suggestion)).map((p) => `"${p.column}"`);
  const lines: string[] = [];
  if (flags.length > 0) lines.push('To read the file through the columns that look like the missing ones, add:', `  ${flags.join(' ')}`);
  if (unguessed.length > 0) lines.push(`No column of the file looks like ${unguessed.join(', ')} (see ${unguessed.length === 1 ? 'its error' : 'their errors'} above).`);
  return lines;
}

/** The groups of company spellings the company_variant problems name: the spelling kept (the database's, or the first written) -> the other spellings with their first row. */
export function companyVariantGroups(problems: Iterable<Problem>): Map<string, Map<string, number | null>> {
  const groups = new Map<string, Map<string, number | null>>();
  for (const p of problems) {
    if (p.code !== 'company_variant' || p.value === null || p.suggestion === null) continue;
    const group = groups.get(p.suggestion) ?? new Map<string, number | null>();
    if (!group.has(p.value)) group.set(p.value, p.row);
    groups.set(p.suggestion, group);
  }
  return groups;
}

/**
 * Asks, once per group of company names that differ only by formatting, which spelling is the company (the database's
 * or the first written first) or whether they are companies of their own, and saves the answers to the companies map
 * (each spelling of the group -> the company to use, or itself). Returns the map with the answers.
 */
export async function askCompanySpellings(ctx: Context, groups: Map<string, Map<string, number | null>>, companies: CompanyMap): Promise<CompanyMap> {
  const { choose } = await import('../prompt.js');
  const db = await ctx.db();
  const stored = new Set((await db.kysely.selectFrom('companies').select('name').execute()).map((c) => c.name));
  // the answers join the entries the file holds already (kept for other files)
  const { readCompanyMap } = await import('../core/import/company-spellings.js');
  const map = new Map([...readCompanyMap(companies.file, true).map, ...companies.map]);
  for (const [main, others] of groups) {
    const names = [main, ...others.keys()];
    const where = (name: string) => (stored.has(name) ? 'the database' : others.get(name) != null ? `row ${others.get(name)}` : 'the file');
    const choices = names.map((name): { name: string; value: string | null } => ({ name: `${name}  (${where(name)})`, value: name }));
    const apart = { name: `(keep them apart: ${names.length} companies)`, value: null };
    const answer = await choose<string | null>(
      { interactive: ctx.interactive },
      `${names.length} company names differ only by case, accents, punctuation or spacing: ${names.map((n) => `"${n}"`).join(', ')}. Which company are they?`,
      [...choices, apart],
    );
    for (const name of names) map.set(name, answer ?? name);
  }
  const { checkOutput, outputGuard } = await import('../safe-file.js');
  checkOutput(companies.file, '--companies', await outputGuard(ctx.dbUrl, []));
  const { savePlanMap } = await import('../core/import/plan-map.js');
  await savePlanMap(companies.file, map, '--companies');
  ctx.out.info(`Saved the company spellings to ${companies.file}; pass --companies ${companies.file} next time.`);
  return { file: companies.file, map };
}
