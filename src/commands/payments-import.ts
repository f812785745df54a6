/** `payments import FILE`: a bank statement's credits matched to invoices (src/core/bank/statement-import.ts). */
import type { Context } from '../context.js';
import type { ImportedEntry, StatementImportResult } from '../core/bank/statement-import.js';
import { formatAmount } from '../core/kernel/money.js';
import { plural } from '../core/kernel/words.js';

export interface PaymentsImportFlags {
  format?: string;
  dryRun?: boolean;
  review?: string;
  acceptSuggested?: boolean;
  column?: string[];
  columns?: string;
}

/** An entry in the `--json` document (its other fields: file, format, dryRun, entries, counts). */
export const entryJson = (e: ImportedEntry) => ({
  date: e.date,
  amount: formatAmount(e.direction === 'debit' ? -e.amount : e.amount, e.currency),
  currency: e.currency,
  reference: e.reference,
  label: e.label,
  debtor: e.debtor,
  status: e.status,
  invoice: e.invoice,
  payment: e.payment,
  note: e.note,
});

/** What JSON.stringify writes otherwise than as itself in a string: quotes, backslashes, control characters, surrogates. */
const escaped = /["\\\u0000-\u001f\ud800-\udfff]/;
const json = (value: string | number | null) => (value === null ? 'null' : typeof value === 'string' && !escaped.test(value) ? `"${value}"` : JSON.stringify(value));

/**
 * `entryJson(e)` as the `--json` document lists it (`listItemJson`), each field written without JSON.stringify's
 * general walk: the document of a statement of 50,000 entries is then written in pieces, without one string of it all.
 */
export function entryJsonText(e: ImportedEntry): string {
  const fields: string[] = [];
  // JSON.stringify leaves out a field that is undefined
  for (const [key, value] of Object.entries(entryJson(e))) if (value !== undefined) fields.push(`\n      "${key}": ${json(value)}`);
  return `{${fields.join(',')}\n    }`;
}

const money = (e: ImportedEntry) => `${formatAmount(e.amount, e.currency)} ${e.currency}`;
const describe = (e: ImportedEntry) => `${e.at}, ${e.date}, ${money(e)}${e.debtor ? ` from ${e.debtor}` : ''}${e.label ? ` "${e.label.slice(0, 60)}"` : ''}`;
const shownAtMost = 20;

function summary(result: StatementImportResult, acceptHint: boolean): string {
  const c = result.counts;
  const parts = [
    `${c.matched} matched`,
    `${c.suggested} suggested`,
    `${c.unmatched} unmatched`,
    `${c.duplicate} already imported`,
    `${c.returned} returned`,
    `${c.debit} ${c.debit === 1 ? 'debit' : 'debits'} left alone`,
  ];
  const head = result.dryRun ? `Dry run of ${result.file} (${result.format}, ${plural(result.entries.length, 'entry', 'entries')}) would give` : `Imported ${result.file} (${result.format}, ${plural(result.entries.length, 'entry', 'entries')})`;
  const lines = [`${head}: ${parts.join(', ')}.${result.dryRun ? ' Nothing was written.' : ''}`];
  const list = (status: ImportedEntry['status'], title: string, line: (e: ImportedEntry) => string) => {
    const some = result.entries.filter((e) => e.status === status);
    if (some.length === 0) return;
    lines.push('', title);
    for (const e of some.slice(0, shownAtMost)) lines.push(`  ${line(e)}`);
    if (some.length > shownAtMost) lines.push(`  ... and ${some.length - shownAtMost} more (--review FILE lists every entry)`);
  };
  list('returned', 'Returned:', (e) => `${describe(e)}: ${e.payment === null ? '' : `payment #${e.payment} cancelled, `}${e.invoice} open again`);
  list('suggested', 'Suggested (not applied):', (e) => `${describe(e)} -> ${e.invoice} (${e.note})`);
  list('unmatched', 'Unmatched:', (e) => `${describe(e)}${e.note ? `: ${e.note}` : ''}`);
  if (c.suggested > 0 && acceptHint) lines.push('', 'To apply the suggestions, import the statement again with --accept-suggested.');
  return lines.join('\n');
}

export async function paymentsImport(ctx: Context, file: string, flags: PaymentsImportFlags): Promise<number> {
  const { parseStatementFormat, openStatement } = await import('../importers/bank/open-statement.js');
  const format = flags.format === undefined ? undefined : parseStatementFormat(flags.format);
  let mapping: import('../core/import/column-mapping.js').ColumnMapping | undefined;
  if (flags.columns !== undefined || (flags.column ?? []).length > 0) {
    const { mappingFromEntries, noColumnMapping, overlayMapping } = await import('../core/import/column-mapping.js');
    const { readColumnsFile } = await import('../core/import/column-mapping-file.js');
    mapping = overlayMapping(flags.columns === undefined ? noColumnMapping : readColumnsFile(flags.columns), mappingFromEntries(flags.column ?? []));
  }
  const { stageInput } = await import('../importers/input-file.js');
  const input = await stageInput(file);
  try {
    if (flags.review !== undefined) {
      const { reviewFormat } = await import('../writers/bank-review.js');
      reviewFormat(flags.review);
      const { checkOutput, outputGuard } = await import('../safe-file.js');
      checkOutput(flags.review, '--review', await outputGuard(ctx.dbUrl, [file, flags.columns]));
    }
    const { importStatement } = await import('../core/bank/statement-import.js');
    const { getSetting } = await import('../core/kernel/settings.js');
    const { auditSource } = await import('../core/kernel/audit.js');
    const db = await ctx.db();
    const asOf = await ctx.today();
    const currency = await getSetting(db.kysely, 'currency');
    const open = () => openStatement(input.path, { format, mapping, currency, name: input.name });
    const source = auditSource(ctx.env);
    let accepted: boolean | Set<string> = Boolean(flags.acceptSuggested);
    // at a terminal, each suggestion is confirmed one by one before anything is written
    if (!accepted && !flags.dryRun && ctx.interactive) {
      const preview = await importStatement(db, open, { asOf, dryRun: true, acceptSuggested: false, source });
      const suggestions = preview.entries.filter((e) => e.status === 'suggested');
      if (suggestions.length > 0) {
        const { confirm } = await import('../prompt.js');
        const yes = new Set<string>();
        for (const e of suggestions) {
          if (await confirm({ interactive: true }, `${describe(e)}: record it as a payment of ${e.invoice} (${e.note})?`, false)) yes.add(e.key);
        }
        accepted = yes;
      }
    }
    const result = await importStatement(db, open, { asOf, dryRun: Boolean(flags.dryRun), acceptSuggested: accepted, source });
    if (flags.review !== undefined) {
      const { writeBankReview } = await import('../writers/bank-review.js');
      try {
        await writeBankReview(flags.review, result.entries);
      } catch (error) {
        if (!result.dryRun && error instanceof Error) error.message += ' (the statement was imported: run it again with --review to write the review; nothing is recorded twice)';
        throw error;
      }
    }
    const document = { file: result.file, format: result.format, dryRun: result.dryRun, entries: [], counts: result.counts };
    await ctx.out.resultWithList(document, 'entries', result.entries, () => summary(result, accepted === false), entryJsonText);
    return 0;
  } finally {
    input.dispose();
  }
}
