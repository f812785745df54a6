/**
 * Credits (money, in minor units) and passes (a count) that plans grant per billed period once its invoice is
 * paid, spent oldest grant first, expiring after `credit-validity-months`, frozen while the member is suspended.
 *
 * The ledger is the only truth: every change is an entry and a balance is a sum of entries. Each grant is a lot of
 * its own: the entries that draw on it (use, expire, refund, freeze, unfreeze) point at it with `grant_id`, so
 * what remains of it is its amount plus theirs. Overpayments (invoice-balance.ts) are credit without a grant or
 * an expiry; spending draws on grants first, then on them.
 *
 * Freezing follows the status the jobs recorded for the member (transitions.ts): while it is `suspended`, every
 * grant's remaining amount is held by a `freeze` entry, released by an `unfreeze` entry when it is not any more.
 */
import type { Insertable, Kysely } from 'kysely';
import type { Queryable } from '../../db/connect.js';
import type { Database, LedgerEntriesTable, LedgerEntry, LedgerKind } from '../../db/types.js';
import type { AuditSource } from '../kernel/audit.js';
import { addMonthsAnchored, type IsoDate } from '../kernel/dates.js';
import { formatAmount, type MinorAmount } from '../kernel/money.js';
import { getSetting } from '../kernel/settings.js';

export type LedgerUnit = 'credit' | 'pass';

// local: invoices.ts imports invoice-balance.ts, which imports this module
function* chunks<T>(items: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** A grant with what became of it. */
export interface GrantLot {
  id: number;
  memberId: number;
  unit: LedgerUnit;
  currency: string | null;
  date: IsoDate;
  expiresOn: IsoDate | null;
  invoiceId: number | null;
  granted: number;
  /** what remains after uses, expiry and refund (frozen or not) */
  live: number;
  /** the part of `live` held while the member is suspended */
  frozen: number;
  /** an expiry entry closed it */
  expired: boolean;
}

/** What can be spent of a lot now: what remains and is not frozen. */
export const available = (lot: GrantLot) => lot.live - lot.frozen;

export type EntryFacts = Pick<
  LedgerEntry,
  'id' | 'member_id' | 'unit' | 'kind' | 'amount' | 'currency' | 'date' | 'expires_on' | 'grant_id' | 'invoice_id' | 'description'
>;

/** The lots of the grants among `entries`, with every entry drawing on them applied; oldest first. */
export function lotsOf(entries: readonly EntryFacts[]): GrantLot[] {
  const lots = new Map<number, GrantLot>();
  for (const e of entries) {
    if (e.kind !== 'grant') continue;
    lots.set(e.id, {
      id: e.id,
      memberId: e.member_id,
      unit: e.unit,
      currency: e.currency,
      date: e.date,
      expiresOn: e.expires_on,
      invoiceId: e.invoice_id,
      granted: e.amount,
      live: e.amount,
      frozen: 0,
      expired: false,
    });
  }
  for (const e of entries) {
    const lot = e.grant_id === null ? undefined : lots.get(e.grant_id);
    if (!lot) continue;
    if (e.kind === 'freeze' || e.kind === 'unfreeze') lot.frozen -= e.amount;
    else lot.live += e.amount;
    if (e.kind === 'expire') lot.expired = true;
  }
  return [...lots.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id - b.id));
}

/** A ledger entry to write, before the source's columns are added. */
export interface EntryDraft {
  memberId: number;
  unit: LedgerUnit;
  kind: LedgerKind;
  amount: number;
  currency: string | null;
  date: IsoDate;
  grantId: number | null;
  invoiceId?: number | null;
  expiresOn?: IsoDate | null;
  description: string;
}

/**
 * The entries that close a lot, as of `date`: release what is frozen, then take what remains (`expire` or
 * `refund`). An expiry is written even when nothing remains, so a grant is examined once; a refund only when
 * something remains.
 */
export function closingEntries(lot: GrantLot, kind: 'expire' | 'refund', date: IsoDate, description: string): EntryDraft[] {
  const base = { memberId: lot.memberId, unit: lot.unit, currency: lot.currency, date, grantId: lot.id };
  const entries: EntryDraft[] = [];
  if (lot.frozen > 0) entries.push({ ...base, kind: 'unfreeze', amount: lot.frozen, description: `released: ${description}` });
  if (kind === 'expire' || lot.live > 0) entries.push({ ...base, kind, amount: lot.live > 0 ? -lot.live : 0, description });
  return entries;
}

/** Entries that bring the lots in line with the member being frozen (suspended) or not. */
export function freezeEntries(lots: readonly GrantLot[], frozen: boolean, date: IsoDate): EntryDraft[] {
  const entries: EntryDraft[] = [];
  for (const lot of lots) {
    if (lot.expired) continue;
    const base = { memberId: lot.memberId, unit: lot.unit, currency: lot.currency, date, grantId: lot.id };
    if (frozen && available(lot) > 0) entries.push({ ...base, kind: 'freeze', amount: -available(lot), description: 'frozen while suspended' });
    if (!frozen && lot.frozen > 0) entries.push({ ...base, kind: 'unfreeze', amount: lot.frozen, description: 'released: no longer suspended' });
  }
  return entries;
}

/**
 * Which lots a spending of `amount` draws on: grants oldest first, then the credit without a grant (`pool`).
 * The caller has checked that the balance covers it.
 */
export function allocate(lots: readonly GrantLot[], pool: number, amount: number): Array<{ grantId: number | null; amount: number }> {
  const parts: Array<{ grantId: number | null; amount: number }> = [];
  let left = amount;
  for (const lot of lots) {
    if (left <= 0) break;
    const take = Math.min(left, available(lot));
    if (take <= 0) continue;
    parts.push({ grantId: lot.id, amount: take });
    left -= take;
  }
  if (left > 0) parts.push({ grantId: null, amount: Math.min(left, Math.max(0, pool)) });
  return parts.filter((p) => p.amount > 0);
}

/** The columns a draft gives its entry, whether it is written or only planned (`draftFacts`). */
function draftColumns(d: EntryDraft) {
  return {
    member_id: d.memberId,
    unit: d.unit,
    kind: d.kind,
    amount: d.amount,
    currency: d.currency,
    date: d.date,
    expires_on: d.expiresOn ?? null,
    grant_id: d.grantId,
    invoice_id: d.invoiceId ?? null,
    description: d.description,
  };
}

function entryRow(d: EntryDraft, source: AuditSource, paymentId: number | null = null): Insertable<LedgerEntriesTable> {
  return { ...draftColumns(d), payment_id: paymentId, job_id: source.jobId ?? null, created_at: source.at };
}

/** Writes the entries; `paymentId` names the payment they belong to (what a credit payment drew or gave back). */
export async function writeEntries(db: Queryable, drafts: readonly EntryDraft[], source: AuditSource, paymentId: number | null = null): Promise<void> {
  const rows = drafts.map((d) => entryRow(d, source, paymentId));
  for (const chunk of chunks(rows, 500)) await db.insertInto('ledger_entries').values(chunk).execute();
}

const entryColumns = ['id', 'member_id', 'unit', 'kind', 'amount', 'currency', 'date', 'expires_on', 'grant_id', 'invoice_id', 'description'] as const;

/** The lots of these grants (by grant id), with every entry drawing on them. */
async function lotsOfGrants(db: Queryable, grantIds: readonly number[]): Promise<GrantLot[]> {
  const entries: EntryFacts[] = [];
  for (const chunk of chunks(grantIds, 500)) {
    entries.push(...(await db.selectFrom('ledger_entries').select(entryColumns).where('id', 'in', chunk).execute()));
    entries.push(...(await db.selectFrom('ledger_entries').select(entryColumns).where('grant_id', 'in', chunk).execute()));
  }
  return lotsOf(entries);
}

/** Every ledger entry of these members, oldest first. */
export async function memberEntries(db: Queryable, memberIds: readonly number[]): Promise<EntryFacts[]> {
  const entries: EntryFacts[] = [];
  for (const chunk of chunks(memberIds, 500)) {
    entries.push(...(await db.selectFrom('ledger_entries').select(entryColumns).where('member_id', 'in', chunk).execute()));
  }
  return entries.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.id - b.id));
}

/** Freezes (or releases) the grants of these members: the status step calls it when they move to or from `suspended`. */
export async function setFrozen(db: Queryable, memberIds: readonly number[], frozen: boolean, date: IsoDate, source: AuditSource): Promise<number> {
  if (memberIds.length === 0) return 0;
  const drafts = freezeEntries(lotsOf(await memberEntries(db, memberIds)), frozen, date);
  await writeEntries(db, drafts, source);
  return drafts.length;
}

// ---- granting when an invoice is paid ----

interface LineGrant {
  invoiceId: number;
  number: string;
  memberId: number;
  description: string;
  quantity: number;
  credits: MinorAmount;
  passes: number;
  currency: string;
}

/** The lines of these invoices that grant something, with their plan's credits and passes. */
async function grantingLines(db: Queryable, invoiceIds: readonly number[]): Promise<LineGrant[]> {
  const lines: LineGrant[] = [];
  for (const chunk of chunks(invoiceIds, 500)) {
    const rows = await db
      .selectFrom('invoice_lines as l')
      .innerJoin('invoices as i', 'i.id', 'l.invoice_id')
      // the plan billed (by the name on the line), else the membership's plan if it was renamed since
      .leftJoin('plans as named', 'named.name', 'l.plan_name')
      .leftJoin('memberships as ms', 'ms.id', 'l.membership_id')
      .leftJoin('plans as current', 'current.id', 'ms.plan_id')
      .select([
        'l.invoice_id',
        'i.number',
        'l.member_id',
        'l.description',
        'l.quantity',
        'named.credits as named_credits',
        'named.passes as named_passes',
        'named.currency as named_currency',
        'current.credits as current_credits',
        'current.passes as current_passes',
        'current.currency as current_currency',
      ])
      .where('l.invoice_id', 'in', chunk)
      .where('l.voided', '=', 0)
      .where('l.membership_id', 'is not', null)
      .where('l.member_id', 'is not', null)
      .orderBy('l.id')
      .execute();
    for (const r of rows) {
      const named = r.named_currency !== null;
      const credits = Number((named ? r.named_credits : r.current_credits) ?? 0);
      const passes = Number((named ? r.named_passes : r.current_passes) ?? 0);
      const currency = (named ? r.named_currency : r.current_currency) ?? '';
      if (credits <= 0 && passes <= 0) continue;
      lines.push({ invoiceId: r.invoice_id, number: r.number, memberId: r.member_id!, description: r.description, quantity: r.quantity, credits, passes, currency });
    }
  }
  return lines;
}

/**
 * Grants the credits and passes of these paid invoices' lines to the member of each line: the plan's amounts
 * per billed period, times the line's quantity, expiring `credit-validity-months` after `date`. Once per
 * invoice: a grant already made is not made again; after a refund (the invoice was reopened), paying again
 * grants what was taken back. A member the jobs recorded as suspended gets the grant frozen.
 */
export async function grantForPaidInvoices(db: Queryable, invoiceIds: readonly number[], context: { date: IsoDate; source: AuditSource }): Promise<void> {
  const lines = await grantingLines(db, invoiceIds);
  if (lines.length === 0) return;
  const expiresOn = addMonthsAnchored(context.date, await getSetting(db, 'credit-validity-months'));
  const existing = await lotsOfInvoices(db, [...new Set(lines.map((l) => l.invoiceId))]);
  // what the invoice's grants still count for, per invoice, member and unit: granted minus what refunds took back
  const kept = new Map<string, number>();
  const seen = new Set<string>();
  for (const lot of existing) {
    const key = `${lot.invoiceId}|${lot.memberId}|${lot.unit}`;
    seen.add(key);
    kept.set(key, (kept.get(key) ?? 0) + lot.granted - lot.refunded);
  }

  const drafts: EntryDraft[] = [];
  const due = new Map<string, { line: LineGrant; unit: LedgerUnit; amount: number }>();
  for (const line of lines) {
    for (const unit of ['credit', 'pass'] as const) {
      const amount = (unit === 'credit' ? line.credits : line.passes) * line.quantity;
      if (amount <= 0) continue;
      const key = `${line.invoiceId}|${line.memberId}|${unit}`;
      if (!seen.has(key)) {
        drafts.push(grantDraft(line, unit, amount, context.date, expiresOn, `${line.description} (${line.number})`));
        continue;
      }
      const total = due.get(key);
      due.set(key, { line, unit, amount: (total?.amount ?? 0) + amount });
    }
  }
  for (const [key, { line, unit, amount }] of due) {
    const topUp = amount - (kept.get(key) ?? 0);
    if (topUp > 0) drafts.push(grantDraft(line, unit, topUp, context.date, expiresOn, `${line.number} paid again: granted again what was taken back`));
  }
  if (drafts.length === 0) return;

  const suspended = new Set(
    (
      await db
        .selectFrom('member_statuses')
        .select('member_id')
        .where('member_id', 'in', [...new Set(drafts.map((d) => d.memberId))])
        .where('status', '=', 'suspended')
        .execute()
    ).map((r) => r.member_id),
  );
  const source = context.source;
  for (const draft of drafts) {
    const [row] = await insertEntries(db, [draft], source);
    if (suspended.has(draft.memberId)) {
      await writeEntries(
        db,
        [{ memberId: draft.memberId, unit: draft.unit, kind: 'freeze', amount: -draft.amount, currency: draft.currency, date: draft.date, grantId: row!, description: 'frozen while suspended' }],
        source,
      );
    }
  }
}

function grantDraft(line: LineGrant, unit: LedgerUnit, amount: number, date: IsoDate, expiresOn: IsoDate, description: string): EntryDraft {
  return {
    memberId: line.memberId,
    unit,
    kind: 'grant',
    amount,
    currency: unit === 'credit' ? line.currency : null,
    date,
    grantId: null,
    invoiceId: line.invoiceId,
    expiresOn,
    description,
  };
}

async function insertEntries(db: Queryable, drafts: readonly EntryDraft[], source: AuditSource): Promise<number[]> {
  const ids: number[] = [];
  for (const d of drafts) {
    const row = await db
      .insertInto('ledger_entries')
      .values(entryRow(d, source))
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return ids;
}

/** The grants made for these invoices, with what refunds took back of each. */
async function lotsOfInvoices(db: Queryable, invoiceIds: readonly number[]): Promise<Array<GrantLot & { refunded: number }>> {
  const grantIds: number[] = [];
  for (const chunk of chunks(invoiceIds, 500)) {
    const rows = await db.selectFrom('ledger_entries').select('id').where('invoice_id', 'in', chunk).where('kind', '=', 'grant').execute();
    grantIds.push(...rows.map((r) => r.id));
  }
  if (grantIds.length === 0) return [];
  const refunds = new Map<number, number>();
  for (const chunk of chunks(grantIds, 500)) {
    const rows = await db.selectFrom('ledger_entries').select(['grant_id', 'amount']).where('grant_id', 'in', chunk).where('kind', '=', 'refund').execute();
    for (const r of rows) refunds.set(r.grant_id!, (refunds.get(r.grant_id!) ?? 0) - r.amount);
  }
  return (await lotsOfGrants(db, grantIds)).map((lot) => ({ ...lot, refunded: refunds.get(lot.id) ?? 0 }));
}

/**
 * An invoice that is no longer paid (a payment cancelled, or voided) takes back what remains of the grants it
 * gave; what was already used stays used.
 */
export async function withdrawInvoiceGrants(db: Queryable, invoice: { id: number; number: string }, context: { date: IsoDate; source: AuditSource }): Promise<void> {
  const lots = await lotsOfInvoices(db, [invoice.id]);
  const drafts = lots.flatMap((lot) => closingEntries(lot, 'refund', context.date, `${invoice.number} no longer paid: taken back`));
  await writeEntries(db, drafts, context.source);
}

/** Keeps an invoice's grants in line with its status: granted while paid, taken back otherwise. */
export async function settleInvoiceGrants(
  db: Queryable,
  invoice: { id: number; number: string; status: 'open' | 'paid' | 'void' },
  context: { date: IsoDate; source: AuditSource },
): Promise<void> {
  if (invoice.status === 'paid') await grantForPaidInvoices(db, [invoice.id], context);
  else await withdrawInvoiceGrants(db, invoice, context);
}

// ---- expiry ----

export interface ExpiryResult {
  /** grants of credits and of passes that expired with something left */
  credits: number;
  passes: number;
}

/**
 * Expires every grant whose expiry date is on or before `asOf` and that no expiry or refund has closed yet:
 * what remains of it leaves the balance with an `expire` entry dated on its expiry date. In transactions of a
 * few hundred grants; a rerun finds only what is left (and the database refuses a second expiry of a grant).
 */
export async function expireGrants(
  db: Kysely<Database>,
  asOf: IsoDate,
  options: { dryRun: boolean; source: AuditSource; memberId?: number },
): Promise<ExpiryResult> {
  let query = db
    .selectFrom('ledger_entries as g')
    .select('g.id')
    .where('g.kind', '=', 'grant')
    .where('g.expires_on', '<=', asOf)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('ledger_entries as c').select('c.id').whereRef('c.grant_id', '=', 'g.id').where('c.kind', 'in', ['expire', 'refund']))),
    );
  if (options.memberId !== undefined) query = query.where('g.member_id', '=', options.memberId);
  const grantIds = (await query.orderBy('g.id').execute()).map((r) => r.id);
  const result: ExpiryResult = { credits: 0, passes: 0 };
  for (const chunk of chunks(grantIds, 500)) {
    const write = async (trx: Queryable) => {
      const lots = await lotsOfGrants(trx, chunk);
      const drafts: EntryDraft[] = [];
      for (const lot of lots) {
        if (lot.expired) continue;
        if (lot.live > 0) result[lot.unit === 'credit' ? 'credits' : 'passes'] += 1;
        drafts.push(...closingEntries(lot, 'expire', lot.expiresOn!, `expired: granted ${lot.date}, valid until the day before ${lot.expiresOn}`));
      }
      if (!options.dryRun) await writeEntries(trx, drafts, options.source);
    };
    if (options.dryRun) await write(db);
    else await db.transaction().execute(write);
  }
  return result;
}

// ---- balances and spending ----

export interface Balance {
  unit: LedgerUnit;
  currency: string | null;
  /** the sum of the ledger */
  balance: number;
  /** grants with something left, oldest first */
  lots: GrantLot[];
  /** credit that belongs to no grant (overpayments), net of what was spent from it */
  pool: number;
}

/** Balances of one member's entries by unit and currency (passes have none). */
export function balancesOf(entries: readonly EntryFacts[]): Balance[] {
  const lots = lotsOf(entries);
  const byKey = new Map<string, Balance>();
  const of = (unit: LedgerUnit, currency: string | null) => {
    const key = `${unit}|${currency ?? ''}`;
    let b = byKey.get(key);
    if (!b) {
      b = { unit, currency, balance: 0, lots: [], pool: 0 };
      byKey.set(key, b);
    }
    return b;
  };
  const currencyOfGrant = new Map(lots.map((l) => [l.id, l.currency]));
  for (const e of entries) {
    const currency = e.grant_id === null ? e.currency : (currencyOfGrant.get(e.grant_id) ?? e.currency);
    const b = of(e.unit, e.unit === 'pass' ? null : currency);
    b.balance += e.amount;
    if (e.grant_id === null && e.kind !== 'grant') b.pool += e.amount;
  }
  for (const lot of lots) if (lot.live > 0 && !lot.expired) of(lot.unit, lot.unit === 'pass' ? null : lot.currency).lots.push(lot);
  return [...byKey.values()];
}

export interface SpendInput {
  memberId: number;
  unit: LedgerUnit;
  amount: number;
  /** credits only */
  currency: string | null;
  date: IsoDate;
  description: string | null;
}

/**
 * The `use` entries for spending `amount`, drawing on grants oldest first, then on credit without a grant; null
 * when the balance (the sum of the ledger) does not cover it. Writes nothing.
 */
export function planSpending(entries: readonly EntryFacts[], input: SpendInput): { drafts: EntryDraft[]; balance: number; frozen: number } | { drafts: null; balance: number; frozen: number } {
  const balance = balancesOf(entries).find((b) => b.unit === input.unit && (input.unit === 'pass' || b.currency === input.currency));
  const total = balance?.balance ?? 0;
  const frozen = (balance?.lots ?? []).reduce((sum, lot) => sum + lot.frozen, 0);
  if (!balance || input.amount > total) return { drafts: null, balance: total, frozen };
  const parts = allocate(balance.lots, balance.pool, input.amount);
  if (parts.reduce((sum, p) => sum + p.amount, 0) !== input.amount) return { drafts: null, balance: total, frozen };
  const description = input.description ?? `used ${input.unit === 'credit' ? 'credit' : 'passes'}`;
  return {
    drafts: parts.map((p) => ({
      memberId: input.memberId,
      unit: input.unit,
      kind: 'use' as const,
      amount: -p.amount,
      currency: input.currency,
      date: input.date,
      grantId: p.grantId,
      description,
    })),
    balance: total,
    frozen,
  };
}

/** "12.50 EUR" or "3 passes". */
export function formatUnits(unit: LedgerUnit, amount: number, currency: string | null): string {
  if (unit === 'pass') return `${amount} ${Math.abs(amount) === 1 ? 'pass' : 'passes'}`;
  return `${formatAmount(amount, currency ?? 'EUR')} ${currency ?? ''}`.trim();
}

/** Entries not written yet, as facts `lotsOf` can apply (their ids are never those of grants). */
export function draftFacts(drafts: readonly EntryDraft[]): EntryFacts[] {
  return drafts.map((d, i) => ({ id: -(i + 1), ...draftColumns(d) }));
}

/** The entries the jobs would write for this member before a spending as of `asOf`: expiries, and a release when not suspended. */
export function catchUpEntries(entries: readonly EntryFacts[], asOf: IsoDate, suspended: boolean): EntryDraft[] {
  const lots = lotsOf(entries);
  const drafts: EntryDraft[] = [];
  for (const lot of lots) {
    if (lot.expired || lot.expiresOn === null || lot.expiresOn > asOf) continue;
    drafts.push(...closingEntries(lot, 'expire', lot.expiresOn, `expired: granted ${lot.date}, valid until the day before ${lot.expiresOn}`));
  }
  const after = lotsOf([...entries, ...draftFacts(drafts)]);
  return [...drafts, ...freezeEntries(after, suspended, asOf)];
}

/** The currency a member's credits are counted in: theirs when they have one, else the organisation's. */
export async function creditCurrency(db: Queryable, entries: readonly EntryFacts[]): Promise<string> {
  const currencies = new Set(balancesOf(entries).filter((b) => b.unit === 'credit' && b.currency !== null).map((b) => b.currency!));
  if (currencies.size === 1) return [...currencies][0]!;
  return getSetting(db, 'currency');
}

/**
 * The `credits show --json` document (docs/reference.md): the account's money (the credit of no grant: overpayments,
 * what was paid on void invoices, imports) apart from the plans' credits, with frozen amounts, pass grants and the
 * balances in other currencies. `suspended`, the member's status today, decides what is frozen: all that remains while
 * suspended, nothing otherwise, as spending sees it (the ledger's freeze entries follow at the next job run or
 * spending). Without it, the ledger's freeze entries say.
 */
export async function creditsView(db: Queryable, member: { id: number; name: string }, suspended?: boolean) {
  const entries = await memberEntries(db, [member.id]);
  const currency = await creditCurrency(db, entries);
  const balances = balancesOf(entries);
  const credit = balances.find((b) => b.unit === 'credit' && b.currency === currency);
  const passes = balances.find((b) => b.unit === 'pass');
  const money = (amount: number, c: string | null = currency) => formatAmount(amount, c ?? currency);
  const frozenOf = (l: GrantLot) => (suspended === undefined ? l.frozen : suspended ? l.live : 0);
  const grants = (b: Balance | undefined, show: (n: number) => string | number) =>
    (b?.lots ?? []).map((l) => ({ grantedOn: l.date, granted: show(l.granted), remaining: show(l.live - frozenOf(l)), frozen: show(frozenOf(l)), expiresOn: l.expiresOn }));
  const frozen = (b: Balance | undefined) => (b?.lots ?? []).reduce((sum, l) => sum + frozenOf(l), 0);
  // the ledger's balance leaves out what its freeze entries hold; what is shown leaves out what is frozen today
  const unfrozen = (b: Balance | undefined) => (b?.lots ?? []).reduce((sum, l) => sum + l.frozen, 0) - frozen(b);
  const others = balances.filter((b) => b.unit === 'credit' && b.currency !== currency);
  return {
    member: { id: member.id, name: member.name },
    money: { balance: money(credit?.pool ?? 0), currency },
    credits: {
      balance: money((credit?.balance ?? 0) - (credit?.pool ?? 0) + unfrozen(credit)),
      currency,
      frozen: money(frozen(credit)),
      grants: grants(credit, (n) => money(n)),
    },
    passes: { balance: (passes?.balance ?? 0) + unfrozen(passes), frozen: frozen(passes), grants: grants(passes, (n) => n) },
    otherMoney: others.filter((b) => b.pool !== 0).map((b) => ({ currency: b.currency, balance: money(b.pool, b.currency) })),
    otherCredits: others.filter((b) => b.balance - b.pool !== 0).map((b) => ({ currency: b.currency, balance: money(b.balance - b.pool, b.currency) })),
    ledger: entries
      .filter((e) => e.amount !== 0)
      .map((e) => ({
        date: e.date,
        kind: e.kind,
        unit: e.unit,
        account: e.unit === 'pass' ? ('passes' as const) : e.grant_id === null && e.kind !== 'grant' ? ('money' as const) : ('credits' as const),
        amount: e.unit === 'credit' ? money(e.amount, e.currency) : e.amount,
        currency: e.unit === 'credit' ? (e.currency ?? currency) : null,
        description: e.description,
      })),
  };
}

export type CreditsView = Awaited<ReturnType<typeof creditsView>>;
