import { once } from 'node:events';
import type { Command } from 'commander';
import { type Action, examples, exportFormat, parseWholeNumber } from '../command-kit.js';
import type { Context } from '../context.js';
import type { InvoiceFilter, InvoiceJson } from '../core/billing/invoices.js';
import type { DocumentFormat } from '../writers/document-render.js';
import type { InvoiceRunResult } from '../core/billing/invoicing.js';
import type { JobOptions } from '../core/jobs/jobs.js';
import type { Db, Queryable } from '../db/connect.js';
import type { InvoiceStatus } from '../db/types.js';
import { cantCreateError, usageError } from '../errors.js';
import { renderTable, tableCell } from '../output.js';
import { escapeControls } from '../terminal-text.js';
import { parseDateOption } from './memberships.js';
import { plural } from '../core/kernel/words.js';

interface FilterFlags {
  status?: string;
  member?: string;
  from?: string;
  to?: string;
  limit?: number;
}

export interface RunFlags {
  dryRun?: boolean;
  wait?: number;
  batchSize?: number;
}

const statuses: InvoiceStatus[] = ['open', 'paid', 'void'];

const filterOptions = (command: Command) =>
  command
    .option('--status <status>', 'open, paid or void')
    .option('--member <ref>', 'invoices this member pays or is billed on (id, e-mail or exact name)')
    .option('--from <date>', 'invoice date on or after', parseDateOption('--from'))
    .option('--to <date>', 'invoice date on or before', parseDateOption('--to'))
    .option('--limit <n>', 'at most N invoices', parseWholeNumber('--limit', 1));

export const runOptions = (command: Command) =>
  command
    .option('--dry-run', 'show what would be issued; write nothing, take no number')
    .option('--wait <seconds>', 'wait up to this long for another job to finish (default: exit 75 at once)', parseWholeNumber('--wait', 0, 86_400))
    .option('--batch-size <n>', 'payers per transaction (default 1000): a kill loses at most one batch', parseWholeNumber('--batch-size', 1, 100_000));

async function toFilter(db: Queryable, flags: FilterFlags): Promise<InvoiceFilter> {
  if (flags.status !== undefined && !statuses.includes(flags.status as InvoiceStatus)) {
    throw usageError(`--status: "${flags.status}" is not a status; use open, paid or void`);
  }
  let memberId: number | undefined;
  if (flags.member !== undefined) {
    const { resolveMember } = await import('../core/people/refs.js');
    memberId = (await resolveMember(db, flags.member)).id;
  }
  return { status: flags.status as InvoiceStatus | undefined, memberId, from: flags.from, to: flags.to, limit: flags.limit };
}

const invoiceColumns: Array<{ header: string; value: (i: InvoiceJson) => string | number; right?: boolean }> = [
  { header: 'number', value: (i) => i.number ?? '(dry run)' },
  { header: 'date', value: (i) => i.date },
  { header: 'due', value: (i) => i.dueDate },
  { header: 'payer', value: (i) => i.payer.name },
  { header: 'lines', value: (i) => i.lines.length, right: true },
  // the VAT categories of its lines (S, Z, E, AE); - for lines issued before categories were stored
  { header: 'vat', value: (i) => [...new Set(i.lines.map((l) => l.vatCategory ?? '-'))].join(',') },
  { header: 'total', value: (i) => i.total, right: true },
  { header: 'paid', value: (i) => i.paid, right: true },
  { header: 'currency', value: (i) => i.currency },
  { header: 'status', value: (i) => i.status },
];

function invoiceTable(invoices: readonly InvoiceJson[]): string {
  return renderTable(
    invoices,
    invoiceColumns.map((c) => ({ header: c.header, value: c.value, align: c.right ? ('right' as const) : ('left' as const) })),
  );
}

/** The invoice table printed a slice at a time, so that a run of 100k invoices never builds one huge string. */
function printInvoiceTable(ctx: Context, invoices: readonly InvoiceJson[]): void {
  const widths = invoiceColumns.map((c) => c.header.length);
  for (const invoice of invoices) {
    invoiceColumns.forEach((c, i) => {
      widths[i] = Math.max(widths[i]!, tableCell(c.value(invoice)).length);
    });
  }
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (invoiceColumns[i]!.right ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  ctx.out.print(line(invoiceColumns.map((c) => c.header)));
  for (let start = 0; start < invoices.length; start += 2000) {
    ctx.out.print(
      invoices
        .slice(start, start + 2000)
        .map((invoice) => line(invoiceColumns.map((c) => tableCell(c.value(invoice)))))
        .join('\n'),
    );
  }
}

/** Yields the text of `JSON.stringify(value, null, 2)` in pieces: long arrays one element at a time. */
function* jsonPieces(value: unknown, indent: string): Generator<string> {
  const inner = `${indent}  `;
  if (Array.isArray(value) && value.length > 16) {
    yield '[\n';
    for (let i = 0; i < value.length; i += 1) {
      yield inner;
      yield* jsonPieces(value[i], inner);
      yield i < value.length - 1 ? ',\n' : '\n';
    }
    yield `${indent}]`;
    return;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) {
      yield '{}';
      return;
    }
    yield '{\n';
    for (let i = 0; i < entries.length; i += 1) {
      const [key, v] = entries[i]!;
      yield `${inner}${JSON.stringify(key)}: `;
      yield* jsonPieces(v, inner);
      yield i < entries.length - 1 ? ',\n' : '\n';
    }
    yield `${indent}}`;
    return;
  }
  yield JSON.stringify(value, null, 2).replaceAll('\n', `\n${indent}`);
}

/** `JSON.stringify(value, null, 2)`, built from the same pieces `printJsonDocument` writes. */
export const jsonText = (value: unknown): string => [...jsonPieces(value, '')].join('');

/** The `--json` document of a job on stdout, written in pieces (a run can hold 100k invoices). */
export async function printJsonDocument(value: unknown): Promise<void> {
  let buffer = '';
  const flush = async () => {
    if (!process.stdout.write(buffer)) await once(process.stdout, 'drain');
    buffer = '';
  };
  for (const piece of jsonPieces(value, '')) {
    buffer += piece;
    if (buffer.length >= 1 << 16) await flush();
  }
  buffer += '\n';
  await flush();
}

const totalsText = (totals: Record<string, string>) =>
  Object.entries(totals)
    .map(([currency, amount]) => `${currency} ${amount}`)
    .join(', ');

/** The invoices a run issued, in a few words ("3 invoices issued (INV-1 to INV-3): EUR 120.00"); null when none. */
export function invoiceRunSummary(result: InvoiceRunResult): string | null {
  if (result.count === 0) return null;
  const numbers = result.invoices.map((i) => i.number).filter((n): n is string => n !== null);
  const range = numbers.length === 0 ? '' : numbers.length === 1 ? ` (${numbers[0]})` : ` (${numbers[0]} to ${numbers.at(-1)})`;
  const credit = Object.keys(result.creditApplied).length > 0 ? `, of which credit paid ${totalsText(result.creditApplied)}` : '';
  return `${plural(result.count, 'invoice')} issued${range}: ${totalsText(result.totals)}${credit}`;
}

/** stdout: the invoices issued (nothing when nothing was due); stderr: the problems and, unless `summary` is false, the summary. */
export function reportInvoiceRun(ctx: Context, result: InvoiceRunResult, summary = true): void {
  for (const p of result.problems) ctx.out.error(`${p.message} [${p.code}]`);
  if (result.count > 0) printInvoiceTable(ctx, result.invoices);
  if (summary) {
    const issued = invoiceRunSummary(result);
    if (issued === null) ctx.out.info(`Nothing due as of ${result.asOf}.`);
    else if (result.dryRun) {
      const credit = Object.keys(result.creditApplied).length > 0 ? `, of which credit would pay ${totalsText(result.creditApplied)}` : '';
      ctx.out.info(`Dry run: ${plural(result.count, 'invoice')} would be issued as of ${result.asOf} (${totalsText(result.totals)}${credit}); nothing was written.`);
    }
    else ctx.out.info(`As of ${result.asOf}: ${issued}.`);
  }
  if (result.problems.length > 0) ctx.out.warn(`${plural(result.problems.length, 'membership')} could not be billed; the rest was billed (exit 65).`);
}

/** A progress bar over payers, shown only for long runs on a terminal. */
async function payerProgress(ctx: Context) {
  const { startProgress } = await import('../progress.js');
  let bar: Awaited<ReturnType<typeof startProgress>> | null = null;
  let shown = 0;
  return {
    onProgress: async (done: number, total: number) => {
      bar ??= await startProgress(ctx.out, 'Invoicing', total);
      bar.tick(done - shown);
      shown = done;
    },
    stop: () => bar?.stop(),
  };
}

/**
 * Runs a job that bills (`invoices run`, `jobs run`) under the job lock, with the payer progress bar and an audit
 * source whose job id starts with `name`.
 */
export async function runLockedJob<T>(ctx: Context, flags: RunFlags, name: string, run: (db: Db, options: JobOptions) => Promise<T>): Promise<T> {
  const { withJobLock } = await import('../core/kernel/lock.js');
  const { jobLockName } = await import('../core/jobs/jobs.js');
  const { auditSource } = await import('../core/kernel/audit.js');
  const { randomUUID } = await import('node:crypto');
  const db = await ctx.db();
  const asOf = await ctx.today();
  const progress = await payerProgress(ctx);
  return withJobLock(db, jobLockName, { waitSeconds: flags.wait ?? 0 }, () =>
    run(db, {
      asOf,
      dryRun: Boolean(flags.dryRun),
      source: auditSource(ctx.env, { jobId: `${name}-${randomUUID()}` }),
      batchSize: flags.batchSize,
      sqlite: db.sqlite,
      onProgress: progress.onProgress,
    }),
  ).finally(() => progress.stop());
}

interface SelectionFlags {
  from?: string;
  to?: string;
  status?: string;
}

/** The selection options of `invoices einvoice` and `invoices pdf`, instead of numbers. */
const selectionOptions = (command: Command) =>
  command
    .option('--from <date>', 'instead of numbers: the invoices and credit notes issued on or after this day', parseDateOption('--from'))
    .option('--to <date>', 'instead of numbers: the invoices and credit notes issued on or before this day', parseDateOption('--to'))
    .option('--status <status>', 'instead of numbers, or with --from/--to: the invoices of this status (open, paid or void), no credit note');

/**
 * Writes the documents of `numbers`, or of the selection (`--from`, `--to`, `--status`): every document is loaded
 * and checked and every output path checked before the first file is written; each file is whole or absent, and a
 * failure while writing leaves the files written before it, whole (writer: document-files.ts).
 */
async function writeDocuments(ctx: Context, numbers: string[], flags: SelectionFlags & { output?: string }, format: DocumentFormat): Promise<void> {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const { checkOutput, outputGuard } = await import('../safe-file.js');
  const { loadInvoiceDocuments } = await import('../core/documents/load-invoice.js');
  const { getIdentity } = await import('../core/org/org-store.js');
  const { getSetting } = await import('../core/kernel/settings.js');
  const { documentExtension } = await import('../writers/document-render.js');
  const { writeDocumentFiles } = await import('../writers/document-files.js');
  if (flags.status !== undefined && !statuses.includes(flags.status as InvoiceStatus)) {
    throw usageError(`--status: "${flags.status}" is not a status; use open, paid or void`);
  }
  const selecting = flags.from !== undefined || flags.to !== undefined || flags.status !== undefined;
  if (selecting && numbers.length > 0) throw usageError('give invoice numbers or a selection (--from, --to, --status), not both');
  if (!selecting && numbers.length === 0) {
    throw usageError('give invoice or credit note numbers, or a selection', 'e.g. `--from 2026-01-01 --to 2026-01-31 -o DIR`');
  }
  if (flags.from !== undefined && flags.to !== undefined && flags.from > flags.to) throw usageError(`--from ${flags.from} is after --to ${flags.to}`);
  const wanted = [...new Set(numbers.map((n) => n.trim()))];
  const many = selecting || wanted.length > 1;
  const what = selecting ? 'a selection needs' : 'several numbers need';
  // -o -: the one document on standard output
  const toStdout = flags.output === '-';
  if (toStdout && many) {
    throw usageError(`-o -: several documents cannot be written to standard output; ${what} -o DIR, an existing folder`, 'Give a folder: each document is written to NUMBER.pdf or NUMBER.xml in it.');
  }
  if (toStdout && ctx.out.json) throw usageError('--json with -o -: standard output carries the document; give -o FILE');
  const output = flags.output;
  let folder: string | null = null;
  if (output === undefined) folder = '.';
  else if (toStdout) folder = null;
  else {
    // "-o pdfs/" names a folder, whatever the number of documents
    const namesFolder = /[\\/]$/.test(output);
    if (namesFolder && fs.statSync(output.slice(0, -1), { throwIfNoEntry: false })?.isDirectory() === false) {
      throw cantCreateError(`-o ${output}: ${path.resolve(output.slice(0, -1))} is not a folder; nothing was written`);
    }
    const stat = fs.statSync(output, { throwIfNoEntry: false });
    if (stat?.isDirectory()) folder = output;
    else if (namesFolder && stat === undefined) {
      throw cantCreateError(`-o ${output}: folder ${path.resolve(output)} does not exist; nothing was written`, 'Create the folder first.');
    } else if (many && stat === undefined) {
      throw cantCreateError(`-o ${output}: folder ${path.resolve(output)} does not exist; ${what} -o DIR, an existing folder; nothing was written`, 'Create the folder first.');
    } else if (many && !stat!.isFile()) {
      throw usageError(`-o ${output}: several documents cannot be written to one stream; ${what} -o DIR, an existing folder`, 'Give a folder: each document is written to NUMBER.pdf or NUMBER.xml in it.');
    } else if (many) throw usageError(`-o ${output}: ${what} -o DIR, an existing folder`);
  }
  const db = await ctx.db();
  if (selecting) {
    const { selectDocumentNumbers } = await import('../core/documents/select-documents.js');
    wanted.push(...(await selectDocumentNumbers(db.kysely, { from: flags.from, to: flags.to, status: flags.status as InvoiceStatus | undefined })));
    if (wanted.length === 0) {
      ctx.out.info(`No invoice or credit note matches ${selectionText(flags)}; nothing was written.`);
      ctx.out.result({ written: [] }, () => null);
      return;
    }
  }
  const identity = await getIdentity(db.kysely);
  // each document is in the language it was issued in, else its payer's, else this one
  const defaultLanguage = await getSetting(db.kysely, 'language');
  const documents = await loadInvoiceDocuments(db.kysely, wanted, { identity, defaultLanguage });
  if (toStdout) {
    const { assertStdoutOpen } = await import('../safe-file.js');
    const { DocumentRenderer } = await import('../writers/document-render.js');
    assertStdoutOpen(`the ${format} of ${documents[0]!.number}`);
    const bytes = await new DocumentRenderer(format).render(documents[0]!);
    await new Promise<void>((resolve, reject) => process.stdout.write(bytes, (error) => (error ? reject(error) : resolve())));
    ctx.out.info(`Wrote ${documents[0]!.number} (${format}) to standard output.`);
    return;
  }
  const extension = documentExtension[format];
  const files = documents.map((doc) => ({ doc, file: folder === null ? output! : path.join(folder, `${doc.number}.${extension}`) }));
  const guard = await outputGuard(ctx.dbUrl, []);
  for (const { file } of files) checkOutput(file, '-o', guard);
  const { startProgress } = await import('../progress.js');
  const progress = await startProgress(ctx.out, 'Writing', files.length);
  const written = await writeDocumentFiles(format, files, () => progress.tick()).finally(() => progress.stop());
  const lines = () => written.map((w) => `Wrote ${w.file} (${w.number}, ${w.format}).`).join('\n');
  // a document sent to a device or a pipe (-o /dev/stdout) is followed by nothing on it
  if (folder === null && !fs.statSync(output!, { throwIfNoEntry: false })?.isFile() && !ctx.out.json) ctx.out.info(lines());
  else ctx.out.result({ written }, lines);
  if (selecting) ctx.out.info(`${plural(written.length, 'document')} written (${selectionText(flags)}).`);
}

const selectionText = (flags: SelectionFlags) =>
  [flags.from && `from ${flags.from}`, flags.to && `to ${flags.to}`, flags.status && `status ${flags.status}`].filter(Boolean).join(', ');

function renderInvoice(invoice: InvoiceJson, extra: { creditNote: string | null; voidReason: string | null; payments: string[] }): string {
  const head = [
    `${invoice.number}  ${invoice.status}${extra.creditNote ? ` (credit note ${extra.creditNote}: ${escapeControls(String(extra.voidReason))})` : ''}`,
    `date      ${invoice.date}, due ${invoice.dueDate}`,
    `payer     ${escapeControls(invoice.payer.name)}${invoice.payer.id === null ? '' : ` (#${invoice.payer.id})`}`,
    `currency  ${invoice.currency}`,
    '',
    renderTable(invoice.lines, [
      { header: '#', value: (l) => l.line, align: 'right' },
      { header: 'member', value: (l) => l.member.name },
      { header: 'description', value: (l) => l.description },
      { header: 'qty', value: (l) => l.quantity, align: 'right' },
      { header: 'unit price', value: (l) => l.unitPrice, align: 'right' },
      // what a discount took off the line's net (shown only when a line has one)
      ...(invoice.lines.some((l) => l.discount !== null) ? [{ header: 'discount', value: (l: (typeof invoice.lines)[number]) => (l.discount === null ? '' : `-${l.discount}`), align: 'right' as const }] : []),
      { header: 'net', value: (l) => l.net, align: 'right' },
      { header: 'tax %', value: (l) => l.taxRate, align: 'right' },
      { header: 'vat', value: (l) => l.vatCategory ?? '-' },
      { header: 'tax', value: (l) => l.tax, align: 'right' },
      { header: 'total', value: (l) => l.total, align: 'right' },
      ...(Number(invoice.credited) === 0 ? [] : [{ header: 'credited net', value: (l: InvoiceJson['lines'][number]) => l.credited, align: 'right' as const }]),
    ]),
    '',
    `net ${invoice.net}   tax ${invoice.tax}   total ${invoice.total}   paid ${invoice.paid}${Number(invoice.credited) === 0 ? '' : `   credited ${invoice.credited}`}`,
  ];
  if (extra.payments.length > 0) head.push('', 'payments:', ...extra.payments.map((p) => `  ${escapeControls(p)}`));
  return head.join('\n');
}

export function registerInvoices(program: Command, action: Action): void {
  const invoices = program.command('invoices').description('invoices: the daily invoicing job, lists, exports, voiding, e-invoices and PDFs');

  examples(
    runOptions(invoices.command('run').description('issue every invoice due as of --today (what cron runs, inside `jobs run`)')).action(
      action(async (ctx, flags: RunFlags) => {
        const { runInvoicing } = await import('../core/billing/invoicing.js');
        const result = await runLockedJob(ctx, flags, 'invoices', (db, options) => runInvoicing(db.kysely, options));
        if (ctx.out.json) await printJsonDocument(result);
        reportInvoiceRun(ctx, result);
        return result.problems.length > 0 ? 65 : 0;
      }),
    ),
    ['memberctl invoices run', 'memberctl invoices run --dry-run --today 2026-03-01', 'memberctl invoices run --wait 600 --json'],
  );

  examples(
    filterOptions(invoices.command('list').description('list invoices, oldest first')).action(
      action(async (ctx, flags: FilterFlags) => {
        const { findInvoices, invoicesJson } = await import('../core/billing/invoices.js');
        const db = await ctx.db();
        const rows = await invoicesJson(db.kysely, await findInvoices(db.kysely, await toFilter(db.kysely, flags)));
        ctx.out.result(rows, () => (rows.length === 0 ? 'No invoices match.' : invoiceTable(rows)));
      }),
    ),
    ['memberctl invoices list --status open', 'memberctl invoices list --member jane@example.org --from 2026-01-01 --json'],
  );

  examples(
    invoices
      .command('show')
      .argument('<number>', 'invoice number, e.g. INV-2026-00001, or credit note number, e.g. CN-2026-00001')
      .description('show one invoice with its lines and payments, or a credit note')
      .action(
        action(async (ctx, number: string) => {
          const { findInvoice, unknownInvoice, invoicesJson, findCreditNote, creditNoteJson, creditedLineNumber } = await import('../core/billing/invoices.js');
          const { listPayments, paymentJson } = await import('../core/billing/payments.js');
          const db = await ctx.db();
          const invoice = await findInvoice(db.kysely, number);
          if (!invoice) {
            const note = await findCreditNote(db.kysely, number);
            if (!note) throw await unknownInvoice(db.kysely, number);
            const json = creditNoteJson(note.note, note.invoice, await creditedLineNumber(db.kysely, note.note));
            const what =
              note.note.charge_id !== null
                ? `refunding the deposit (charge ${note.note.charge_id}) of`
                : json.line !== null
                  ? `crediting ${json.days === null ? 'part' : `${json.days} days`} of line ${json.line} of`
                  : 'voiding';
            ctx.out.result(json, () => [`${json.number}  credit note of ${json.date} ${what} invoice ${json.invoice}: ${escapeControls(json.reason)}`, `net ${json.net}  tax ${json.tax}  total ${json.total} ${json.currency}`].join('\n'));
            return;
          }
          const [json] = await invoicesJson(db.kysely, [invoice]);
          const payments = await listPayments(db.kysely, { invoiceId: invoice.id });
          ctx.out.result(json, () =>
            renderInvoice(json!, {
              creditNote: json!.creditNote,
              voidReason: invoice.void_reason,
              payments: payments
                .map(paymentJson)
                .map(
                  (p) =>
                    `#${p.id} ${p.date} ${p.method} ${p.amount} ${p.currency}${p.reference ? `, ref ${p.reference}` : ''}${p.status === 'cancelled' ? ` (cancelled: ${p.cancelReason})` : ''}`,
                ),
            }),
          );
        }),
      ),
    ['memberctl invoices show INV-2026-00001', 'memberctl invoices show INV-2026-00001 --json', 'memberctl invoices show CN-2026-00001'],
  );

  examples(
    filterOptions(
      invoices
        .command('export')
        .description('one row per invoice line, for the bookkeeper: CSV (stdout or -o) or xlsx (-o)')
        .option('--format <csv|xlsx>', 'file format (default: from the -o extension, else csv)')
        .option('-o, --output <file>', 'write to this file (default for CSV: stdout)'),
    ).action(
      action(async (ctx, flags: FilterFlags & { format?: string; output?: string }) => {
        const wanted = exportFormat(flags, ctx.out.json);
        const { exportRows } = await import('../core/billing/invoices.js');
        const { exportCsv, exportXlsx } = await import('../writers/invoices-export.js');
        const { assertStdoutOpen, checkOutput, outputGuard } = await import('../safe-file.js');
        if (flags.output) checkOutput(flags.output, '-o', await outputGuard(ctx.dbUrl, []));
        else assertStdoutOpen('the exported invoice lines');
        const db = await ctx.db();
        const rows = await exportRows(db.kysely, await toFilter(db.kysely, flags));
        if (wanted === 'xlsx') await exportXlsx(rows, flags.output!, '-o');
        else await exportCsv(rows, flags.output ? { file: flags.output, flag: '-o' } : { stream: process.stdout });
        const invoiceCount = new Set(rows.map((r) => r.number)).size;
        const summary = { file: flags.output ?? null, format: wanted, invoices: invoiceCount, rows: rows.length };
        if (flags.output) ctx.out.result(summary, () => null);
        ctx.out.info(`Exported ${plural(rows.length, 'line')} of ${plural(invoiceCount, 'invoice')}${flags.output ? ` to ${flags.output}` : ''}.`);
      }),
    ),
    ['memberctl invoices export -o invoices-2026.xlsx --from 2026-01-01 --to 2026-12-31', 'memberctl invoices export --status open > open.csv'],
  );

  examples(
    selectionOptions(
      invoices
        .command('einvoice')
        .argument('[number...]', 'invoice numbers (INV-...) or credit note numbers (CN-...); or a selection with --from, --to, --status')
        .description('write the EN 16931 e-invoice of invoices or credit notes: CII (D16B), UBL 2.1 XML, or Factur-X (PDF/A-3 with the CII inside)')
        .requiredOption('--format <cii|ubl|facturx>', 'cii (UN/CEFACT Cross Industry Invoice), ubl (OASIS UBL 2.1) or facturx (Factur-X 1.0 EN 16931: PDF/A-3b, CII embedded)')
        .option('-o, --output <file|dir>', 'the file (one number) or an existing folder (several, or a selection); default: NUMBER.xml here (NUMBER.pdf for facturx)'),
    ).action(
      action(async (ctx, numbers: string[], flags: SelectionFlags & { format: string; output?: string }) => {
        const format = flags.format.trim().toLowerCase();
        if (format !== 'cii' && format !== 'ubl' && format !== 'facturx') throw usageError(`--format: "${flags.format}" is not an e-invoice format; use cii, ubl or facturx`);
        await writeDocuments(ctx, numbers, flags, format);
      }),
    ),
    [
      'memberctl invoices einvoice INV-2026-00001 --format cii',
      'memberctl invoices einvoice INV-2026-00001 --format ubl -o INV-2026-00001-ubl.xml',
      'memberctl invoices einvoice INV-2026-00001 --format facturx',
      'memberctl invoices einvoice INV-2026-00001 INV-2026-00002 CN-2026-00001 --format cii -o einvoices/',
      'memberctl invoices einvoice --format facturx --from 2026-01-01 --to 2026-01-31 -o facturx-2026-01/',
    ],
  );

  examples(
    selectionOptions(
      invoices
        .command('pdf')
        .argument('[number...]', 'invoice numbers (INV-...) or credit note numbers (CN-...); or a selection with --from, --to, --status')
        .description('write the PDF of invoices or credit notes (A4, in the payer\'s language, else the `language` setting)')
        .option('-o, --output <file|dir>', 'the file (one number) or an existing folder (several, or a selection); default: NUMBER.pdf here'),
    ).action(
      action(async (ctx, numbers: string[], flags: SelectionFlags & { output?: string }) => {
        await writeDocuments(ctx, numbers, flags, 'pdf');
      }),
    ),
    [
      'memberctl invoices pdf INV-2026-00001',
      'memberctl invoices pdf INV-2026-00001 INV-2026-00002 -o pdfs/',
      'memberctl invoices pdf CN-2026-00001 -o avoir.pdf',
      'memberctl invoices pdf --from 2026-03-01 --to 2026-03-31 -o pdfs/',
      'memberctl invoices pdf --status open -o relances/',
    ],
  );

  examples(
    invoices
      .command('collect')
      .description('write the SEPA Direct Debit file (pain.008.001.02) of the open invoices of payers with an active mandate; they are then being collected')
      .option('--sepa', 'a SEPA Direct Debit file (the one format; required)')
      .requiredOption('-o, --output <file>', 'the file to write, e.g. collection-2026-03.xml (never an existing file)')
      .requiredOption('--collection-date <date>', 'the day the payers are debited: a TARGET2 business day, at least one business day after today', parseDateOption('--collection-date'))
      .option('--status <status>', 'the invoices to collect: open (the default and only choice)')
      .option('--member <ref>', "only this payer's invoices (id, e-mail or exact name)")
      .option('--dry-run', 'show what would be collected; write no file and mark nothing')
      .action(
        action(async (ctx, flags: { sepa?: boolean; output: string; collectionDate: string; status?: string; member?: string; dryRun?: boolean }) => {
          if (!flags.sepa) throw usageError('invoices collect needs --sepa (SEPA Direct Debit, the one collection format)');
          if (flags.status !== undefined && flags.status.trim().toLowerCase() !== 'open') {
            throw usageError(`--status: "${flags.status}": only open invoices are collected`);
          }
          const fs = await import('node:fs');
          const { checkOutput, outputGuard } = await import('../safe-file.js');
          const { collectSepa, collectionJson } = await import('../core/sepa/collect.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const { formatAmount } = await import('../core/kernel/money.js');
          // a device or a pipe (-o /dev/stdout) carries the file and nothing else
          const existing = fs.statSync(flags.output, { throwIfNoEntry: false });
          const stream = existing !== undefined && !existing.isFile() && !existing.isDirectory();
          if (!flags.dryRun) {
            if (stream && ctx.out.json) throw usageError(`--json with -o ${flags.output}: that stream carries the file; give -o FILE`);
            checkOutput(flags.output, '-o', await outputGuard(ctx.dbUrl, []));
            // a collection file is never replaced: the invoices of the one there are being collected
            if (existing?.isFile()) throw cantCreateError(`-o ${flags.output} exists; a collection file is never replaced: give a new name; nothing was written`);
          }
          const db = await ctx.db();
          const result = await collectSepa(db, {
            collectionDate: flags.collectionDate,
            asOf: await ctx.today(),
            memberRef: flags.member,
            dryRun: Boolean(flags.dryRun),
            file: flags.output,
            flag: '-o',
            source: auditSource(ctx.env),
          });
          const json = collectionJson(result);
          for (const p of result.problems) ctx.out.error(`${p.message} [${p.code}]`);
          ctx.out.result(json, () =>
            json.transactions.length === 0 || (stream && !result.dryRun)
              ? null
              : renderTable(json.transactions, [
                  { header: 'invoice', value: (t) => t.invoice },
                  { header: 'payer', value: (t) => t.payer.name },
                  { header: 'mandate', value: (t) => t.mandate },
                  { header: 'scheme', value: (t) => t.scheme.toUpperCase() },
                  { header: 'sequence', value: (t) => t.sequence },
                  { header: 'amount', value: (t) => t.amount, align: 'right' },
                ]),
          );
          const count = plural(result.transactions.length, 'transaction');
          if (result.transactions.length === 0) ctx.out.info('Nothing to collect: no open invoice of a payer with an active mandate that is not being collected; nothing was written.');
          else if (result.dryRun) ctx.out.info(`Dry run: ${count} of EUR ${formatAmount(result.total, 'EUR')} would be collected on ${result.collectionDate}; nothing was written.`);
          else ctx.out.info(`Wrote ${result.file}: ${count} of EUR ${formatAmount(result.total, 'EUR')} to collect on ${result.collectionDate} (${json.counts.FRST} FRST, ${json.counts.RCUR} RCUR); the invoices are being collected.`);
          if (result.problems.length > 0) ctx.out.warn(`${plural(result.problems.length, 'invoice')} could not be collected; the rest was (exit 65).`);
          return result.problems.length > 0 ? 65 : 0;
        }),
      ),
    [
      'memberctl invoices collect --sepa -o collection-2026-03.xml --collection-date 2026-03-05',
      'memberctl invoices collect --sepa -o jane.xml --collection-date 2026-03-05 --member jane@example.org --dry-run',
    ],
  );

  examples(
    invoices
      .command('credit')
      .argument('<number>', 'invoice number')
      .description('credit part of an invoice line with a credit note: an amount, or days of its period')
      .requiredOption('--line <n>', 'the line, numbered as `invoices show` lists them', parseWholeNumber('--line', 1))
      .option('--amount <amount>', 'the net amount to credit (its tax is computed on it)')
      .option('--days <n>', "days of the line's period to credit, at the line's daily rate (the last days of the period)", parseWholeNumber('--days', 1))
      .requiredOption('--reason <text>', 'why it is credited (printed on the credit note)')
      .action(
        action(async (ctx, number: string, flags: { line: number; amount?: string; days?: number; reason: string }) => {
          if (flags.reason.trim() === '') throw usageError('--reason needs some text');
          if ((flags.amount === undefined) === (flags.days === undefined)) throw usageError('give --amount A or --days D (one of them)');
          const { requireInvoice, invoicesJson, creditNoteJson } = await import('../core/billing/invoices.js');
          const { creditInvoiceLine } = await import('../core/billing/credit-notes.js');
          const { moneyBalances } = await import('../core/billing/money-credit.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const { formatAmount } = await import('../core/kernel/money.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          if (ctx.interactive) {
            const { confirmOrStop } = await import('../confirm.js');
            const invoice = await requireInvoice(db.kysely, number);
            const what = flags.days !== undefined ? `${flags.days} days of line ${flags.line}` : `${flags.amount!.trim()} ${invoice.currency} net of line ${flags.line}`;
            const summary = `Credit ${what} of invoice ${invoice.number} of ${invoice.payer_name}: a credit note is issued, which cannot be taken back.`;
            if (!(await confirmOrStop(summary, { ctx }))) return 0;
          }
          const result = await db.kysely.transaction().execute(async (trx) => {
            const invoice = await requireInvoice(trx, number);
            const before = invoice.payer_id === null ? 0 : ((await moneyBalances(trx, [invoice.payer_id])).get(`${invoice.payer_id}|${invoice.currency}`) ?? 0);
            const { creditNote } = await creditInvoiceLine(trx, invoice, { line: flags.line, amount: flags.amount, days: flags.days, reason: flags.reason.trim() }, asOf, auditSource(ctx.env));
            const after = invoice.payer_id === null ? 0 : ((await moneyBalances(trx, [invoice.payer_id])).get(`${invoice.payer_id}|${invoice.currency}`) ?? 0);
            const current = await requireInvoice(trx, invoice.number);
            const [json] = await invoicesJson(trx, [current]);
            return { invoice: json!, creditNote: creditNoteJson(creditNote, invoice.number, flags.line), moneyCredit: formatAmount(after - before, invoice.currency) };
          });
          ctx.out.result(result, () => {
            const { invoice, creditNote } = result;
            const lines = [`Credited line ${creditNote.line} of ${invoice.number} with credit note ${creditNote.number} (${creditNote.total} ${creditNote.currency}); the invoice is ${invoice.status}.`];
            if (Number(result.moneyCredit) > 0) lines.push(`The ${result.moneyCredit} ${invoice.currency} paid beyond what is now due is credit for ${invoice.payer.name}.`);
            return lines.join('\n');
          });
        }),
      ),
    [
      'memberctl invoices credit INV-2026-00042 --line 1 --days 10 --reason "left on the 20th"',
      'memberctl invoices credit INV-2026-00042 --line 2 --amount 15 --reason "room unavailable one morning"',
    ],
  );

  examples(
    invoices
      .command('void')
      .argument('<number>', 'invoice number')
      .description('cancel an invoice by issuing a credit note (the invoice keeps its number)')
      .requiredOption('--reason <text>', 'why it is voided (printed on the credit note)')
      .action(
        action(async (ctx, number: string, flags: { reason: string }) => {
          if (flags.reason.trim() === '') throw usageError('--reason needs some text');
          const { voidInvoice, invoicesJson, creditNoteJson, requireInvoice } = await import('../core/billing/invoices.js');
          const { auditSource } = await import('../core/kernel/audit.js');
          const db = await ctx.db();
          const asOf = await ctx.today();
          if (ctx.interactive) {
            const { confirmOrStop } = await import('../confirm.js');
            const { formatAmount } = await import('../core/kernel/money.js');
            const invoice = await requireInvoice(db.kysely, number);
            const summary = `Void invoice ${invoice.number} of ${invoice.payer_name} (${formatAmount(invoice.total, invoice.currency)} ${invoice.currency}, ${invoice.status}): a credit note is issued, which cannot be taken back.`;
            if (!(await confirmOrStop(summary, { ctx }))) return 0;
          }
          const result = await db.kysely.transaction().execute(async (trx) => {
            const { invoice, creditNote } = await voidInvoice(trx, number, flags.reason.trim(), asOf, auditSource(ctx.env));
            const [json] = await invoicesJson(trx, [invoice]);
            return { invoice: json!, creditNote: creditNoteJson(creditNote, invoice.number) };
          });
          ctx.out.result(result, () => {
            const lines = [`Voided ${result.invoice.number} with credit note ${result.creditNote.number} (${result.creditNote.total} ${result.creditNote.currency}).`];
            if (Number(result.invoice.paid) !== 0) {
              lines.push(`The ${result.invoice.paid} ${result.invoice.currency} already paid is now credit for ${result.invoice.payer.name}.`);
            }
            lines.push('Its periods may be billed again: `memberctl memberships set ID --next-invoice DATE`, then `memberctl invoices run`.');
            return lines.join('\n');
          });
        }),
      ),
    ['memberctl invoices void INV-2026-00042 --reason "billed the wrong plan"'],
  );
}
