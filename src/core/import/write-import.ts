/**
 * Writes validated rows inside the import's transaction, a chunk of rows at a time: new people with multi-row
 * inserts, existing ones (matched by the first pass) compared with what the database holds and updated only when
 * something differs (with --update; otherwise the row is a `conflict_existing` error). Every write goes to the
 * audit log with the batch id and the values before it, which is what `import undo` reverses.
 */
import type { Queryable } from '../../db/connect.js';
import type { Member, Membership, SepaMandate, SepaScheme } from '../../db/types.js';
import { compareDates } from '../kernel/dates.js';
import { newReferences } from '../sepa/mandates.js';
import type { MemberColumnKey } from './template-columns.js';
import type { AuditChange, AuditSource } from '../kernel/audit.js';
import { type Problem, type ProblemCode, problem } from '../kernel/problems.js';
import { formatAmount } from '../kernel/money.js';
import { type BulkTarget, inChunks, insertAudits, insertRows, type SqlValue, updateColumnById } from '../kernel/bulk.js';
import { vatSirenMismatch } from '../people/party-fields.js';
import { withKnownCategory } from '../people/tags.js';
import type { Existing } from './existing.js';
import { headerOf, type ImportMode, type Layout } from './member-row.js';
import type { CheckedRow, PlannedMembership } from './validate-rows.js';

/**
 * Rows per chunk. Small on purpose: what a chunk holds outlives a young-generation GC or two and gets
 * promoted, and the old generation is collected lazily, so bigger chunks grow the process by hundreds of MB.
 */
const chunkRows = 250;

/** Counts of an import that has written nothing yet. */
export const noCounts = (): ImportCounts => ({ created: { members: 0, companies: 0, memberships: 0, mandates: 0 }, updated: { members: 0, memberships: 0 }, unchanged: 0 });

export interface ImportCounts {
  created: { members: number; companies: number; memberships: number; mandates: number };
  updated: { members: number; memberships: number };
  unchanged: number;
}

/**
 * Where and as whom to write; `bulk: null` makes a writer that only compares the rows with the database and
 * reports the conflicts, writing nothing (validate).
 */
export type WriterTarget = { bulk: BulkTarget; source: AuditSource & { batchId: string } } | { bulk: null; source?: undefined };

export type WriterOptions = WriterTarget & {
  /** change existing members that differ from their row (--update, and always for `members update`) */
  update: boolean;
  layout: Layout;
  /** row -> existing member id (first pass) */
  matches: ReadonlyMap<number, number>;
  /** rows that pay for another row: their member id is kept */
  payerRows: ReadonlySet<number>;
  /** a row found in conflict with the database while writing */
  onReject: (row: CheckedRow, problem: Problem) => void;
  /** a warning that only the comparison with the database gives (a new membership billing past periods) */
  onWarning?: (row: CheckedRow, problem: Problem) => void;
  /** `update` (members update): membership values without a plan name change the person's one membership */
  mode?: ImportMode;
  /** the day the import acts as of: a mandate it replaces is revoked on it (default: the day of the source's time) */
  today?: string;
  /** the mandate references the file gives: none is given to another person's new mandate */
  mandateReferences?: ReadonlyMap<string, unknown>;
};

interface Snapshot {
  member: Member;
  companyName: string | null;
  memberships: Membership[];
  fields: Map<string, string>;
  /** lower-cased tag names */
  tags: Set<string>;
  notes: Set<string>;
  /** the person's SEPA mandates, any status (loaded only for a file with an IBAN column) */
  mandates: SepaMandate[];
}

type MemberColumns = Pick<
  Member,
  | 'name'
  | 'email'
  | 'email_key'
  | 'phone'
  | 'address'
  | 'postcode'
  | 'city'
  | 'country'
  | 'language'
  | 'tax_id'
  | 'company_id'
  | 'paid_by_id'
  | 'external_id'
  | 'billing_email'
  | 'renewal_email'
  | 'cc_emails'
  | 'no_mail'
>;

interface MembershipChange {
  kind: 'create' | 'update';
  /** the plan's name, for the audit log */
  plan: string;
  /** the membership updated */
  id?: number;
  before?: Partial<Membership>;
  after: Partial<Membership>;
  /** the row that gives it, when not the row diffed itself (a later row of a person with several memberships) */
  from?: CheckedRow;
}

/** A new mandate for an existing person, replacing (revoking) their active one, if any. */
interface MandateChange {
  iban: string;
  bic: string | null;
  /** null: memberctl gives one, `MND-<id>-<next>` */
  reference: string | null;
  signedOn: string;
  scheme: SepaScheme;
  replaces: SepaMandate | null;
  /** how many mandates the person has had, plus one */
  next: number;
}

/** What applying a row to its existing member changes; empty when the row is unchanged. */
export interface MemberDiff {
  /** for messages: "Email: a@x -> b@x" */
  labels: string[];
  member: Partial<MemberColumns>;
  memberBefore: Partial<MemberColumns>;
  /** a company to set by name (created if needed) */
  company: string | null;
  /** a payer row whose member does not exist yet: set once it is written */
  payerRow: number | null;
  fields: Array<{ key: string; before: string | null; after: string }>;
  tags: string[];
  note: string | null;
  memberships: MembershipChange[];
  mandate: MandateChange | null;
  error: string | null;
  /** the column and code of `error` when it is not about the membership */
  errorAt?: { key: MemberColumnKey; code: ProblemCode };
}

const show = (value: unknown) => (value === null || value === undefined || value === '' ? '(empty)' : `"${String(value)}"`);

/** A company's SIREN and VAT number as the import knows them, and where from: the database, or a row of the file. */
interface CompanyIdentifiers {
  siren: string | null;
  vatId: string | null;
  row: number | null;
  stored: boolean;
}

/** Chooses the membership a row stands for: same plan, the same start date if one has it, else the latest. */
function membershipFor(snapshot: Snapshot, row: CheckedRow): Membership | null {
  const plan = row.plan;
  if (!plan) return null;
  const same = snapshot.memberships.filter((m) => m.plan_id === plan.id);
  if (same.length === 0) return null;
  return same.find((m) => m.start_date === row.values.startDate) ?? same.sort((a, b) => (a.start_date < b.start_date ? 1 : -1))[0]!;
}

/**
 * Compares a row with its existing member. An empty cell keeps what the database holds; tags and notes are
 * added, never removed. `payerId`: the payer's member id, `'pending'` for a payer row not written yet.
 */
export function diffMember(
  snapshot: Snapshot,
  row: CheckedRow,
  layout: Layout,
  payerId: number | 'pending' | null,
  mode: ImportMode = 'import',
  update = mode === 'update',
): MemberDiff {
  const v = row.values;
  const m = snapshot.member;
  const diff: MemberDiff = {
    labels: [],
    member: {},
    memberBefore: {},
    company: null,
    payerRow: null,
    fields: [],
    tags: [],
    note: null,
    memberships: [],
    mandate: null,
    error: null,
  };
  const label = (key: Parameters<typeof headerOf>[1], before: unknown, after: unknown) =>
    diff.labels.push(`${headerOf(layout, key)}: ${show(before)} -> ${show(after)}`);
  const set = <K extends keyof MemberColumns>(column: K, value: MemberColumns[K]) => {
    diff.member[column] = value;
    diff.memberBefore[column] = m[column];
  };
  if (v.name !== null && v.name !== m.name) {
    set('name', v.name);
    label('name', m.name, v.name);
  }
  // capital letters alone do not make another address: they are no conflict, and only --update respells it
  if (v.email !== null && v.email !== m.email && (update || v.emailKey !== m.email_key)) {
    set('email', v.email);
    set('email_key', v.emailKey);
    label('email', m.email, v.email);
  }
  for (const key of ['phone', 'address', 'postcode', 'city', 'country', 'language'] as const) {
    if (v[key] !== null && v[key] !== m[key]) {
      set(key, v[key]);
      label(key, m[key], v[key]);
    }
  }
  const recipients = [
    ['billingEmail', 'billing_email', v.billingEmail],
    ['renewalEmail', 'renewal_email', v.renewalEmail],
    ['cc', 'cc_emails', v.ccEmails],
  ] as const;
  for (const [key, column, value] of recipients) {
    if (value !== null && value !== m[column]) {
      set(column, value);
      label(key, m[column], value);
    }
  }
  if (v.noMail !== null && (v.noMail ? 1 : 0) !== m.no_mail) {
    set('no_mail', v.noMail ? 1 : 0);
    label('noMail', m.no_mail === 1 ? 'yes' : 'no', v.noMail ? 'yes' : 'no');
  }
  if (v.externalId !== null && v.externalId !== m.external_id) {
    set('external_id', v.externalId);
    label('externalId', m.external_id, v.externalId);
  }
  if (v.taxId !== undefined && v.taxId !== null && v.taxId !== m.tax_id) {
    set('tax_id', v.taxId);
    diff.labels.push(`Tax ID: ${show(m.tax_id)} -> ${show(v.taxId)}`);
  }
  if (v.company !== null && v.company !== snapshot.companyName) {
    diff.company = v.company;
    diff.memberBefore.company_id = m.company_id;
    label('company', snapshot.companyName, v.company);
  }
  if (payerId !== null && payerId !== m.paid_by_id) {
    if (payerId === 'pending') diff.payerRow = row.payer?.kind === 'row' ? row.payer.row : null;
    else set('paid_by_id', payerId);
    diff.memberBefore.paid_by_id = m.paid_by_id;
    label('paidBy', m.paid_by_id === null ? null : `#${m.paid_by_id}`, v.paidBy);
  }
  for (const [key, value] of v.custom) {
    const before = snapshot.fields.get(key) ?? null;
    if (before !== value) {
      diff.fields.push({ key, before, after: value });
      diff.labels.push(`${key}: ${show(before)} -> ${show(value)}`);
    }
  }
  diff.tags = row.tags.filter((t) => !snapshot.tags.has(t.toLowerCase()));
  if (diff.tags.length > 0) diff.labels.push(`${headerOf(layout, 'tags')}: adds ${diff.tags.join(', ')}`);
  if (v.notes !== null && !snapshot.notes.has(v.notes)) {
    diff.note = v.notes;
    diff.labels.push(`${headerOf(layout, 'notes')}: adds a note`);
  }
  diffMandate(snapshot, row, layout, diff);
  if (row.memberships) {
    for (const planned of row.memberships) {
      const change = diffPlanned(snapshot, planned, layout, diff.labels);
      if (change) diff.memberships.push(change);
    }
  } else if (row.plan || row.others?.some((o) => o.plan)) {
    // a person with several memberships has a row for each (person-rows.ts)
    for (const one of [row, ...(row.others ?? [])]) {
      const plan = one.plan;
      if (!plan) continue;
      const current = membershipFor(snapshot, one);
      if (!current) {
        if (one.schedule === null) {
          diff.error ??= `member #${m.id} has no membership on "${plan.name}" to change: give a ${headerOf(layout, 'startDate')} and a ${headerOf(layout, 'nextInvoiceDate')} to add one`;
        } else {
          diff.memberships.push({ kind: 'create', plan: plan.name, after: newMembershipValues(one, m.id), from: one });
          diff.labels.push(`${headerOf(layout, 'planName')}: adds a membership on "${plan.name}"`);
        }
      } else {
        const change = membershipChange(current, one, label);
        if (change) diff.memberships.push({ ...change, plan: plan.name, from: one });
      }
    }
  } else if (mode === 'update' && (v.quantity !== null || v.endDate !== null || v.autoRenew !== null || v.startDate !== null || v.nextInvoiceDate !== null || v.prorate !== null)) {
    // membership values without a plan name: the person's one membership (members update)
    const plan = headerOf(layout, 'planName');
    if (snapshot.memberships.length !== 1) {
      diff.error =
        snapshot.memberships.length === 0
          ? `member #${m.id} has no membership to change: give a ${plan}, a ${headerOf(layout, 'startDate')} and a ${headerOf(layout, 'nextInvoiceDate')} to add one`
          : `member #${m.id} has ${snapshot.memberships.length} memberships: give the ${plan} of the one to change`;
    } else if (v.startDate !== null || v.nextInvoiceDate !== null || v.prorate !== null) {
      diff.error = `give the ${plan} of the membership whose dates change`;
    } else {
      const current = snapshot.memberships[0]!;
      const change = membershipChange(current, row, label);
      if (change) diff.memberships.push({ ...change, plan: `#${current.plan_id}` });
    }
  }
  return diff;
}

/**
 * The mandate a row gives an existing person (docs/importing.md, "Direct debit mandates"): none when they have it
 * already (the same reference, or without one the same IBAN, signature date and scheme, revoked or not); a mandate
 * whose reference they have with other values is an error, a signed mandate does not change; otherwise a new one,
 * which replaces their active mandate unless it was signed before it.
 */
function diffMandate(snapshot: Snapshot, row: CheckedRow, layout: Layout, diff: MemberDiff): void {
  const v = row.values;
  if (v.iban === null || v.mandateDate === null) return;
  const scheme = v.mandateScheme ?? 'core';
  const m = snapshot.member;
  // an empty BIC or scheme agrees with the mandate's
  const differences = (mandate: SepaMandate) =>
    [
      mandate.iban !== v.iban ? `the IBAN ${mandate.iban} (this row: ${v.iban})` : null,
      v.bic !== null && mandate.bic !== v.bic ? `${mandate.bic === null ? 'no BIC' : `the BIC ${mandate.bic}`} (this row: ${v.bic})` : null,
      mandate.signed_on !== v.mandateDate ? `the signature date ${mandate.signed_on} (this row: ${v.mandateDate})` : null,
      v.mandateScheme !== null && mandate.scheme !== v.mandateScheme ? `the scheme ${mandate.scheme} (this row: ${v.mandateScheme})` : null,
    ].filter((d): d is string => d !== null);
  if (v.mandateReference !== null) {
    const own = snapshot.mandates.find((mandate) => mandate.reference === v.mandateReference);
    if (own) {
      const differ = differences(own);
      if (differ.length === 0) return;
      diff.error = `member #${m.id}'s mandate ${own.reference} has ${differ.join(', ')}: a signed mandate does not change; a new mandate has a reference of its own (or leave ${headerOf(layout, 'mandateReference')} empty for memberctl to give one)`;
      diff.errorAt = { key: 'mandateReference', code: 'conflict_existing' };
      return;
    }
  } else if (snapshot.mandates.some((mandate) => differences(mandate).length === 0)) return;
  const active = snapshot.mandates.find((mandate) => mandate.status === 'active') ?? null;
  if (active !== null && compareDates(v.mandateDate, active.signed_on) < 0) {
    diff.error = `member #${m.id}'s active mandate ${active.reference} was signed on ${active.signed_on}, after this one (${v.mandateDate}): an older mandate does not replace it; leave the mandate columns empty to keep it`;
    diff.errorAt = { key: 'mandateDate', code: 'conflict_existing' };
    return;
  }
  diff.mandate = { iban: v.iban, bic: v.bic, reference: v.mandateReference, signedOn: v.mandateDate, scheme, replaces: active, next: snapshot.mandates.length + 1 };
  const signed = `${v.iban}, signed on ${v.mandateDate}`;
  diff.labels.push(
    active === null
      ? `${headerOf(layout, 'iban')}: adds a mandate (${signed})`
      : `${headerOf(layout, 'iban')}: mandate ${active.reference} (${active.iban}, signed on ${active.signed_on}) replaced by a new one (${signed})`,
  );
}

/** The changes a row makes to one existing membership; null when there are none. */
function membershipChange(
  current: Membership,
  row: CheckedRow,
  label: (key: Parameters<typeof headerOf>[1], before: unknown, after: unknown) => void,
): Omit<MembershipChange, 'plan'> | null {
  const v = row.values;
  const before: Partial<Membership> = {};
  const after: Partial<Membership> = {};
  const change = <K extends keyof Membership>(column: K, value: Membership[K], key: Parameters<typeof headerOf>[1]) => {
    if (current[column] === value) return;
    before[column] = current[column];
    after[column] = value;
    label(key, current[column], value);
  };
  // billing moves next_invoice_date on; what an import gave is the first recurring date
  const firstRecurring = current.first_recurring_date ?? current.next_invoice_date;
  const schedule = row.schedule;
  const rescheduled =
    schedule !== null &&
    (current.start_date !== v.startDate || (v.nextInvoiceDate !== null && firstRecurring !== v.nextInvoiceDate) || (v.prorate !== null && current.prorate_first !== (v.prorate ? 1 : 0)));
  if (rescheduled && schedule) {
    change('start_date', v.startDate!, 'startDate');
    if (firstRecurring !== schedule.first_recurring_date) {
      before.first_recurring_date = current.first_recurring_date;
      after.first_recurring_date = schedule.first_recurring_date ?? null;
      label('nextInvoiceDate', firstRecurring, schedule.first_recurring_date);
    }
    for (const column of ['next_invoice_date', 'anchor_day', 'covered_until', 'prorate_first'] as const) {
      const value = schedule[column] ?? null;
      if (current[column] !== value) {
        before[column] = current[column] as never;
        after[column] = value as never;
      }
    }
    if (v.prorate !== null && current.prorate_first !== (v.prorate ? 1 : 0)) label('prorate', current.prorate_first ? 'yes' : 'no', v.prorate ? 'yes' : 'no');
  }
  if (v.quantity !== null) change('quantity', v.quantity, 'quantity');
  // an empty Price keeps the membership's price; "plan" makes it follow the plan's again
  if (row.price !== undefined && row.price !== null && row.plan) {
    const price = row.price === 'plan' ? null : row.price;
    if (current.price !== price) {
      const currency = row.plan.currency;
      const shownPrice = (value: number | null) => (value === null ? "the plan's price" : `${formatAmount(value, currency)} ${currency}`);
      before.price = current.price;
      after.price = price;
      label('price', shownPrice(current.price), shownPrice(price));
    }
  }
  if (v.endDate !== null) change('end_date', v.endDate, 'endDate');
  if (v.autoRenew !== null) change('auto_renew', v.autoRenew ? 1 : 0, 'autoRenew');
  return Object.keys(after).length > 0 ? { kind: 'update', id: current.id, before, after } : null;
}

/**
 * The change one membership of a row that gives its memberships itself makes: found by its external id, else
 * by plan and start date among those without one; created when there is none.
 */
function diffPlanned(snapshot: Snapshot, planned: PlannedMembership, layout: Layout, labels: string[]): MembershipChange | null {
  const current =
    (planned.externalId === null ? undefined : snapshot.memberships.find((m) => m.external_id === planned.externalId)) ??
    snapshot.memberships.find((m) => m.external_id === null && m.plan_id === planned.plan.id && m.start_date === planned.startDate);
  if (!current) {
    labels.push(`${headerOf(layout, 'planName')}: adds a membership on "${planned.plan.name}"`);
    return { kind: 'create', plan: planned.plan.name, after: plannedMembershipValues(planned, snapshot.member.id) };
  }
  const wanted = plannedMembershipValues(planned, snapshot.member.id);
  const before: Partial<Membership> = {};
  const after: Partial<Membership> = {};
  const change = <K extends keyof Membership>(column: K, label: string | null) => {
    const value = wanted[column] as Membership[K];
    if (current[column] === value) return;
    before[column] = current[column];
    after[column] = value;
    if (label !== null) labels.push(`${label}: ${show(current[column])} -> ${show(value)}`);
  };
  change('plan_id', null);
  if (after.plan_id !== undefined) labels.push(`${headerOf(layout, 'planName')}: membership ${current.id} moves to "${planned.plan.name}"`);
  change('start_date', headerOf(layout, 'startDate'));
  // billing moves next_invoice_date on; what the import gave is the first recurring date
  const firstRecurring = current.first_recurring_date ?? current.next_invoice_date;
  if (firstRecurring !== wanted.first_recurring_date) {
    for (const column of ['next_invoice_date', 'first_recurring_date', 'anchor_day', 'covered_until'] as const) change(column, null);
    labels.push(`${headerOf(layout, 'nextInvoiceDate')}: ${show(firstRecurring)} -> ${show(wanted.first_recurring_date)}`);
  }
  change('quantity', headerOf(layout, 'quantity'));
  if (current.price !== wanted.price) {
    const currency = planned.plan.currency;
    const shownPrice = (value: number | null | undefined) => (value === null || value === undefined ? "the plan's price" : `${formatAmount(value, currency)} ${currency}`);
    before.price = current.price;
    after.price = wanted.price ?? null;
    labels.push(`Price: ${shownPrice(current.price)} -> ${shownPrice(wanted.price)}`);
  }
  change('do_not_renew', 'Do not renew');
  if (planned.doNotRenew) change('do_not_renew_reason', null);
  change('external_id', null);
  return Object.keys(after).length === 0 ? null : { kind: 'update', plan: planned.plan.name, id: current.id, before, after };
}

function plannedMembershipValues(planned: PlannedMembership, memberId: number): Partial<Membership> {
  const { plan, schedule } = planned;
  return {
    member_id: memberId,
    plan_id: plan.id,
    quantity: planned.quantity,
    price: planned.price,
    start_date: planned.startDate,
    next_invoice_date: schedule.next_invoice_date,
    first_recurring_date: schedule.first_recurring_date ?? null,
    anchor_day: schedule.anchor_day,
    covered_until: schedule.covered_until ?? null,
    end_date: null,
    auto_renew: plan.auto_renew,
    auto_renew_until: null,
    do_not_renew: planned.doNotRenew ? 1 : 0,
    do_not_renew_reason: planned.doNotRenew ? planned.doNotRenewReason : null,
    intervention_required: 0,
    intervention_reason: null,
    prorate_first: schedule.prorate_first ?? 0,
    external_id: planned.externalId,
    source: 'import',
  };
}

/** The memberships a new row's person gets: those it gives itself, else the one of its plan columns. */
function membershipValuesOf(row: CheckedRow, memberId: number): Array<{ plan: string; values: Partial<Membership> }> {
  if (row.memberships) return row.memberships.map((planned) => ({ plan: planned.plan.name, values: plannedMembershipValues(planned, memberId) }));
  // a person with several memberships: one for each of their rows
  return [row, ...(row.others ?? [])].flatMap((one) => (one.plan && one.schedule ? [{ plan: one.plan.name, values: newMembershipValues(one, memberId) }] : []));
}

function newMembershipValues(row: CheckedRow, memberId: number): Partial<Membership> {
  const v = row.values;
  const schedule = row.schedule!;
  return {
    member_id: memberId,
    plan_id: row.plan!.id,
    quantity: v.quantity ?? 1,
    price: typeof row.price === 'number' ? row.price : null,
    start_date: v.startDate!,
    next_invoice_date: schedule.next_invoice_date,
    first_recurring_date: schedule.first_recurring_date ?? null,
    anchor_day: schedule.anchor_day,
    covered_until: schedule.covered_until ?? null,
    end_date: v.endDate,
    auto_renew: (v.autoRenew ?? row.plan!.auto_renew === 1) ? 1 : 0,
    auto_renew_until: null,
    do_not_renew: 0,
    do_not_renew_reason: null,
    intervention_required: 0,
    intervention_reason: null,
    prorate_first: schedule.prorate_first ?? 0,
    external_id: null,
    source: 'import',
  };
}

export const membershipColumns = [
  'member_id',
  'plan_id',
  'quantity',
  'price',
  'start_date',
  'next_invoice_date',
  'first_recurring_date',
  'anchor_day',
  'covered_until',
  'end_date',
  'auto_renew',
  'auto_renew_until',
  'do_not_renew',
  'do_not_renew_reason',
  'intervention_required',
  'intervention_reason',
  'prorate_first',
  'external_id',
  'source',
] as const;

/** The columns of the rows an import inserts; `created_at` and `updated_at` are the same for every row (`stamped`). */
export const memberColumns = [
  'name',
  'email',
  'email_key',
  'phone',
  'address',
  'postcode',
  'city',
  'country',
  'language',
  'tax_id',
  'company_id',
  'paid_by_id',
  'external_id',
  'billing_email',
  'renewal_email',
  'cc_emails',
  'no_mail',
] as const;

const ledgerColumns = ['member_id', 'unit', 'kind', 'amount', 'currency', 'date', 'expires_on', 'grant_id', 'invoice_id', 'payment_id', 'description', 'job_id', 'created_at'] as const;

/** A mandate the import adds. */
interface MandateToWrite {
  memberId: number;
  iban: string;
  bic: string | null;
  reference: string | null;
  signedOn: string;
  scheme: SepaScheme;
  /** the `n` of the first reference memberctl would give it */
  next: number;
}

/** Creation and change times of the rows an import inserts: its own time. */
const stamped = (at: string) => ({ created_at: at, updated_at: at });

/** Where a note an import adds comes from, and when. */
const noted = (source: AuditSource & { batchId: string }) => ({ source: `import ${source.batchId}`, created_at: source.at });

export class ImportWriter {
  readonly counts: ImportCounts = noCounts();
  private readonly db: Queryable;
  private readonly options: WriterOptions;
  private readonly companies: Map<string, number>;
  private tags: Map<string, { id: number; name: string }> | null = null;
  private chunk: CheckedRow[] = [];
  /** member ids of rows that pay for others */
  private readonly memberOfRow = new Map<number, number>();
  /** [member id, payer row, whether the member existed before (its old payer is audited)] */
  private readonly pendingPayers: Array<{ memberId: number; payerRow: number; before: number | null | undefined; name: string }> = [];
  /** the SIREN and VAT number of each company by name: the database's, then those the file gives (loaded on first use) */
  private identifiers: Map<string, CompanyIdentifiers> | null = null;
  /** existing companies whose empty SIREN or VAT number the file fills (--update) */
  private readonly companyFills = new Map<string, { siren?: string; vatId?: string }>();
  private audits: AuditChange[] = [];
  /** false once nothing more is to be written: rows are then only compared with the database */
  private writing: boolean;

  constructor(db: Queryable, existing: Existing, options: WriterOptions) {
    this.db = db;
    this.options = options;
    this.writing = options.bulk !== null;
    this.companies = new Map(existing.companies);
    for (const [row, id] of options.matches) if (options.payerRows.has(row)) this.memberOfRow.set(row, id);
  }

  /**
   * From now on, rows are only compared with the database, so that an import that will roll back (a row has an
   * error, --on-error abort) still reports every conflict with existing members, as validate does.
   */
  stopWriting(): void {
    this.writing = false;
  }

  /** Where and as whom the writes go; only while writing. */
  private get target(): { bulk: BulkTarget; source: AuditSource & { batchId: string } } {
    const options = this.options;
    if (options.bulk === null || !this.writing) throw new Error('this import writer only compares rows with the database');
    return options;
  }

  private get bulk(): BulkTarget {
    return this.target.bulk;
  }

  private get source(): AuditSource & { batchId: string } {
    return this.target.source;
  }

  async add(row: CheckedRow): Promise<void> {
    this.chunk.push(row);
    if (this.chunk.length >= chunkRows) await this.flush();
  }

  /** The member id of a row the writer keeps (`payerRows`), once written. */
  memberOf(row: number): number | undefined {
    return this.memberOfRow.get(row);
  }

  /** Writes what is buffered, then links payees to payers written after them. */
  async finish(): Promise<void> {
    await this.flush();
    if (!this.writing) return;
    const { source } = this;
    const pairs: Array<[number, number]> = [];
    for (const pending of this.pendingPayers) {
      const payer = this.memberOfRow.get(pending.payerRow);
      // the payer row was not written (rejected): its payee was rejected with it
      if (payer === undefined) continue;
      pairs.push([pending.memberId, payer]);
      if (pending.before !== undefined) {
        this.audits.push({
          action: 'update',
          entity: 'members',
          entityId: pending.memberId,
          memberId: pending.memberId,
          before: { paid_by_id: pending.before },
          after: { paid_by_id: payer },
          summary: `paid by #${payer} (import ${source.batchId})`,
        });
      }
    }
    await updateColumnById(this.bulk, 'members', 'paid_by_id', pairs);
    await this.writeAudits();
  }

  private payerOf(row: CheckedRow): number | 'pending' | null {
    const payer = row.payer;
    if (payer === null) return null;
    if (payer.kind === 'member') return payer.id;
    return this.memberOfRow.get(payer.row) ?? 'pending';
  }

  private async flush(): Promise<void> {
    const rows = await this.withCompanyIdentifiers(this.chunk);
    this.chunk = [];
    if (rows.length === 0) return;
    const matched = rows.filter((r) => r.match !== null);
    const fresh = rows.filter((r) => r.match === null);
    const diffs = await this.diffExisting(matched);
    const changed: Array<{ row: CheckedRow; diff: MemberDiff }> = [];
    for (const row of matched) {
      const diff = diffs.get(row.row)!;
      if (diff.error === null) {
        for (const one of [row, ...(row.others ?? [])]) {
          if (one.pastNextInvoice && diff.memberships.some((m) => m.kind === 'create' && (m.from ?? row) === one)) this.options.onWarning?.(one, one.pastNextInvoice);
        }
      }
      if (diff.error !== null) {
        const key = diff.errorAt?.key ?? 'planName';
        const value = key === 'planName' ? row.values.planName : key === 'mandateDate' ? row.values.mandateDate : row.values.mandateReference;
        this.options.onReject(row, problem({ row: row.row, column: headerOf(this.options.layout, key), value, code: diff.errorAt?.code ?? 'required', severity: 'error', message: diff.error }));
      } else if (diff.labels.length === 0) {
        this.counts.unchanged += 1 + (row.others?.length ?? 0);
      } else if (!this.options.update) {
        this.options.onReject(
          row,
          problem({
            row: row.row,
            column: headerOf(this.options.layout, row.match !== null && row.values.externalId !== null ? 'externalId' : row.values.email !== null ? 'email' : 'name'),
            value: row.values.externalId ?? row.values.email ?? row.values.name,
            code: 'conflict_existing',
            severity: 'error',
            message: `member #${row.match} exists with other values (${diff.labels.join('; ')}): use --update to change it`,
          }),
        );
      } else changed.push({ row, diff });
    }
    if (!this.writing) return;
    await this.ensureCompanies([...fresh.map((r) => r.values.company), ...changed.map((c) => c.diff.company)]);
    await this.ensureTags([...fresh.flatMap((r) => r.tags), ...changed.flatMap((c) => c.diff.tags)]);
    await this.fillCompanies();
    await this.insertMembers(fresh);
    await this.updateMembers(changed);
    await this.writeAudits();
  }

  /**
   * The rows whose company SIREN and VAT number agree with what the company has (in the database or an earlier
   * row); the others are rejected. A company created by the import takes the first ones given; an existing company
   * without them gets them with --update (a conflict otherwise), never other ones than it has.
   */
  private async withCompanyIdentifiers(rows: CheckedRow[]): Promise<CheckedRow[]> {
    if (!rows.some((r) => r.values.company !== null && (r.values.companySiren !== null || r.values.companyVatId !== null))) return rows;
    if (!this.identifiers) {
      const companies = await this.db.selectFrom('companies').select(['name', 'siren', 'vat_id']).execute();
      this.identifiers = new Map(companies.map((c) => [c.name, { siren: c.siren, vatId: c.vat_id, row: null, stored: true }]));
    }
    const identifiers = this.identifiers;
    const layout = this.options.layout;
    const kept: CheckedRow[] = [];
    for (const row of rows) {
      const { company, companySiren, companyVatId } = row.values;
      if (company === null || (companySiren === null && companyVatId === null)) {
        kept.push(row);
        continue;
      }
      const known = identifiers.get(company) ?? { siren: null, vatId: null, row: row.row, stored: false };
      const given = { siren: companySiren, vatId: companyVatId };
      const reject = (key: 'companySiren' | 'companyVatId', code: Problem['code'], message: string) =>
        this.options.onReject(row, problem({ row: row.row, column: headerOf(layout, key), value: row.values[key], code, severity: 'error', message }));
      const where = known.stored ? '' : ` (row ${known.row})`;
      const differs = (['siren', 'vatId'] as const).find((f) => given[f] !== null && known[f] !== null && given[f] !== known[f]);
      if (differs) {
        const key = differs === 'siren' ? 'companySiren' : 'companyVatId';
        reject(key, 'conflict_existing', `company "${company}" has the ${headerOf(layout, key)} ${known[differs]}${where}, not ${given[differs]}: a company has one; change it with \`memberctl companies edit\``);
        continue;
      }
      const merged = { ...known, siren: known.siren ?? given.siren, vatId: known.vatId ?? given.vatId };
      const mismatch = vatSirenMismatch(merged.vatId, merged.siren);
      if (mismatch !== null) {
        reject(given.vatId !== null ? 'companyVatId' : 'companySiren', 'invalid_value', `company "${company}": ${mismatch}`);
        continue;
      }
      const fills = known.stored ? (['siren', 'vatId'] as const).filter((f) => known[f] === null && given[f] !== null) : [];
      if (fills.length > 0 && !this.options.update) {
        const key = fills[0] === 'siren' ? 'companySiren' : 'companyVatId';
        reject(key, 'conflict_existing', `company "${company}" has no ${fills.map((f) => headerOf(layout, f === 'siren' ? 'companySiren' : 'companyVatId')).join(' and ')} yet: use --update to set ${fills.length === 1 ? 'it' : 'them'}`);
        continue;
      }
      if (fills.length > 0) this.companyFills.set(company, { ...this.companyFills.get(company), ...Object.fromEntries(fills.map((f) => [f, given[f]])) });
      identifiers.set(company, merged);
      kept.push(row);
    }
    return kept;
  }

  /** Sets the SIREN and VAT number the file gives to existing companies that had none (--update). */
  private async fillCompanies(): Promise<void> {
    for (const [name, fill] of this.companyFills) {
      const id = this.companies.get(name);
      if (id === undefined) continue;
      const after: Record<string, string> = {};
      if (fill.siren) after.siren = fill.siren;
      if (fill.vatId) after.vat_id = fill.vatId;
      await this.db.updateTable('companies').set({ ...after, updated_at: this.source.at }).where('id', '=', id).execute();
      const before = Object.fromEntries(Object.keys(after).map((k) => [k, null]));
      this.audits.push({ action: 'update', entity: 'companies', entityId: id, before, after, summary: `company ${name}: ${Object.keys(after).join(', ')} set by import` });
    }
    this.companyFills.clear();
  }

  private async diffExisting(rows: CheckedRow[]): Promise<Map<number, MemberDiff>> {
    const diffs = new Map<number, MemberDiff>();
    if (rows.length === 0) return diffs;
    const ids = rows.map((r) => r.match!);
    const snapshots = new Map<number, Snapshot>();
    await inChunks(ids, async (chunk) => {
      const members = await this.db
        .selectFrom('members')
        .leftJoin('companies', 'companies.id', 'members.company_id')
        .selectAll('members')
        .select('companies.name as company_name')
        .where('members.id', 'in', chunk)
        .execute();
      for (const { company_name, ...member } of members) {
        snapshots.set(member.id, { member, companyName: company_name, memberships: [], fields: new Map(), tags: new Set(), notes: new Set(), mandates: [] });
      }
      for (const m of await this.db.selectFrom('memberships').selectAll().where('member_id', 'in', chunk).execute()) snapshots.get(m.member_id)?.memberships.push(m);
      for (const f of await this.db.selectFrom('member_fields').selectAll().where('member_id', 'in', chunk).execute()) snapshots.get(f.member_id)?.fields.set(f.key, f.value);
      const tags = await this.db
        .selectFrom('member_tags')
        .innerJoin('tags', 'tags.id', 'member_tags.tag_id')
        .select(['member_tags.member_id', 'tags.name'])
        .where('member_tags.member_id', 'in', chunk)
        .execute();
      for (const t of tags) snapshots.get(t.member_id)?.tags.add(t.name.toLowerCase());
      for (const n of await this.db.selectFrom('notes').select(['member_id', 'body']).where('member_id', 'in', chunk).execute()) snapshots.get(n.member_id)?.notes.add(n.body);
      if (this.options.layout.index.iban !== undefined) {
        for (const mandate of await this.db.selectFrom('sepa_mandates').selectAll().where('member_id', 'in', chunk).orderBy('id').execute()) snapshots.get(mandate.member_id)?.mandates.push(mandate);
      }
    });
    for (const row of rows) {
      const snapshot = snapshots.get(row.match!);
      if (!snapshot) throw new Error(`member #${row.match} vanished during the import`);
      diffs.set(row.row, diffMember(snapshot, row, this.options.layout, this.payerOf(row), this.options.mode, this.options.update));
    }
    return diffs;
  }

  private async ensureCompanies(names: Array<string | null>): Promise<void> {
    const missing = [...new Set(names.filter((n): n is string => n !== null && !this.companies.has(n)))];
    if (missing.length === 0) return;
    const { at } = this.source;
    const identifiers = (name: string) => this.identifiers?.get(name) ?? { siren: null, vatId: null };
    const rows = missing.map((name) => [name, identifiers(name).siren, identifiers(name).vatId]);
    const ids = await insertRows(this.bulk, 'companies', ['name', 'siren', 'vat_id'], rows, true, stamped(at));
    missing.forEach((name, i) => {
      this.companies.set(name, ids[i]!);
      const { siren, vatId } = identifiers(name);
      const after = { id: ids[i]!, name, ...(siren ? { siren } : {}), ...(vatId ? { vat_id: vatId } : {}) };
      this.audits.push({ action: 'insert', entity: 'companies', entityId: ids[i]!, after, summary: `company ${name} added` });
    });
    this.counts.created.companies += missing.length;
  }

  private async ensureTags(names: string[]): Promise<void> {
    if (names.length === 0) return;
    if (!this.tags) {
      const all = await this.db.selectFrom('tags').select(['id', 'name']).execute();
      this.tags = new Map(all.map((t) => [t.name.toLowerCase(), t]));
    }
    const tags = this.tags;
    const missing: string[] = [];
    for (const name of names) {
      if (tags.has(name.toLowerCase()) || missing.some((m) => m.toLowerCase() === name.toLowerCase())) continue;
      // a new tag of a known category takes the category's spelling (tags are found by their lower-case name)
      missing.push(withKnownCategory(name, [...tags.values()].map((t) => t.name).concat(missing)));
    }
    if (missing.length === 0) return;
    const ids = await insertRows(this.bulk, 'tags', ['name'], missing.map((name) => [name]), true);
    missing.forEach((name, i) => {
      tags.set(name.toLowerCase(), { id: ids[i]!, name });
      this.audits.push({ action: 'insert', entity: 'tags', entityId: ids[i]!, after: { id: ids[i]!, name }, summary: `tag ${name} added` });
    });
  }

  private tagId(name: string): number {
    return this.tags!.get(name.toLowerCase())!.id;
  }

  private async insertMembers(rows: CheckedRow[]): Promise<void> {
    if (rows.length === 0) return;
    const { source } = this;
    const at = source.at;
    const memberValues = (r: CheckedRow, payer: number | 'pending' | null): SqlValue[] => {
      const v = r.values;
      return [
        v.name,
        v.email,
        v.emailKey,
        v.phone,
        v.address,
        v.postcode,
        v.city,
        v.country,
        v.language,
        v.taxId ?? null,
        v.company === null ? null : this.companies.get(v.company)!,
        typeof payer === 'number' ? payer : null,
        v.externalId,
        v.billingEmail,
        v.renewalEmail,
        v.ccEmails,
        v.noMail ? 1 : 0,
      ];
    };
    const payers: Array<number | 'pending' | null> = [];
    const values: SqlValue[][] = [];
    for (const row of rows) {
      const payer = this.payerOf(row);
      payers.push(payer);
      values.push(memberValues(row, payer));
    }
    const ids = await insertRows(this.bulk, 'members', memberColumns, values, true, stamped(at));
    const fields: SqlValue[][] = [];
    const memberTags: SqlValue[][] = [];
    const notes: SqlValue[][] = [];
    const memberships: SqlValue[][] = [];
    const membershipOwners: number[] = [];
    const membershipPlans: string[] = [];
    const credits: SqlValue[][] = [];
    const creditOwners: number[] = [];
    rows.forEach((row, i) => {
      const id = ids[i]!;
      const v = row.values;
      if (this.options.payerRows.has(row.row)) this.memberOfRow.set(row.row, id);
      if (payers[i] === 'pending') this.pendingPayers.push({ memberId: id, payerRow: (row.payer as { row: number }).row, before: undefined, name: v.name ?? '' });
      for (const [key, value] of v.custom) fields.push([id, key, value]);
      for (const tag of row.tags) memberTags.push([id, this.tagId(tag)]);
      if (v.notes !== null) notes.push([id, v.notes]);
      for (const { plan, values: m } of membershipValuesOf(row, id)) {
        memberships.push(membershipColumns.map((c) => (m[c] ?? null) as SqlValue));
        membershipOwners.push(i);
        membershipPlans.push(plan);
      }
      if (row.credit) {
        const c = row.credit;
        credits.push([id, 'credit', 'import', c.amount, c.currency, c.date, null, null, null, null, c.description, null, at]);
        creditOwners.push(i);
      }
    });
    this.counts.created.members += rows.length;
    await insertRows(this.bulk, 'member_fields', ['member_id', 'key', 'value'], fields);
    await insertRows(this.bulk, 'member_tags', ['member_id', 'tag_id'], memberTags);
    await insertRows(this.bulk, 'notes', ['member_id', 'body'], notes, false, noted(source));
    const membershipIds = await insertRows(this.bulk, 'memberships', membershipColumns, memberships, true, stamped(at));
    // a person's first membership goes in their own audit entry; others (Stripe) get entries of their own
    const membershipOf = new Map<number, number>();
    const moreMemberships: number[] = [];
    membershipOwners.forEach((owner, k) => {
      if (!membershipOf.has(owner)) membershipOf.set(owner, k);
      else moreMemberships.push(k);
    });
    this.counts.created.memberships += membershipIds.length;
    const creditIds = await insertRows(this.bulk, 'ledger_entries', ledgerColumns, credits, true);
    // One entry per person, with the ids created for them. The image is short on purpose: imports write
    // hundreds of thousands of these, the values are in the rows themselves, and an insert has no before-values.
    rows.forEach((row, i) => {
      const v = row.values;
      const image: Record<string, unknown> = { name: v.name };
      if (v.email !== null) image.email = v.email;
      if (v.externalId !== null) image.external_id = v.externalId;
      const k = membershipOf.get(i);
      if (k !== undefined) image.membership = { id: membershipIds[k]!, plan: membershipPlans[k]! };
      this.audits.push({
        action: 'insert',
        entity: 'members',
        entityId: ids[i]!,
        memberId: ids[i]!,
        after: image,
        summary: k === undefined ? 'imported as a contact' : `imported: ${membershipPlans[k]} from ${memberships[k]![membershipColumns.indexOf('start_date')]}, next invoice ${memberships[k]![membershipColumns.indexOf('first_recurring_date')]}`,
      });
    });
    // after the people's own entries, so a person's history shows them first
    for (const k of moreMemberships) {
      this.audits.push({
        action: 'insert',
        entity: 'memberships',
        entityId: membershipIds[k]!,
        memberId: ids[membershipOwners[k]!]!,
        after: { id: membershipIds[k]!, plan: membershipPlans[k]! },
        summary: `membership ${membershipIds[k]} (${membershipPlans[k]}) imported`,
      });
    }
    creditIds.forEach((entryId, k) => {
      const owner = creditOwners[k]!;
      const c = rows[owner]!.credit!;
      this.audits.push({ action: 'insert', entity: 'ledger_entries', entityId: entryId, memberId: ids[owner]!, after: { id: entryId, unit: 'credit', kind: 'import', amount: c.amount, currency: c.currency }, summary: c.description });
    });
    const mandates: MandateToWrite[] = [];
    rows.forEach((row, i) => {
      const v = row.values;
      if (v.iban === null || v.mandateDate === null) return;
      mandates.push({ memberId: ids[i]!, iban: v.iban, bic: v.bic, reference: v.mandateReference, signedOn: v.mandateDate, scheme: v.mandateScheme ?? 'core', next: 1 });
    });
    await this.insertMandates(mandates);
  }

  /** Inserts new mandates (their active ones revoked already), with the references memberctl gives where the file gives none. */
  private async insertMandates(mandates: readonly MandateToWrite[]): Promise<void> {
    if (mandates.length === 0) return;
    const at = this.source.at;
    const reserved = this.options.mandateReferences;
    const unnamed = mandates.filter((m) => m.reference === null);
    const generated = await newReferences(
      this.db,
      unnamed.map((m) => ({ payerId: m.memberId, from: m.next })),
      (reference) => reserved?.has(reference) ?? false,
    );
    let k = 0;
    const references = mandates.map((m) => m.reference ?? generated[k++]!);
    const ids = await insertRows(
      this.bulk,
      'sepa_mandates',
      ['member_id', 'reference', 'iban', 'bic', 'scheme', 'signed_on', 'status'],
      mandates.map((m, i) => [m.memberId, references[i]!, m.iban, m.bic, m.scheme, m.signedOn, 'active']),
      true,
      { revoked_on: null, revoke_reason: null, ...stamped(at) },
    );
    mandates.forEach((m, i) => {
      const after = { id: ids[i]!, member_id: m.memberId, reference: references[i]!, iban: m.iban, bic: m.bic, scheme: m.scheme, signed_on: m.signedOn, status: 'active' };
      this.audits.push({ action: 'insert', entity: 'sepa_mandates', entityId: ids[i]!, memberId: m.memberId, after, summary: `SEPA mandate ${references[i]} (${m.scheme}) signed on ${m.signedOn}, imported` });
    });
    this.counts.created.mandates += mandates.length;
  }

  /** Revokes the active mandates new ones replace, on the import's day. */
  private async revokeReplaced(changes: ReadonlyArray<{ memberId: number; mandate: MandateChange }>): Promise<void> {
    const at = this.source.at;
    const today = this.options.today ?? at.slice(0, 10);
    for (const { memberId, mandate } of changes) {
      const old = mandate.replaces;
      if (old === null) continue;
      const reason = `replaced by the mandate of import ${this.source.batchId}`;
      await this.db.updateTable('sepa_mandates').set({ status: 'revoked', revoked_on: today, revoke_reason: reason, updated_at: at }).where('id', '=', old.id).execute();
      this.audits.push({
        action: 'revoke',
        entity: 'sepa_mandates',
        entityId: old.id,
        memberId,
        before: { status: old.status, revoked_on: old.revoked_on, revoke_reason: old.revoke_reason },
        after: { status: 'revoked', revoked_on: today, revoke_reason: reason },
        summary: `SEPA mandate ${old.reference} revoked on ${today}: ${reason}`,
      });
    }
  }

  private async updateMembers(changes: Array<{ row: CheckedRow; diff: MemberDiff }>): Promise<void> {
    if (changes.length === 0) return;
    const { source } = this;
    const at = source.at;
    for (const { row, diff } of changes) {
      const id = row.match!;
      const memberChanges: Record<string, unknown> = { ...diff.member };
      if (diff.company !== null) memberChanges.company_id = this.companies.get(diff.company)!;
      let memberChanged = Object.keys(memberChanges).length > 0;
      if (memberChanged) {
        await this.db
          .updateTable('members')
          .set({ ...memberChanges, updated_at: at })
          .where('id', '=', id)
          .execute();
      }
      if (diff.payerRow !== null) {
        this.pendingPayers.push({ memberId: id, payerRow: diff.payerRow, before: diff.memberBefore.paid_by_id ?? null, name: row.values.name ?? '' });
        memberChanged = true;
      }
      const fieldsBefore: Record<string, string | null> = {};
      const fieldsAfter: Record<string, string> = {};
      for (const f of diff.fields) {
        fieldsBefore[f.key] = f.before;
        fieldsAfter[f.key] = f.after;
        if (f.before === null) await this.db.insertInto('member_fields').values({ member_id: id, key: f.key, value: f.after }).execute();
        else await this.db.updateTable('member_fields').set({ value: f.after }).where('member_id', '=', id).where('key', '=', f.key).execute();
      }
      if (diff.tags.length > 0) {
        await insertRows(this.bulk, 'member_tags', ['member_id', 'tag_id'], diff.tags.map((t) => [id, this.tagId(t)]));
      }
      let noteId: number | null = null;
      if (diff.note !== null) {
        const ids = await insertRows(this.bulk, 'notes', ['member_id', 'body'], [[id, diff.note]], true, noted(source));
        noteId = ids[0] ?? null;
      }
      if (diff.mandate !== null && !(memberChanged || diff.fields.length > 0 || diff.tags.length > 0 || noteId !== null)) this.counts.updated.members += 1;
      if (memberChanged || diff.fields.length > 0 || diff.tags.length > 0 || noteId !== null) {
        this.counts.updated.members += 1;
        const before: Record<string, unknown> = { ...diff.memberBefore };
        const after: Record<string, unknown> = { ...memberChanges };
        if (diff.fields.length > 0) {
          before.fields = fieldsBefore;
          after.fields = fieldsAfter;
        }
        if (diff.tags.length > 0) after.tags_added = diff.tags.map((t) => this.tagId(t));
        if (noteId !== null) after.note_id = noteId;
        this.audits.push({ action: 'update', entity: 'members', entityId: id, memberId: id, before, after, summary: diff.labels.filter((l) => !l.startsWith(`${headerOf(this.options.layout, 'planName')}:`) && !l.startsWith(`${headerOf(this.options.layout, 'iban')}:`)).join('; ') });
      }
      for (const membership of diff.memberships) {
        if (membership.kind === 'create') {
          const m = membership.after;
          const [membershipId] = await insertRows(this.bulk, 'memberships', membershipColumns, [membershipColumns.map((c) => (m[c] ?? null) as SqlValue)], true, stamped(at));
          this.counts.created.memberships += 1;
          this.audits.push({ action: 'insert', entity: 'memberships', entityId: membershipId!, memberId: id, after: { ...m, id: membershipId }, summary: `membership ${membershipId} (${membership.plan}) imported` });
        } else {
          await this.db
            .updateTable('memberships')
            .set({ ...membership.after, updated_at: at })
            .where('id', '=', membership.id!)
            .execute();
          this.counts.updated.memberships += 1;
          this.audits.push({ action: 'update', entity: 'memberships', entityId: membership.id!, memberId: id, before: membership.before, after: membership.after, summary: `membership ${membership.id} changed by import` });
        }
      }
    }
    // a person has one active mandate: the one replaced is revoked before the new one is added
    const mandates = changes.flatMap(({ row, diff }) => (diff.mandate === null ? [] : [{ memberId: row.match!, mandate: diff.mandate }]));
    await this.revokeReplaced(mandates);
    await this.insertMandates(mandates.map(({ memberId, mandate }) => ({ memberId, iban: mandate.iban, bic: mandate.bic, reference: mandate.reference, signedOn: mandate.signedOn, scheme: mandate.scheme, next: mandate.next })));
  }

  private async writeAudits(): Promise<void> {
    const audits = this.audits;
    if (audits.length === 0) return;
    this.audits = [];
    await insertAudits(this.bulk, this.source, audits);
  }
}
