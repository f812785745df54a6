/**
 * Loads what the status rules (status.ts) need for many members at once: three queries whatever the number of
 * members, so listing or filtering 100k members never runs a query per member.
 */
import type { Queryable } from '../../db/connect.js';
import type { Membership } from '../../db/types.js';
import type { IsoDate } from '../kernel/dates.js';
import { getSetting } from '../kernel/settings.js';
import {
  type BilledPeriod,
  explainMembershipStatus,
  type MemberStatus,
  type MembershipFacts,
  type MembershipStatusDetail,
  memberStatus,
  type StatusRules,
} from './status.js';

/** The membership columns statuses and lists need. */
export const membershipColumns = [
  'id',
  'member_id',
  'plan_id',
  'quantity',
  'start_date',
  'next_invoice_date',
  'covered_until',
  'end_date',
  'auto_renew',
  'auto_renew_until',
  'do_not_renew',
  'price',
] as const;

export type MembershipRow = Pick<Membership, (typeof membershipColumns)[number]>;

export interface MembershipWithPlan extends MembershipRow {
  plan_name: string;
  /** the plan's price and currency: the membership's `price`, when null, follows this one */
  plan_price: number;
  plan_currency: string;
}

export interface MembershipState {
  membership: MembershipWithPlan;
  detail: MembershipStatusDetail;
}

export interface MemberState {
  status: MemberStatus;
  /** the member's memberships, oldest start first */
  memberships: MembershipState[];
  /** the memberships the person is a delegate of (company seats, billing/delegates.ts); absent: none */
  delegated?: MembershipState[];
}

/** Above this many members, everything is loaded and filtered in memory rather than in chunks of ids. */
const loadAllAbove = 5_000;
/** ids per `in (...)` list: far below SQLite's and PostgreSQL's bound-parameter limits */
const chunkSize = 500;

export async function statusRules(db: Queryable): Promise<StatusRules> {
  return { graceDays: await getSetting(db, 'grace-days') };
}

/** Runs `fn` over `ids` in chunks and concatenates the results. */
export async function inChunks<T>(ids: readonly number[], fn: (chunk: number[]) => Promise<T[]>, size = chunkSize): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += size) out.push(...(await fn(ids.slice(i, i + size))));
  return out;
}

/**
 * Status of every member in `memberIds` (every member when omitted) as of `asOf`. Members without a
 * membership are `contact`; a member id that does not exist is simply absent from the facts (and `contact`).
 */
export async function loadMemberStates(
  db: Queryable,
  asOf: IsoDate,
  options: { memberIds?: readonly number[]; rules?: StatusRules; withoutDelegates?: boolean } = {},
): Promise<Map<number, MemberState>> {
  const rules = options.rules ?? (await statusRules(db));
  const memberships = await loadMemberships(db, options.memberIds);
  const membershipIds = options.memberIds === undefined || options.memberIds.length > loadAllAbove ? undefined : memberships.map((m) => m.id);
  const { billed, through } = await loadBilling(db, asOf, membershipIds);
  const decisions = await loadRenewalDecisions(db, membershipIds);
  const pauses = await loadPauses(db, asOf, membershipIds);

  const states = new Map<number, MemberState>();
  for (const id of options.memberIds ?? []) states.set(id, { status: 'contact', memberships: [] });
  for (const membership of memberships) {
    const facts = { ...membershipFacts(membership, billed.get(membership.id) ?? [], through.get(membership.id) ?? null, decisions.get(membership.id)), pauses: pauses.get(membership.id) };
    const detail = explainMembershipStatus(facts, asOf, rules);
    let state = states.get(membership.member_id);
    if (!state) {
      state = { status: 'contact', memberships: [] };
      states.set(membership.member_id, state);
    }
    state.memberships.push({ membership, detail });
  }
  if (!options.withoutDelegates) await addDelegations(db, asOf, rules, states, options.memberIds);
  for (const state of states.values()) state.status = memberStatus([...state.memberships, ...(state.delegated ?? [])].map((m) => m.detail.status));
  return states;
}

/**
 * A delegate is a member through the membership that names them: each person's memberships as a delegate (in
 * force) join their state as `delegated`, with the membership's own status. Memberships of holders not loaded
 * are loaded for it.
 */
async function addDelegations(db: Queryable, asOf: IsoDate, rules: StatusRules, states: Map<number, MemberState>, memberIds: readonly number[] | undefined): Promise<void> {
  const query = (ids?: number[]) => {
    let q = db.selectFrom('delegates').select(['membership_id', 'member_id']).where('removed_at', 'is', null);
    if (ids) q = q.where('member_id', 'in', ids);
    return q.orderBy('id').execute();
  };
  const rows = memberIds === undefined ? await query() : await inChunks([...memberIds], query);
  if (rows.length === 0) return;
  const byId = new Map<number, MembershipState>();
  for (const state of states.values()) for (const m of state.memberships) byId.set(m.membership.id, m);
  const missing = [...new Set(rows.map((r) => r.membership_id).filter((id) => !byId.has(id)))];
  if (missing.length > 0) {
    const holders = await inChunks(missing, (ids) => db.selectFrom('memberships').select('member_id').where('id', 'in', ids).execute());
    const holderStates = await loadMemberStates(db, asOf, { memberIds: [...new Set(holders.map((h) => h.member_id))], rules, withoutDelegates: true });
    for (const state of holderStates.values()) for (const m of state.memberships) byId.set(m.membership.id, m);
  }
  for (const row of rows) {
    const membership = byId.get(row.membership_id);
    if (!membership) continue;
    let state = states.get(row.member_id);
    if (!state) {
      state = { status: 'contact', memberships: [] };
      states.set(row.member_id, state);
    }
    if (state.delegated) state.delegated.push(membership);
    else state.delegated = [membership];
  }
}

/** The status of one member and their memberships. */
export async function loadMemberState(db: Queryable, memberId: number, asOf: IsoDate, rules?: StatusRules): Promise<MemberState> {
  const states = await loadMemberStates(db, asOf, { memberIds: [memberId], rules });
  return states.get(memberId) ?? { status: 'contact', memberships: [] };
}

/** The renewals decided for a membership's terms: only those not billed yet (from the next invoice date on) matter. */
export interface RenewalDecisions {
  refusedTerms: IsoDate[];
  acceptedTerms: IsoDate[];
}

export function membershipFacts(
  m: MembershipRow,
  billed: readonly BilledPeriod[],
  billedThrough: IsoDate | null,
  decisions?: RenewalDecisions,
): MembershipFacts {
  const pending = (terms: readonly IsoDate[] | undefined) => (terms ?? []).some((t) => t >= m.next_invoice_date);
  return {
    renewalRefused: pending(decisions?.refusedTerms),
    renewalAccepted: (decisions?.acceptedTerms ?? []).includes(m.next_invoice_date),
    startDate: m.start_date,
    endDate: m.end_date,
    autoRenew: m.auto_renew === 1,
    autoRenewUntil: m.auto_renew_until,
    doNotRenew: m.do_not_renew === 1,
    nextInvoiceDate: m.next_invoice_date,
    coveredUntil: m.covered_until,
    billed,
    billedThrough,
  };
}

async function loadMemberships(db: Queryable, memberIds: readonly number[] | undefined): Promise<MembershipWithPlan[]> {
  // no join or ORDER BY: SQLite would read the table in index order, far slower than sorting here
  const query = (ids?: number[]) => {
    let q = db.selectFrom('memberships').select(membershipColumns);
    if (ids) q = q.where('memberships.member_id', 'in', ids);
    return q.execute();
  };
  let rows: MembershipRow[];
  if (memberIds === undefined) rows = await query();
  else if (memberIds.length === 0) return [];
  else if (memberIds.length > loadAllAbove) {
    const wanted = new Set(memberIds);
    rows = (await query()).filter((m) => wanted.has(m.member_id));
  } else rows = await inChunks(memberIds, query);
  const plans = new Map((await db.selectFrom('plans').select(['id', 'name', 'price', 'currency']).execute()).map((p) => [p.id, p]));
  return rows
    .map((m) => {
      const plan = plans.get(m.plan_id);
      return { ...m, plan_name: plan?.name ?? '', plan_price: plan?.price ?? 0, plan_currency: plan?.currency ?? 'EUR' };
    })
    .sort((a, b) => (a.start_date < b.start_date ? -1 : a.start_date > b.start_date ? 1 : a.id - b.id));
}

/** The pauses (not cancelled) containing `asOf`, by membership: the only ones a status as of `asOf` needs. */
async function loadPauses(db: Queryable, asOf: IsoDate, membershipIds: number[] | undefined): Promise<Map<number, { start: IsoDate; end: IsoDate }[]>> {
  const query = (ids?: number[]) => {
    let q = db
      .selectFrom('pauses')
      .select(['membership_id', 'start_date', 'end_date'])
      .where('cancelled_at', 'is', null)
      .where('start_date', '<=', asOf)
      .where((eb) => eb.or([eb('end_date', 'is', null), eb('end_date', '>=', asOf)]));
    if (ids) q = q.where('membership_id', 'in', ids);
    return q.execute();
  };
  const rows = membershipIds ? await inChunks(membershipIds, query) : await query();
  const pauses = new Map<number, { start: IsoDate; end: IsoDate }[]>();
  for (const row of rows) pauses.set(row.membership_id, [...(pauses.get(row.membership_id) ?? []), { start: row.start_date, end: row.end_date ?? '9999-12-31' }]);
  return pauses;
}

/** Accepted and refused renewals of terms not billed yet, by membership. */
async function loadRenewalDecisions(db: Queryable, membershipIds: number[] | undefined): Promise<Map<number, RenewalDecisions>> {
  const query = (ids?: number[]) => {
    let q = db
      .selectFrom('renewals as r')
      .innerJoin('memberships as ms', 'ms.id', 'r.membership_id')
      .select(['r.membership_id', 'r.term_start', 'r.status'])
      .where('r.status', 'in', ['accepted', 'refused'])
      .whereRef('r.term_start', '>=', 'ms.next_invoice_date');
    if (ids) q = q.where('r.membership_id', 'in', ids);
    return q.execute();
  };
  const rows = membershipIds ? await inChunks(membershipIds, query) : await query();
  const decisions = new Map<number, RenewalDecisions>();
  for (const row of rows) {
    let d = decisions.get(row.membership_id);
    if (!d) {
      d = { refusedTerms: [], acceptedTerms: [] };
      decisions.set(row.membership_id, d);
    }
    (row.status === 'refused' ? d.refusedTerms : d.acceptedTerms).push(row.term_start);
  }
  return decisions;
}

/**
 * Billed periods that can decide a status as of `asOf` (open invoices, and lines ending on or after it),
 * and for every membership the last day before `asOf` its other non-void lines cover.
 */
async function loadBilling(
  db: Queryable,
  asOf: IsoDate,
  membershipIds: number[] | undefined,
): Promise<{ billed: Map<number, BilledPeriod[]>; through: Map<number, IsoDate> }> {
  const lines = (ids?: number[]) => {
    let q = db
      .selectFrom('invoice_lines as l')
      .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
      .select(['l.membership_id', 'l.period_start', 'l.period_end', 'i.status', 'i.due_date'])
      .where('l.voided', '=', 0)
      .where('i.status', '<>', 'void')
      .where('l.membership_id', 'is not', null)
      .where((eb) => eb.or([eb('i.status', '=', 'open'), eb('l.period_end', '>=', asOf)]));
    if (ids) q = q.where('l.membership_id', 'in', ids);
    return q.execute();
  };
  const ends = (ids?: number[]) => {
    let q = db
      .selectFrom('invoice_lines as l')
      .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
      .select((eb) => ['l.membership_id', eb.fn.max('l.period_end').as('through')])
      .where('l.voided', '=', 0)
      .where('i.status', '<>', 'void')
      .where('l.membership_id', 'is not', null)
      .where('l.period_end', '<', asOf)
      .groupBy('l.membership_id');
    if (ids) q = q.where('l.membership_id', 'in', ids);
    return q.execute();
  };
  const lineRows = membershipIds ? await inChunks(membershipIds, lines) : await lines();
  const endRows = membershipIds ? await inChunks(membershipIds, ends) : await ends();

  const billed = new Map<number, BilledPeriod[]>();
  for (const row of lineRows) {
    if (row.membership_id === null || row.status === 'void') continue;
    const list = billed.get(row.membership_id) ?? [];
    list.push({ start: row.period_start, end: row.period_end, invoiceStatus: row.status, dueDate: row.due_date });
    billed.set(row.membership_id, list);
  }
  const through = new Map<number, IsoDate>();
  for (const row of endRows) if (row.membership_id !== null && row.through) through.set(row.membership_id, String(row.through));
  return { billed, through };
}
