import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { Context } from '../context.js';
import type { ColumnMapping } from '../core/import/column-mapping.js';
import type { CompanyMap } from '../core/import/company-spellings.js';
import type { ImportResult, Phase, ReadOptions } from '../core/import/run.js';
import { type Problem, problem } from '../core/kernel/problems.js';
import { usageError } from '../errors.js';
import { asFileError, type FileError } from '../importers/file-error.js';
import type { StagedInput } from '../importers/input-file.js';
import type { TerminalText } from '../terminal-text.js';
import { documentedProblems, importDocument } from './import-result.js';
import { askPlanMappings, parseDateFormat, type StripeFlags, unknownPlans } from './import-shared.js';
import { plural, shellWord } from '../core/kernel/words.js';

interface ReadFlags {
  sheet?: string;
  dateFormat?: string;
  column?: string[];
  columns?: string;
  preset?: string;
  nextInvoice?: string;
  companies?: string;
  strictCompanies?: boolean;
}

interface ValidateFlags extends ReadFlags {
  source?: string;
  report?: string;
  failOnWarnings?: boolean;
  update?: boolean;
}

export interface ImportFlags extends ReadFlags {
  dryRun?: boolean;
  onError?: string;
  update?: boolean;
  rejects?: string;
  map?: string;
}

/** The `memberctl import` that reads the file as `validate` just did: the same reading options. */
function importCommandLine(argument: string, flags: ReadFlags & { map?: string }): string {
  const words = ['memberctl', 'import', argument];
  const add = (option: string, value: string | undefined) => value !== undefined && words.push(option, value);
  add('--sheet', flags.sheet);
  add('--date-format', flags.dateFormat);
  add('--preset', flags.preset);
  add('--next-invoice', flags.nextInvoice);
  add('--columns', flags.columns);
  for (const entry of flags.column ?? []) add('--column', entry);
  add('--map', flags.map);
  return words.map(shellWord).join(' ');
}

function parseOnError(text: string | undefined): 'abort' | 'skip' {
  const value = (text ?? 'abort').trim().toLowerCase();
  if (value === 'abort' || value === 'skip') return value;
  throw usageError(`--on-error: "${text}" must be abort or skip`);
}

const readOptions = (command: Command) =>
  command
    .option('--sheet <name>', 'xlsx sheet to read (default: the first visible one)')
    .option('--date-format <DMY|MDY|YMD>', 'how to read dates like 04/03/2026 (default: inferred from the file; ISO dates always work)')
    .option(
      '--column <entry>',
      'map a column of the file: "Source=Template column", "A+B=Name" (joined), "Source=" (ignored), "Template column:=value" (every row), "Source: Oui=yes, Non=no" (values); repeatable',
      (entry: string, entries: string[] = []) => [...entries, entry],
    )
    .option('--columns <file>', 'a saved column mapping (JSON, see the importing guide); --column entries override its entries')
    .option('--preset <name>', 'read the file as a member export of helloasso, ghost, wildapricot, civicrm, nexudus or officernd (its columns, dates and values); --column and --columns entries override it')
    .option('--next-invoice <next-period|today>', 'for a membership without a next invoice date: next-period (the period running today counts as paid) or today (it is billed at the next invoices run)')
    .option('--companies <file>', 'JSON file saying which company each company spelling of the file is ({"ACME SAS": "Acme SAS"}); answers to the company prompts are saved there')
    .option('--strict-companies', 'company names that differ only by case, accents, punctuation or spacing are errors, not warnings');

/** --preset and --next-invoice, checked (64 for an unknown name). */
async function exportReading(flags: ReadFlags): Promise<Pick<ReadOptions, 'preset' | 'nextInvoice'>> {
  const { presetNamed } = await import('../core/import/presets.js');
  const preset = flags.preset === undefined ? undefined : presetNamed(flags.preset);
  if (flags.nextInvoice === undefined) return { preset, nextInvoice: null };
  const rule = flags.nextInvoice.trim().toLowerCase();
  if (rule !== 'next-period' && rule !== 'today') throw usageError(`--next-invoice: "${flags.nextInvoice}" must be next-period or today`);
  return { preset, nextInvoice: rule };
}

/** The column mapping of --columns and --column, or undefined for a file in the template layout. */
async function columnMapping(flags: ReadFlags): Promise<ColumnMapping | undefined> {
  if (flags.columns === undefined && (flags.column ?? []).length === 0) return undefined;
  const { mappingFromEntries, noColumnMapping, overlayMapping } = await import('../core/import/column-mapping.js');
  const { readColumnsFile } = await import('../core/import/column-mapping-file.js');
  const saved = flags.columns === undefined ? noColumnMapping : readColumnsFile(flags.columns);
  return overlayMapping(saved, mappingFromEntries(flags.column ?? []));
}

/**
 * A progress bar per pass on a terminal (reading, then checking and writing); nothing otherwise. The bars
 * are created lazily so that small files and non-terminals load nothing.
 */
async function progressFor(ctx: Context): Promise<{ onRows: (phase: Phase, rows: number) => void; stop: () => void }> {
  if (!ctx.out.stderrStream.isTTY || ctx.out.json || ctx.out.options.quiet) return { onRows: () => {}, stop: () => {} };
  const { startProgress } = await import('../progress.js');
  let current: { phase: Phase; bar: Promise<{ tick(n?: number): void; stop(): void }>; seen: number } | null = null;
  let total: number | null = null;
  const stop = () => {
    const bar = current?.bar;
    void bar?.then((b) => b.stop());
  };
  return {
    onRows(phase, rows) {
      if (current?.phase !== phase) {
        stop();
        if (phase === 'check') total = current?.seen ?? null;
        current = { phase, bar: startProgress(ctx.out, phase === 'scan' ? 'Reading ' : 'Checking', phase === 'scan' ? null : total), seen: 0 };
      }
      const state = current;
      const delta = rows - state.seen;
      state.seen = rows;
      if (delta > 0) void state.bar.then((b) => b.tick(delta));
    },
    stop,
  };
}


/** "3 members and 2 memberships created, 1 member updated, 4 unchanged, 1 rejected": the counts that are not zero. */
function importSummary(result: ImportResult): string {
  const list = (parts: string[]) => (parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts.at(-1)}`);
  const counted = (entries: Array<[number, string, string]>) => entries.filter(([n]) => n > 0).map(([n, one, many]) => plural(n, one, many));
  const created = counted([
    [result.created.members, 'member', 'members'],
    [result.created.memberships, 'membership', 'memberships'],
    [result.created.companies, 'company', 'companies'],
    [result.created.mandates, 'mandate', 'mandates'],
  ]);
  const updated = counted([
    [result.updated.members, 'member', 'members'],
    [result.updated.memberships, 'membership', 'memberships'],
  ]);
  const parts: string[] = [];
  if (created.length > 0) parts.push(`${list(created)} created`);
  if (updated.length > 0) parts.push(`${list(updated)} updated`);
  if (result.delegates > 0) parts.push(`${plural(result.delegates, 'delegate')} named`);
  if (result.unchanged > 0) parts.push(`${result.unchanged} unchanged`);
  if (result.rejected > 0) parts.push(`${result.rejected} rejected`);
  return parts.length > 0 ? parts.join(', ') : 'nothing to do';
}

/** The human result of an import: its problems grouped by row, then what was (or would be) written (not with --quiet). */
async function renderImport(ctx: Context, file: string, result: ImportResult, onError: 'abort' | 'skip', verb: string, preview = false): Promise<TerminalText> {
  const { renderProblems, summarizeProblems, withSummary } = await import('../render-problems.js');
  const color = ctx.out.color;
  const more = `Run \`memberctl validate ${file} --report problems.csv\` (or .xlsx) to list every one.`;
  const problems = result.problems.size > 0 ? renderProblems(file, result.problems, color, more) : null;
  // the questions at a terminal come after this preview: it is always shown whole
  const quiet = ctx.out.options.quiet && !preview;
  const rows = `${plural(result.rows, 'row')}${result.emptyRows > 0 ? `, ${plural(result.emptyRows, 'empty row')} skipped` : ''}`;
  if (result.rejected > 0 && onError === 'abort') {
    const { missingColumnsHint } = await import('./import-answers.js');
    const hint = (result.problems.fileErrors > 0 ? await missingColumnsHint(result.problems) : null) ?? [];
    if (quiet) return withSummary(problems, [], { quiet, always: hint });
    const advice =
      result.problems.fileErrors > 0
        ? 'Fix the file, then run the same command again.'
        : verb === 'import'
          ? 'Fix the rows above and run it again, or import the valid rows now with --on-error skip (the others go to a rejects file).'
          : 'Fix the rows above and run it again.';
    return withSummary(problems, [color.red(`${file} (${rows}): ${summarizeProblems(result.problems)}: nothing was written.`), ...hint, advice], { quiet });
  }
  const summary: Array<string | TerminalText> = [];
  if (preview) summary.push(`Ready to ${verb} ${file} (${rows}): ${importSummary(result)}.`);
  else if (result.dryRun) summary.push(`Dry run of ${file} (${rows}) would give: ${importSummary(result)}. Nothing was written.`);
  else if (result.written) {
    summary.push(color.green(`Imported ${file} (${rows}): ${importSummary(result)}.`));
    summary.push(`Batch ${result.batch}: listed by \`memberctl import list\`, undone by \`memberctl import undo ${result.batch}\`.`);
  } else summary.push(`${file} (${rows}): ${importSummary(result)}; nothing was written.`);
  const always = result.rejects
    ? [color.yellow(`The ${plural(result.rejected, 'rejected row')} ${result.rejected === 1 ? 'is' : 'are'} in ${result.rejects} with an Error column: fix them there and ${verb} that file.`)]
    : [];
  return withSummary(problems, summary, { quiet, always });
}

/** The file-level problem of a file that cannot be read at all. */
function fileProblem(error: FileError): Problem {
  return problem({ code: error.problemCode, severity: 'error', message: error.message });
}

/** `import --json` for a file that cannot be read at all: scripts still get their document (the message goes to stderr as well). */
async function printUnreadableImport(ctx: Context, error: FileError, dryRun: boolean): Promise<void> {
  const { noCounts } = await import('../core/import/write-import.js');
  const { ProblemList } = await import('../core/kernel/problem-list.js');
  const problems = new ProblemList([fileProblem(error)]);
  await printImport(ctx, { batch: null, dryRun, rows: 0, ...noCounts(), rejected: 0, delegates: 0, problems, rejects: null, emptyRows: 0, written: false }, () => null);
}

/** Prints an import's result: under --json its document, every problem in it however many there are. */
async function printImport(ctx: Context, result: ImportResult, human: () => TerminalText | null): Promise<void> {
  const json = importJson(result);
  await ctx.out.resultWithList(json, 'problems', json.problems, human);
}

/** `import --json` (docs/reference.md), plus the rejects file and the empty rows skipped; its problems are read from the list as it is written. */
export function importJson(result: ImportResult) {
  return { ...importDocument(result), rejects: result.rejects, emptyRows: result.emptyRows, delegates: result.delegates };
}

export interface RunImportSettings {
  file: string;
  flags: ImportFlags;
  mode: 'import' | 'update';
  /** the batch source shown by `import list` */
  source: string;
  /** update existing members that differ (--update; always for members update) */
  update: boolean;
  onError: 'abort' | 'skip';
  verb: string;
}

/** The whole `import` (and `members update`) command: validate, ask on a terminal, write, report. */
export async function runImport(ctx: Context, settings: RunImportSettings): Promise<number> {
  const { flags } = settings;
  const { standardInput, stageInput } = await import('../importers/input-file.js');
  if (settings.file === standardInput && settings.onError === 'skip' && !flags.dryRun && flags.rejects === undefined) {
    throw usageError('--on-error skip: standard input has no file name to put the rejects file beside; give --rejects FILE');
  }
  // the input first: a file that cannot be read is told as such, before its outputs are looked at
  let input: StagedInput;
  try {
    input = await stageInput(settings.file);
  } catch (error) {
    const unreadable = asFileError(error);
    if (unreadable && ctx.out.json) await printUnreadableImport(ctx, unreadable, Boolean(flags.dryRun));
    throw error;
  }
  try {
    return await importStaged(ctx, settings, input);
  } finally {
    input.dispose();
  }
}

async function importStaged(ctx: Context, settings: RunImportSettings, input: StagedInput): Promise<number> {
  const { importFile } = await import('../core/import/run.js');
  const { readPlanMap } = await import('../core/import/plan-map.js');
  const { flags } = settings;
  const rejectsFile = flags.rejects ?? `${settings.file}.rejects.csv`;
  if (settings.onError === 'skip' && !flags.dryRun) {
    const { checkOutput, outputGuard } = await import('../safe-file.js');
    checkOutput(rejectsFile, '--rejects', await outputGuard(ctx.dbUrl, [settings.file, flags.map, flags.columns, flags.companies]));
  }
  const columns = await columnMapping(flags);
  const reading = await exportReading(flags);
  const interactive = ctx.interactive && !flags.dryRun;
  const mapFile = flags.map ?? `${settings.file}.plans.json`;
  const planMap = flags.map !== undefined ? readPlanMap(flags.map, interactive) : new Map<string, string>();
  const companies = await companyMap(flags, settings.file, interactive);
  const db = await ctx.db();
  const today = await ctx.today();
  const file = input.name;
  const progress = await progressFor(ctx);
  const base = {
    file,
    path: input.path,
    sheet: flags.sheet,
    dateFormat: parseDateFormat(flags.dateFormat),
    mode: settings.mode,
    today,
    planMap,
    columns,
    ...reading,
    companies,
    strictCompanies: flags.strictCompanies,
    onRows: progress.onRows,
    onError: settings.onError,
    update: settings.update,
    rejectsFile,
    source: settings.source,
    env: ctx.env,
  } satisfies Omit<Parameters<typeof importFile>[1], 'dryRun'> & ReadOptions;

  let result: ImportResult;
  try {
    if (interactive) {
      const again = async () => {
        const result = await importFile(db, { ...base, dryRun: true });
        progress.stop();
        return result;
      };
      let preview = await again();
      const answers = await import('./import-answers.js');
      if (settings.mode === 'import' && preview.problems.fileErrors > 0) {
        const read = { file, path: input.path, sheet: flags.sheet, preset: base.preset };
        const mapped = await answers.askColumnMappings(ctx, read, preview.problems, base.columns, flags.columns ?? `${settings.file}.columns.json`);
        if (mapped) {
          base.columns = mapped;
          preview = await again();
        }
      }
      const unknown = unknownPlans(preview.problems);
      if (unknown.size > 0 && (await askPlanMappings(ctx, unknown, planMap, mapFile))) preview = await again();
      const variants = answers.companyVariantGroups(preview.problems);
      if (variants.size > 0 && base.companies) {
        base.companies = await answers.askCompanySpellings(ctx, variants, base.companies);
        preview = await again();
      }
      const { confirm } = await import('../prompt.js');
      process.stderr.write(`${(await renderImport(ctx, file, preview, settings.onError, settings.verb, true)).text}\n`);
      if ((preview.rejected > 0 && settings.onError === 'abort') || !needsWrite(preview)) return preview.rejected > 0 ? 65 : 0;
      if (!(await confirm({ interactive: true }, 'Write these changes to the database?', false))) {
        ctx.out.info('Nothing was written.');
        return 0;
      }
    }
    result = await importFile(db, { ...base, dryRun: Boolean(flags.dryRun) });
  } catch (error) {
    const unreadable = asFileError(error);
    if (unreadable && ctx.out.json) await printUnreadableImport(ctx, unreadable, Boolean(flags.dryRun));
    throw error;
  } finally {
    progress.stop();
  }
  const text = await renderImport(ctx, file, result, settings.onError, settings.verb);
  await printImport(ctx, result, () => text);
  return result.rejected > 0 ? 65 : 0;
}

/** The companies map of --companies; at a terminal without it, an empty one to save the answers in (FILE.companies.json). */
async function companyMap(flags: ReadFlags, file: string, interactive: boolean): Promise<CompanyMap | undefined> {
  if (flags.companies === undefined) return interactive ? { file: `${file}.companies.json`, map: new Map() } : undefined;
  const { readCompanyMap } = await import('../core/import/company-spellings.js');
  return readCompanyMap(flags.companies, interactive);
}

function needsWrite(result: ImportResult): boolean {
  return result.created.members + result.created.memberships + result.created.companies + result.created.mandates + result.updated.members + result.updated.memberships + result.delegates > 0;
}

export function registerImport(program: Command, action: Action): void {
  examples(
    readOptions(
      program
        .command('validate')
        .argument('<file>', 'member file (.xlsx or .csv)')
        .description('check a member file and report every problem; reads nothing into the database'),
    )
      .option('--source <template|stripe>', 'the kind of file (default template)', 'template')
      .option('--report <file>', 'also write the problems to a .json, .csv or .xlsx report (xlsx: the data with problem cells coloured)')
      .option('--fail-on-warnings', 'exit 65 when there are warnings too')
      .option('--update', 'check as `import --update` would: a row that differs from its existing member is an update, not a conflict')
      .action(
        action(async (ctx, argument: string, flags: ValidateFlags) => {
          const source = (flags.source ?? 'template').trim().toLowerCase();
          if (source !== 'template' && source !== 'stripe') throw usageError(`--source: "${flags.source}" must be template or stripe`);
          if (source === 'stripe') {
            if (flags.columns !== undefined || (flags.column ?? []).length > 0) throw usageError('--column and --columns map a member file: Stripe exports have their own columns');
            if (flags.preset !== undefined) throw usageError('--preset reads a member file: Stripe exports are read with --source stripe alone');
            const { validateStripeCommand } = await import('./import-stripe.js');
            return validateStripeCommand(ctx, argument, flags as ValidateFlags & StripeFlags);
          }
          const dateFormat = parseDateFormat(flags.dateFormat);
          const { reportFormat, writeReport } = await import('../importers/report.js');
          // the plan names an import would map (--map is described with the Stripe options, it serves both)
          const map = (flags as { map?: string }).map;
          if (flags.report !== undefined) {
            reportFormat(flags.report);
            const { checkOutput, outputGuard } = await import('../safe-file.js');
            checkOutput(flags.report, '--report', await outputGuard(ctx.dbUrl, [argument, map, flags.columns, flags.companies]));
          }
          const columns = await columnMapping(flags);
          const reading = await exportReading(flags);
          const { validateFile } = await import('../core/import/run.js');
          const { renderProblems, summarizeProblems, withSummary } = await import('../render-problems.js');
          const { readPlanMap } = await import('../core/import/plan-map.js');
          const planMap = map === undefined ? undefined : readPlanMap(map, false);
          const companies = await companyMap(flags, argument, false);
          const db = await ctx.db();
          const today = await ctx.today();
          const { inputName, stageInput } = await import('../importers/input-file.js');
          const file = inputName(argument);
          const progress = await progressFor(ctx);
          let result: Awaited<ReturnType<typeof validateFile>>;
          let input: Awaited<ReturnType<typeof stageInput>> | null = null;
          try {
            input = await stageInput(argument);
            result = await validateFile(db.kysely, {
              file,
              path: input.path,
              sheet: flags.sheet,
              dateFormat,
              mode: 'import',
              today,
              planMap,
              columns,
              companies,
              strictCompanies: flags.strictCompanies,
              ...reading,
              onRows: progress.onRows,
              update: Boolean(flags.update),
            });
            progress.stop();
            if (flags.report !== undefined) {
              const { emptyRows: _, ...report } = result;
              await writeReport(flags.report, report, { file: input.path, sheet: flags.sheet });
              ctx.out.info(`Report written to ${flags.report}.`);
            }
          } catch (error) {
            // a file that cannot be read at all still gives scripts their document (the message goes to stderr as well)
            const unreadable = asFileError(error);
            if (ctx.out.json && unreadable) {
              ctx.out.result({ file, source: 'template', rows: 0, valid: false, errors: 1, warnings: 0, problems: [fileProblem(unreadable)] }, () => null);
            }
            throw error;
          } finally {
            progress.stop();
            input?.dispose();
          }
          const { emptyRows, ...report } = result;
          const failed = result.errors > 0 || (Boolean(flags.failOnWarnings) && result.warnings > 0);
          const { missingColumnsHint } = await import('./import-answers.js');
          const hint = result.problems.fileErrors > 0 ? await missingColumnsHint(result.problems) : null;
          const more = flags.report === undefined ? 'Add `--report problems.csv` (or .xlsx, .json) to list every one.' : `Every one is in ${flags.report}.`;
          await ctx.out.resultWithList(report, 'problems', documentedProblems(report.problems), () => {
            const color = ctx.out.color;
            const problems = result.problems.size > 0 ? renderProblems(file, result.problems, color, more) : null;
            const rows = `${plural(result.rows, 'row')}${emptyRows > 0 ? ` (${plural(emptyRows, 'empty row')} skipped)` : ''}`;
            const summary =
              result.errors > 0
                ? color.red(`${file}: ${rows}, ${summarizeProblems(result.problems)}: fix the errors, then run \`${importCommandLine(argument, { ...flags, map })}\`.`)
                : failed
                  ? color.yellow(`${file}: ${rows}, ${summarizeProblems(result.problems)} (--fail-on-warnings).`)
                  : color.green(`${file}: ${rows}, valid${result.warnings > 0 ? ` with ${plural(result.warnings, 'warning')}` : ''}: ready for \`${importCommandLine(argument, { ...flags, map })}\`.`);
            return withSummary(problems, [summary], { quiet: ctx.out.options.quiet, always: hint ?? [] });
          });
          return failed ? 65 : 0;
        }),
      ),
    [
      'memberctl validate members.xlsx',
      'memberctl validate membres.csv --date-format DMY --report problems.xlsx',
      'memberctl validate export-helloasso.csv --preset helloasso --next-invoice next-period --map plans.json',
      'memberctl validate members.csv --json',
    ],
  );

  const importCommand = readOptions(
    program
      .command('import')
      .argument('<file>', 'member file (.xlsx or .csv) in the template layout (`memberctl template`), or mapped to it with --column or --columns')
      .description('import members, contacts, companies and memberships from a file, in one transaction'),
  )
    .option('--dry-run', 'check and count everything, write nothing')
    .option('--on-error <abort|skip>', 'abort: write nothing if a row has an error (default); skip: import the valid rows, write the others to --rejects', 'abort')
    .option('--update', 'update existing members (matched by External ID, e-mail, or name and company) whose row differs')
    .option('--rejects <file>', 'where --on-error skip writes the rejected rows, with an Error column (default: FILE.rejects.csv)')
    .option('--map <file>', 'JSON file mapping plan names of the file to existing plans; answers to the plan prompts are saved there')
    .action(
      action(async (ctx, file: string, flags: ImportFlags) => {
        const onError = parseOnError(flags.onError);
        return runImport(ctx, { file, flags, mode: 'import', source: 'template', update: Boolean(flags.update), onError, verb: 'import' });
      }),
    );
  examples(importCommand, [
    'memberctl import members.xlsx --dry-run',
    'memberctl import members.csv --on-error skip --rejects rejected.csv',
    'memberctl import members.csv --update --map plans.json',
    'memberctl import ghost-members.csv --preset ghost --next-invoice today',
    'memberctl import export.csv --columns export.csv.columns.json --companies export.csv.companies.json',
    'memberctl import list',
    'memberctl import undo 20260314-093012-a1b2',
  ]);

  examples(
    importCommand
      .command('list')
      .description('import batches, newest first, with their counts')
      .option('--limit <n>', 'at most N batches')
      .action(
        action(async (ctx, flags: { limit?: string }) => {
          const { listBatches } = await import('../core/import/undo.js');
          const { parseWholeNumber } = await import('../command-kit.js');
          const { renderTable } = await import('../output.js');
          const db = await ctx.db();
          let batches = await listBatches(db.kysely);
          if (flags.limit !== undefined) batches = batches.slice(0, parseWholeNumber('--limit', 1)(flags.limit));
          ctx.out.result(batches, () =>
            batches.length === 0
              ? 'No imports yet.'
              : renderTable(batches, [
                  { header: 'batch', value: (b) => b.batch },
                  { header: 'date', value: (b) => b.date.slice(0, 16).replace('T', ' ') },
                  { header: 'source', value: (b) => b.source },
                  { header: 'file', value: (b) => b.file },
                  { header: 'rows', value: (b) => b.rows, align: 'right' },
                  { header: 'created', value: (b) => b.created.members, align: 'right' },
                  { header: 'updated', value: (b) => b.updated.members + b.updated.memberships, align: 'right' },
                  { header: 'unchanged', value: (b) => b.unchanged, align: 'right' },
                  { header: 'rejected', value: (b) => b.rejected, align: 'right' },
                  { header: 'status', value: (b) => (b.status === 'undone' ? `undone ${b.undoneAt?.slice(0, 10) ?? ''}` : 'applied') },
                ]),
          );
        }),
      ),
    ['memberctl import list', 'memberctl import list --limit 5 --json'],
  );

  examples(
    importCommand
      .command('undo')
      .argument('<batch>', 'batch id, as shown by the import and by `memberctl import list`')
      .description('remove what a batch created and restore what it updated; refused while later data depends on it')
      .action(
        action(async (ctx, batchId: string) => {
          const { requireBatch, batchSummary, undoBatch } = await import('../core/import/undo.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          if (ctx.interactive) {
            const batch = batchSummary(await requireBatch(db.kysely, batchId));
            const { confirmOrStop } = await import('../confirm.js');
            const summary = `Undo import ${batch.batch} of ${batch.file}: the ${plural(batch.created.members, 'member')} it created are removed, the ${plural(batch.updated.members, 'member')} it updated restored.`;
            if (!(await confirmOrStop(summary, { ctx, question: 'Undo this import?' }))) return 0;
          }
          const result = await undoBatch(db, batchId, auditSource(ctx.env));
          ctx.out.result(result, () => {
            const r = result.removed;
            return `Undid import ${result.batch}: removed ${plural(r.members, 'member')}, ${plural(r.memberships, 'membership')}, ${plural(r.companies, 'company', 'companies')}, ${plural(r.tags, 'tag')}${r.mandates > 0 ? `, ${plural(r.mandates, 'mandate')}` : ''}${r.delegates > 0 ? `, ${plural(r.delegates, 'delegate')}` : ''}; restored ${plural(result.restored.members, 'member')} and ${plural(result.restored.memberships, 'membership')}.`;
          });
          return 0;
        }),
      ),
    ['memberctl import undo 20260314-093012-a1b2'],
  );
}
