import { basename } from 'node:path';
import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { Context } from '../context.js';
import type { StripeProblem } from '../core/stripe/mapping.js';
import type { StripeImportResult } from '../core/stripe/import-stripe.js';
import { documented, problem } from '../core/kernel/problems.js';
import type { StripeReadRequest, StripeSources } from '../core/stripe/analyze.js';
import type { Db } from '../db/connect.js';
import { asFileError, type FileError } from '../importers/file-error.js';
import { usageError } from '../errors.js';
import { joinLines, type TerminalText } from '../terminal-text.js';
import { importDocument } from './import-result.js';
import type { StripeFlags } from './import-shared.js';
import { plural } from '../core/kernel/words.js';


interface StripeImportFlags extends StripeFlags {
  dryRun?: boolean;
  onError?: string;
  update?: boolean;
  rejects?: string;
  cancelList?: string;
}


/** The exports as messages name them (`standard input` for `-`), and where each is read. */
type StagedExports = Pick<StripeReadRequest, 'files' | 'paths'>;

/**
 * Runs `fn` with each export readable as a file (importers/input-file.ts; at most one of them can be standard input),
 * the copies of pipes removed after. An export that cannot be read at all is told to `document` (under --json) first.
 */
async function withStagedExports<T>(
  ctx: Context,
  customers: string,
  flags: StripeFlags,
  document: (error: FileError, file: string) => Promise<void>,
  fn: (staged: StagedExports) => Promise<T>,
): Promise<T> {
  const { inputName, stageInput, standardInput } = await import('../importers/input-file.js');
  const given = { customers, subscriptions: flags.subscriptions ?? null, prices: flags.prices ?? null };
  if (Object.values(given).filter((file) => file === standardInput).length > 1) throw usageError('only one export can be read from standard input (-)');
  const files: StripeSources = { customers: inputName(customers), subscriptions: given.subscriptions && inputName(given.subscriptions), prices: given.prices && inputName(given.prices) };
  const paths: StagedExports['paths'] = {};
  const copies: Array<() => void> = [];
  try {
    for (const key of ['customers', 'subscriptions', 'prices'] as const) {
      const file = given[key];
      if (file === null) continue;
      try {
        const input = await stageInput(file);
        copies.push(input.dispose);
        paths[key] = input.path;
      } catch (error) {
        const unreadable = asFileError(error);
        if (unreadable && ctx.out.json) await document(unreadable, inputName(file));
        throw error;
      }
    }
    try {
      return await fn({ files, paths });
    } catch (error) {
      const { StripeFileError } = await import('../core/stripe/analyze.js');
      if (error instanceof StripeFileError && ctx.out.json) await document(error, error.file);
      throw error;
    }
  } finally {
    for (const dispose of copies) dispose();
  }
}

/** The file-level problem of an export that cannot be read at all, in the `--json` documents. */
function exportProblem(error: FileError, file: string): StripeProblem {
  return { ...problem({ code: error.problemCode, severity: 'error', message: error.message }), file };
}

/** The reading options of the command line, checked before any export is opened. */
async function readOptions(ctx: Context, flags: StripeFlags, mayBeNewMap: boolean): Promise<Omit<StripeReadRequest, 'files' | 'paths'>> {
  const { readPlanMap } = await import('../core/import/plan-map.js');
  const { stripePriceIds } = await import('../core/stripe/price-plans.js');
  const { parseDateFormat } = await import('./import-shared.js');
  return {
    priceMap: flags.map === undefined ? new Map() : readPlanMap(flags.map, mayBeNewMap, stripePriceIds),
    dateFormat: parseDateFormat(flags.dateFormat),
    today: await ctx.today(),
  };
}

/** Problems grouped by file (file-level ones first, then by row), for a person at a terminal. */
async function renderStripeProblems(ctx: Context, problems: readonly StripeProblem[]): Promise<TerminalText> {
  const { renderProblems } = await import('../render-problems.js');
  const files = [...new Set(problems.map((p) => p.file))];
  const more = 'Run `memberctl validate --source stripe` on the same exports with `--report problems.csv` to list every one.';
  return joinLines(files.map((file) => renderProblems(file, problems.filter((p) => p.file === file), ctx.out.color, more)));
}

function notImportedLine(notImported: Record<string, number>): string | null {
  const parts = Object.entries(notImported).map(([status, n]) => `${n} ${status.replace('_', ' ')}`);
  return parts.length === 0 ? null : `Not imported: ${parts.join(', ')} ${Object.values(notImported).reduce((a, b) => a + b, 0) === 1 ? 'subscription' : 'subscriptions'}.`;
}

function counts(result: StripeImportResult): string {
  return [
    `${plural(result.created.members, 'member')} created`,
    `${plural(result.created.memberships, 'membership')} created`,
    `${plural(result.updated.members, 'member')} updated`,
    `${plural(result.updated.memberships, 'membership')} updated`,
    `${result.unchanged} unchanged`,
    `${result.rejected} rejected`,
  ].join(', ');
}

/** The reminder that Stripe keeps billing until the subscriptions are cancelled there. */
function cancelReminder(result: StripeImportResult, cancelListFlag: string | undefined): string | null {
  const n = result.toCancel.length;
  if (n === 0) return null;
  const earliest = result.toCancel.map((e) => e.nextInvoiceDate).sort()[0]!;
  let list = 'Write their list with --cancel-list FILE.';
  if (result.cancelList) list = `The list is in ${result.cancelList}.`;
  else if (cancelListFlag !== undefined && result.dryRun) list = `The import would write the list to ${cancelListFlag}.`;
  const here = result.dryRun ? (n === 1 ? 'it would be a membership here' : 'they would be memberships here') : n === 1 ? 'it is a membership here' : 'they are memberships here';
  return `Cancel ${plural(n, 'subscription')} in Stripe: ${here}, and Stripe bills again from ${earliest} (members would pay twice). ${list}`;
}

/** "12 rows (1 empty row skipped)": the rows of every export read, and the empty ones left out. */
const rowsRead = (result: { rows: number; emptyRows: number }) =>
  `${plural(result.rows, 'row')}${result.emptyRows > 0 ? ` (${plural(result.emptyRows, 'empty row')} skipped)` : ''}`;

async function renderStripeImport(ctx: Context, result: StripeImportResult, flags: StripeImportFlags): Promise<TerminalText> {
  const { summarizeProblems, withSummary } = await import('../render-problems.js');
  const color = ctx.out.color;
  const quiet = ctx.out.options.quiet;
  const problems = result.problems.length > 0 ? await renderStripeProblems(ctx, result.problems) : null;
  const rows = rowsRead(result);
  const skipped = notImportedLine(result.notImported);
  if (result.aborted) {
    return withSummary(
      problems,
      [
        color.red(`Stripe import: ${rows}, ${summarizeProblems(result.problems)}: nothing was written.`),
        result.problems.some((p) => documented(p).row === null && p.severity === 'error')
          ? 'Fix the files, then run the same command again.'
          : 'Fix the rows above (or map the prices with --map) and run it again, or import the others now with --on-error skip.',
      ],
      { quiet },
    );
  }
  const summary: Array<string | TerminalText> = [];
  if (result.dryRun) summary.push(`Dry run of the Stripe import: ${rows}; would be: ${counts(result)}. Nothing was written.`);
  else if (result.written) {
    summary.push(color.green(`Imported from Stripe: ${rows}; ${counts(result)}.`));
    summary.push(`Batch ${result.batch}: see it with \`memberctl import list\`, undo it with \`memberctl import undo ${result.batch}\`.`);
  } else summary.push(`Stripe import: ${rows}; ${counts(result)}: nothing to change.`);
  if (skipped) summary.push(skipped);
  const always: Array<string | TerminalText> = [];
  for (const file of [result.rejects?.customers, result.rejects?.subscriptions]) {
    if (file) always.push(color.yellow(`Rejected rows written to ${file} with an Error column: fix them there and import that file again.`));
  }
  const reminder = cancelReminder(result, flags.cancelList);
  if (reminder) always.push(color.yellow(reminder));
  return withSummary(problems, summary, { quiet, always });
}

/** `import stripe --json`: the import document plus the cancel list, the subscriptions not imported and the rejects files (one per export). */
export function stripeImportJson(result: StripeImportResult) {
  return { ...importDocument(result), cancelList: result.cancelList, notImported: result.notImported, rejects: result.rejects, emptyRows: result.emptyRows };
}

/** Defaults as for template imports (FILE.rejects.csv next to each export); --rejects FILE names the customers' one. */
function rejectsFiles(customers: string, flags: StripeImportFlags): { customers: string; subscriptions: string | null } {
  const subscriptions = flags.subscriptions ?? null;
  if (flags.rejects === undefined) return { customers: `${customers}.rejects.csv`, subscriptions: subscriptions && `${subscriptions}.rejects.csv` };
  return { customers: flags.rejects, subscriptions: subscriptions && flags.rejects.replace(/(\.csv)?$/i, '.subscriptions.csv') };
}

async function importStripeCommand(ctx: Context, flags: StripeImportFlags): Promise<number> {
  const onError = (flags.onError ?? 'abort').trim().toLowerCase();
  if (onError !== 'abort' && onError !== 'skip') throw usageError(`--on-error: "${flags.onError}" must be abort or skip`);
  const customers = flags.customers!;
  const { standardInput } = await import('../importers/input-file.js');
  if (onError === 'skip' && !flags.dryRun && flags.rejects === undefined && [customers, flags.subscriptions].includes(standardInput)) {
    throw usageError('--on-error skip: standard input has no file name to put the rejects file beside; give --rejects FILE');
  }
  const interactive = ctx.interactive && !flags.dryRun;
  const unreadable = async (error: FileError, file: string) => {
    const { noCounts } = await import('../core/import/write-import.js');
    const empty: StripeImportResult = { batch: null, dryRun: Boolean(flags.dryRun), rows: 0, emptyRows: 0, ...noCounts(), rejected: 0, written: false, aborted: true, problems: [exportProblem(error, file)], notImported: {}, rejects: null, toCancel: [], cancelList: null };
    const json = stripeImportJson(empty);
    await ctx.out.resultWithList(json, 'problems', json.problems, () => null);
  };
  const options = await readOptions(ctx, flags, interactive);
  // the inputs first: an export that cannot be read is told as such, before the outputs are looked at
  return withStagedExports(ctx, customers, flags, unreadable, async (staged) => {
    const rejects = rejectsFiles(customers, flags);
    if (!flags.dryRun) {
      const { checkOutput, outputGuard } = await import('../safe-file.js');
      const guard = await outputGuard(ctx.dbUrl, [customers, flags.subscriptions, flags.prices, flags.map]);
      if (onError === 'skip') {
        checkOutput(rejects.customers, '--rejects', guard);
        if (rejects.subscriptions) checkOutput(rejects.subscriptions, '--rejects', guard);
      }
      if (flags.cancelList !== undefined) checkOutput(flags.cancelList, '--cancel-list', guard);
    }
    const db = await ctx.db();
    return importStripeStaged(ctx, db, { ...options, ...staged }, flags, { onError, rejects, interactive });
  });
}

async function importStripeStaged(
  ctx: Context,
  db: Db,
  request: StripeReadRequest,
  flags: StripeImportFlags,
  settings: { onError: 'abort' | 'skip'; rejects: ReturnType<typeof rejectsFiles>; interactive: boolean },
): Promise<number> {
  const { onError, rejects, interactive } = settings;
  const customers = request.files.customers;
  const { importStripe } = await import('../core/stripe/import-stripe.js');
  const options = {
    ...request,
    onError,
    update: Boolean(flags.update),
    rejects,
    cancelListFile: flags.cancelList ?? null,
    env: ctx.env,
  } as const;
  if (interactive) {
    let preview = await importStripe(db, { ...options, dryRun: true });
    const { askPlanMappings, unknownPlans } = await import('./import-shared.js');
    const unknown = unknownPlans(preview.problems);
    const mapFile = flags.map ?? `${customers}.prices.json`;
    if (unknown.size > 0 && (await askPlanMappings(ctx, unknown, request.priceMap as Map<string, string>, mapFile))) {
      preview = await importStripe(db, { ...options, dryRun: true });
    }
    process.stderr.write(`${(await renderStripeImport(ctx, preview, flags)).text}\n`);
    const changes = preview.created.members + preview.created.memberships + preview.updated.members + preview.updated.memberships;
    if (preview.aborted || changes === 0) return preview.aborted || preview.rejected > 0 ? 65 : 0;
    const { confirm } = await import('../prompt.js');
    if (!(await confirm({ interactive: true }, 'Write these changes to the database?', false))) {
      ctx.out.info('Nothing was written.');
      return 0;
    }
  }
  const result = await importStripe(db, { ...options, dryRun: Boolean(flags.dryRun) });
  const text = await renderStripeImport(ctx, result, flags);
  const json = stripeImportJson(result);
  await ctx.out.resultWithList(json, 'problems', json.problems, () => text);
  // the one line a script's log must not lose: the subscriptions still bill in Stripe
  const reminder = cancelReminder(result, flags.cancelList);
  if (ctx.out.json && reminder && !result.aborted) ctx.out.warn(reminder);
  return result.aborted || result.rejected > 0 ? 65 : 0;
}

/** `validate <customers file> --source stripe [--subscriptions FILE] [--prices FILE] [--map FILE]`. */
export async function validateStripeCommand(ctx: Context, file: string, flags: StripeFlags & { report?: string; failOnWarnings?: boolean; update?: boolean }): Promise<number> {
  const { validateStripe } = await import('../core/stripe/import-stripe.js');
  const { reportFormat, writeReport } = await import('../importers/report.js');
  // an xlsx report copies the file's cells, card columns included: Stripe reports are problems only
  if (flags.report !== undefined && reportFormat(flags.report) === 'xlsx') {
    throw usageError(`--report ${flags.report}: a report on Stripe exports is .json or .csv (an .xlsx report would copy the card columns)`);
  }
  if (flags.report !== undefined) {
    const { checkOutput, outputGuard } = await import('../safe-file.js');
    checkOutput(flags.report, '--report', await outputGuard(ctx.dbUrl, [file, flags.subscriptions, flags.prices, flags.map]));
  }
  const db = await ctx.db();
  const { inputName } = await import('../importers/input-file.js');
  const unreadable = async (error: FileError, failed: string) => {
    const problems = [exportProblem(error, failed)];
    ctx.out.result(
      { file: inputName(file), source: 'stripe', rows: 0, valid: false, errors: 1, warnings: 0, problems, files: { customers: 0, subscriptions: null, prices: null }, emptyRows: 0, notImported: {} },
      () => null,
    );
  };
  const options = await readOptions(ctx, flags, false);
  const validation = await withStagedExports(ctx, file, flags, unreadable, (staged) => validateStripe(db.kysely, { ...options, ...staged }, Boolean(flags.update)));
  const result = { ...validation, problems: validation.problems.map(documented) };
  if (flags.report !== undefined) {
    const { files: _, notImported: __, ...report } = result;
    // the CSV report has no file column: the export goes in front of the column
    const problems = reportFormat(flags.report) === 'csv' ? result.problems.map((p) => ({ ...p, column: `${basename(p.file)}${p.column === null ? '' : `: ${p.column}`}` })) : result.problems;
    await writeReport(flags.report, { ...report, problems }, { file });
    ctx.out.info(`Report written to ${flags.report}.`);
  }
  const failed = result.errors > 0 || (Boolean(flags.failOnWarnings) && result.warnings > 0);
  const text = await renderStripeProblems(ctx, result.problems);
  const { withSummary } = await import('../render-problems.js');
  await ctx.out.resultWithList(result, 'problems', result.problems, () => {
    const summarizeProblems = (r: typeof result) => `${plural(r.errors, 'error')}, ${plural(r.warnings, 'warning')}`;
    const color = ctx.out.color;
    const skipped = notImportedLine(result.notImported);
    const rows = rowsRead(result);
    const summary = [
      ...(skipped ? [skipped] : []),
      result.errors > 0
        ? color.red(`Stripe exports: ${rows}, ${summarizeProblems(result)}: fix the errors, then run \`memberctl import stripe\`.`)
        : failed
          ? color.yellow(`Stripe exports: ${rows}, ${summarizeProblems(result)} (--fail-on-warnings).`)
          : color.green(`Stripe exports: ${rows}, valid${result.warnings > 0 ? ` with ${plural(result.warnings, 'warning')}` : ''}: ready for \`memberctl import stripe\`.`),
    ];
    return withSummary(text, summary, { quiet: ctx.out.options.quiet });
  });
  return failed ? 65 : 0;
}

/**
 * Adds `import stripe` under the `import` command, and the Stripe options to `validate`; both commands must be
 * registered first (src/cli.ts lists this after registerImport).
 */
export function registerImportStripe(program: Command, action: Action): void {
  const find = (name: string) => {
    const command = program.commands.find((c) => c.name() === name);
    if (!command) throw new Error(`registerImportStripe: the "${name}" command is not registered yet`);
    return command;
  };
  find('validate')
    .option('--subscriptions <file>', 'with --source stripe: the Stripe subscriptions export (subscriptions.csv)')
    .option('--prices <file>', 'with --source stripe: the Stripe prices export (prices.csv), to find the plan of each price')
    .option('--map <file>', 'JSON file mapping the file\'s plan names (with --source stripe: Stripe price ids) to existing plans, {"Hot desk": "Hot Desk"}');

  const importCommand = find('import');
  // `import` has --map, --dry-run, --on-error, --update, --rejects and --date-format too, and commander lets a
  // parent take its options after a subcommand's name: whichever command parsed one, it counts
  const merged = (flags: StripeImportFlags): StripeImportFlags => {
    const parent = importCommand.opts() as StripeImportFlags;
    const keys = ['map', 'dryRun', 'onError', 'update', 'rejects', 'dateFormat'] as const;
    const result: StripeImportFlags = { ...flags };
    for (const key of keys) if (result[key] === undefined && parent[key] !== undefined) (result as Record<string, unknown>)[key] = parent[key];
    return result;
  };
  examples(
    importCommand
      .command('stripe')
      .description('import customers and subscriptions from Stripe Dashboard exports (card columns are dropped unread)')
      .requiredOption('--customers <file>', 'the Stripe customers export (unified_customers.csv)')
      .option('--subscriptions <file>', 'the Stripe subscriptions export (subscriptions.csv): active, trialing and past due ones become memberships')
      .option('--prices <file>', 'the Stripe prices export (prices.csv): a price becomes the plan named like its nickname or product')
      .option('--map <file>', 'JSON file mapping Stripe price ids to plan names, {"price_...": "Hot Desk"}; it wins over --prices')
      .option('--date-format <DMY|MDY|YMD>', 'how to read the dates of exports a spreadsheet re-saved: DMY (04/03/26 10:00 is 4 March), MDY (3 April) or YMD (26/03/04) (default: inferred from the file)')
      .option('--dry-run', 'check and count everything, write nothing')
      .option('--on-error <abort|skip>', 'abort: write nothing if a row has an error (default); skip: import the others, write the rejected rows to rejects files')
      .option('--update', 'update members already imported whose Stripe data changed')
      .option('--rejects <file>', 'with --on-error skip: where rejected customers go (default: CUSTOMERS.rejects.csv; their subscriptions: SUBSCRIPTIONS.rejects.csv, or FILE.subscriptions.csv with this option)')
      .option('--cancel-list <file>', 'write the imported subscriptions (id, customer, e-mail, plan) to cancel them in Stripe')
      .action(action(async (ctx, flags: StripeImportFlags) => importStripeCommand(ctx, merged(flags)))),
    [
      'memberctl import stripe --customers unified_customers.csv --subscriptions subscriptions.csv --prices prices.csv --dry-run',
      'memberctl import stripe --customers unified_customers.csv --subscriptions subscriptions.csv --map prices.json --cancel-list to-cancel.csv',
      'memberctl validate unified_customers.csv --source stripe --subscriptions subscriptions.csv --prices prices.csv',
    ],
  );
}
