/**
 * `import stripe`: the Stripe exports written through the import writer of template files (write-import.ts), so
 * a Stripe import has the same guarantees: one transaction, all or nothing (or `--on-error skip` with rejects
 * files), a batch in `import list` that `import undo` reverses, the audit log, dry runs, and re-imports that
 * change nothing (people are matched on the Stripe customer id, memberships on the subscription id).
 */
import type { Db, Queryable } from '../../db/connect.js';
import type { StripeExport } from '../../importers/stripe/export-table.js';
import type { Cell } from '../../importers/types.js';
import { writeOutput } from '../../safe-file.js';
import { csvLines } from '../../writers/cells.js';
import { buildLayout, type Layout, type MemberValues } from '../import/member-row.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import { bulkTarget } from '../kernel/bulk.js';
import { RejectsFile, rejectReason } from '../import/rejects.js';
import { importSource, inImportTransaction, recordBatch } from '../import/run.js';
import type { CheckedRow, PlannedMembership } from '../import/validate-rows.js';
import { type ImportCounts, ImportWriter, noCounts } from '../import/write-import.js';
import { allProblems, analyzeStripe, type StripeAnalysis, type StripeReadRequest, type StripeValidation } from './analyze.js';
import type { StripeProblem, StripeUnit } from './mapping.js';

export interface StripeImportOptions extends StripeReadRequest {
  dryRun: boolean;
  onError: 'abort' | 'skip';
  /** change existing members whose data differs (--update) */
  update: boolean;
  /** where `--on-error skip` writes the rejected rows of each export */
  rejects: { customers: string; subscriptions: string | null };
  /** --cancel-list: where the imported subscriptions are listed */
  cancelListFile: string | null;
  env: NodeJS.ProcessEnv;
}

export interface CancelEntry {
  subscriptionId: string;
  customerId: string;
  email: string | null;
  plan: string;
  /** the date Stripe would bill next */
  nextInvoiceDate: string;
}

export interface StripeImportResult extends ImportCounts {
  batch: string | null;
  dryRun: boolean;
  /** data rows read, all files together */
  rows: number;
  /** fully empty rows skipped, all files together */
  emptyRows: number;
  /** units (a customer with its subscriptions, or a subscription without its customer) kept out */
  rejected: number;
  /** whether the database was changed */
  written: boolean;
  /** an error kept everything out (--on-error abort), or a file could not be read */
  aborted: boolean;
  problems: StripeProblem[];
  /** subscriptions not imported, by status */
  notImported: Record<string, number>;
  /** the rejects files written, one per export (null: nothing rejected from it), or null when none was */
  rejects: { customers: string | null; subscriptions: string | null } | null;
  /** the subscriptions now in memberctl (created or already there): to cancel in Stripe */
  toCancel: CancelEntry[];
  /** the cancel list written, if any */
  cancelList: string | null;
}

// Template columns each Stripe column stands for, so the writer's messages ("Email: a -> b") name Stripe's headers.
const layoutHeaders = ['Name', 'Email', 'Phone', 'Address', 'id', 'Description', 'Plan', 'Start Date (UTC)', 'Current Period End (UTC)', 'Quantity'];

function stripeLayout(): Layout {
  const { layout } = buildLayout(['Name', 'Email', 'Phone', 'Address', 'External ID', 'Notes', 'Plan name', 'Start date', 'Next invoice date', 'Quantity'], 1, 'import');
  return { ...layout, headers: layoutHeaders };
}

const doNotRenewReason = 'Cancel at period end in Stripe';
const pausedReason = 'Paused in Stripe';

/**
 * A `paused` subscription's membership is paused from its next invoice date (the period before counts as paid), until
 * resumed (`memberships resume`). A membership that already has a pause (even one resumed since) keeps what it has:
 * importing again adds none.
 */
async function pausePausedSubscriptions(trx: Queryable, units: readonly StripeUnit[], source: AuditSource): Promise<void> {
  for (const unit of units) {
    for (const m of unit.memberships) {
      if (m.status !== 'paused') continue;
      const membership = await trx.selectFrom('memberships').select(['id', 'member_id']).where('external_id', '=', m.subscriptionId).executeTakeFirst();
      if (!membership) continue;
      // any pause, even one resumed or cancelled since: what was done with it in memberctl stands
      const paused = await trx.selectFrom('pauses').select('id').where('membership_id', '=', membership.id).executeTakeFirst();
      if (paused) continue;
      const pause = await trx
        .insertInto('pauses')
        .values({ membership_id: membership.id, start_date: m.nextInvoiceDate, end_date: null, reason: pausedReason, created_at: source.at })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordAudit(trx, source, {
        action: 'pause',
        entity: 'memberships',
        entityId: membership.id,
        memberId: membership.member_id,
        after: { pause_id: pause.id, start_date: pause.start_date, end_date: null, reason: pausedReason },
        summary: `membership ${membership.id} paused from ${pause.start_date} until resumed: ${pausedReason} (${m.subscriptionId})`,
      });
    }
  }
}

/** The writer's row for one unit: the person, their memberships, their credit. */
export function unitRow(unit: StripeUnit, match: number | null, today: string): CheckedRow {
  const member = unit.member!;
  const first = unit.memberships[0];
  const values: MemberValues = {
    name: member.name,
    planName: first?.plan.name ?? null,
    startDate: first?.startDate ?? null,
    nextInvoiceDate: first?.nextInvoiceDate ?? null,
    email: member.email,
    emailKey: member.emailKey,
    phone: member.phone,
    company: null,
    paidBy: null,
    delegateOf: null,
    delegatePlan: null,
    address: member.address,
    postcode: null,
    city: null,
    country: null,
    language: null,
    billingEmail: null,
    renewalEmail: null,
    ccEmails: null,
    noMail: null,
    iban: null,
    bic: null,
    mandateReference: null,
    mandateDate: null,
    mandateScheme: null,
    companySiren: null,
    companyVatId: null,
    quantity: first?.quantity ?? null,
    price: null,
    prorate: false,
    autoRenew: null,
    endDate: null,
    tags: member.tags,
    notes: member.note,
    externalId: member.externalId,
    memberId: null,
    custom: member.custom,
    taxId: member.taxId,
  };
  const memberships: PlannedMembership[] = unit.memberships.map((m) => ({
    plan: m.plan,
    schedule: m.schedule,
    startDate: m.startDate,
    quantity: m.quantity,
    price: m.price,
    endDate: null,
    autoRenew: null,
    doNotRenew: m.doNotRenew,
    doNotRenewReason: m.doNotRenew ? doNotRenewReason : null,
    externalId: m.subscriptionId,
  }));
  return {
    row: unit.customerRow!,
    cells: [],
    values,
    plan: first?.plan ?? null,
    schedule: first?.schedule ?? null,
    tags: member.tags,
    problems: unit.problems,
    hasErrors: unit.hasErrors,
    match,
    payer: null,
    memberships,
    credit: member.credit === null ? null : { ...member.credit, date: today, description: 'credit from the Stripe account balance' },
  };
}

/** Writes the rows of `rows` (row numbers) of a Stripe export to a rejects file, each with its reason. */
async function writeRejects(source: StripeExport, file: string, reasons: ReadonlyMap<number, string>, imported: boolean): Promise<RejectsFile | null> {
  if (reasons.size === 0) return null;
  const rejects = new RejectsFile(file, source.table.headers, source.table.headers.length, { imported });
  for await (const raw of source.table.rows) {
    const reason = reasons.get(raw.row);
    if (reason !== undefined) rejects.add(raw.cells as Cell[], reason);
  }
  return rejects;
}

/**
 * The imported subscriptions, as a CSV for the admin to cancel them in Stripe, through the safe-file module and the
 * shared cell writer. Written after the import has committed, as its failure says.
 */
export async function writeCancelList(file: string, entries: readonly CancelEntry[], imported = true): Promise<void> {
  const rows = [
    ['Subscription ID', 'Customer ID', 'Customer Email', 'Plan', 'Next Stripe Billing Date'],
    ...entries.map((e) => [e.subscriptionId, e.customerId, e.email, e.plan, e.nextInvoiceDate]),
  ];
  const after = imported
    ? '. The import itself is committed: once the file can be written, run the same import again to write the list (a re-run writes the whole list)'
    : '';
  await writeOutput(file, '--cancel-list', (out) => out.write(csvLines(rows)), { after });
}

/**
 * `validate --source stripe`: the problems an import would meet, nothing written. Customers standing for existing
 * members are compared with them as the import does (`update`: as `import stripe --update` would).
 */
export async function validateStripe(db: Queryable, request: StripeReadRequest, update = false): Promise<StripeValidation> {
  const analysis = await analyzeStripe(db, request);
  const file = analysis.customers.file;
  const byRow = new Map<number, StripeUnit>();
  const compare = new ImportWriter(db, analysis.existing, {
    bulk: null,
    update,
    layout: stripeLayout(),
    matches: analysis.matches,
    payerRows: new Set(),
    onReject: (row, p) => byRow.get(row.row)!.problems.push({ ...p, file }),
  });
  for (const unit of analysis.fatal ? [] : analysis.mapping.units) {
    if (unit.hasErrors || unit.member === null || unit.customerRow === null) continue;
    const match = analysis.matches.get(unit.customerRow) ?? null;
    if (match === null) continue;
    byRow.set(unit.customerRow, unit);
    await compare.add(unitRow(unit, match, request.today));
  }
  await compare.finish();
  const problems = allProblems(analysis);
  const errors = problems.filter((p) => p.severity === 'error').length;
  return {
    file: request.files.customers,
    source: 'stripe',
    rows: analysis.rows,
    valid: errors === 0,
    errors,
    warnings: problems.length - errors,
    problems,
    files: { customers: analysis.customers.rows, subscriptions: analysis.subscriptions?.rows ?? null, prices: analysis.prices?.rows ?? null },
    emptyRows: analysis.emptyRows,
    notImported: analysis.mapping.notImported,
  };
}

/** What the transaction ends with. */
interface Outcome {
  result: StripeImportResult;
  analysis: StripeAnalysis;
  /** units written (or that would be, in a dry run) */
  accepted: StripeUnit[];
  rejected: Set<StripeUnit>;
}

/**
 * Imports the Stripe exports in one transaction (see the file comment). A dry run, an aborted import or one that
 * would change nothing rolls back; the rejects files and the cancel list are written only for a real import.
 */
export async function importStripe(db: Db, options: StripeImportOptions): Promise<StripeImportResult> {
  const skip = options.onError === 'skip';
  const outcome = await inImportTransaction<Outcome>(db, options.dryRun, async (trx, rollback) => {
    const analysis = await analyzeStripe(trx, options);
    const problems = allProblems(analysis);
    const result: StripeImportResult = {
      batch: null,
      dryRun: options.dryRun,
      rows: analysis.rows,
      emptyRows: analysis.emptyRows,
      ...noCounts(),
      rejected: 0,
      problems,
      written: false,
      aborted: false,
      notImported: analysis.mapping.notImported,
      rejects: null,
      toCancel: [],
      cancelList: null,
    };
    const accepted: StripeUnit[] = [];
    const rejected = new Set<StripeUnit>();
    if (analysis.fatal) {
      // a file without the columns it needs keeps every customer out
      result.rejected = analysis.customers.rows;
      result.aborted = true;
      rollback({ result, analysis, accepted, rejected });
    }
    const source = importSource(options.env);
    const byRow = new Map<number, StripeUnit>();
    const file = analysis.customers.file;
    let failed = false;
    const reject = (unit: StripeUnit) => {
      rejected.add(unit);
      failed = true;
      // an aborting import compares the customers that follow with the database, for their conflicts, and writes no more
      if (!skip) writer.stopWriting();
    };
    const writer = new ImportWriter(trx, analysis.existing, {
      bulk: bulkTarget(db, trx),
      source,
      update: options.update,
      layout: stripeLayout(),
      matches: analysis.matches,
      payerRows: new Set(),
      // a conflict with the database found while writing (a changed customer without --update)
      onReject: (row, p) => {
        const unit = byRow.get(row.row)!;
        unit.problems.push({ ...p, file });
        reject(unit);
      },
    });
    for (const unit of analysis.mapping.units) {
      if (unit.hasErrors || unit.member === null || unit.customerRow === null) {
        reject(unit);
        continue;
      }
      byRow.set(unit.customerRow, unit);
      accepted.push(unit);
      await writer.add(unitRow(unit, analysis.matches.get(unit.customerRow) ?? null, options.today));
    }
    await writer.finish();
    if (!failed || skip) await pausePausedSubscriptions(trx, accepted.filter((u) => !rejected.has(u)), source);
    // with the conflicts the comparison found, in file and row order
    result.problems = allProblems(analysis);
    result.rejected = rejected.size;
    result.aborted = failed && !skip;
    if (!result.aborted) Object.assign(result, writer.counts);
    const changes = result.created.members + result.created.memberships + result.updated.members + result.updated.memberships;
    if (result.aborted || options.dryRun || changes === 0) rollback({ result, analysis, accepted, rejected });
    await recordBatch(trx, source, { source: 'stripe', file: options.files.customers, rows: result.rows, counts: result });
    result.batch = source.batchId;
    result.written = true;
    return { result, analysis, accepted, rejected };
  }, [options.files.customers, options.files.subscriptions].filter((file): file is string => file !== null));

  const { result, analysis, accepted, rejected } = outcome;
  if (result.aborted) return result;
  for (const unit of accepted) {
    if (rejected.has(unit)) continue;
    for (const m of unit.memberships) {
      result.toCancel.push({ subscriptionId: m.subscriptionId, customerId: unit.member!.externalId ?? '', email: unit.member!.email, plan: m.plan.name, nextInvoiceDate: m.nextInvoiceDate });
    }
  }
  if (options.dryRun) return result;
  if (skip && rejected.size > 0) {
    const customers = new Map<number, string>();
    const subscriptions = new Map<number, string>();
    for (const unit of rejected) {
      const reason = rejectReason(unit.problems);
      if (unit.customerRow !== null) customers.set(unit.customerRow, reason);
      for (const row of unit.subscriptionRows) subscriptions.set(row, reason);
    }
    const customersFile = (await writeRejects(analysis.customers.export, options.rejects.customers, customers, result.written))?.commit(result.written) ?? null;
    let subscriptionsFile: string | null = null;
    if (analysis.subscriptions && options.rejects.subscriptions) {
      subscriptionsFile = (await writeRejects(analysis.subscriptions.export, options.rejects.subscriptions, subscriptions, result.written))?.commit(result.written) ?? null;
    }
    result.rejects = { customers: customersFile, subscriptions: subscriptionsFile };
  }
  if (options.cancelListFile !== null && result.toCancel.length > 0) {
    await writeCancelList(options.cancelListFile, result.toCancel, result.written);
    result.cancelList = options.cancelListFile;
  }
  return result;
}
