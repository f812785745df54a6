import type { Queryable } from '../../db/connect.js';
import type { Plan } from '../../db/types.js';
import { existsError, notFoundError, usageError } from '../../errors.js';
import { type AuditSource, recordAudit } from '../kernel/audit.js';
import type { IsoDate } from '../kernel/dates.js';
import { loadMemberStates } from '../status/member-status.js';
import { formatAmount, isIsoCurrency, parseAmount, parseRate } from '../kernel/money.js';
import { normalizeName, rankByCloseness } from '../kernel/suggest.js';

/** Plan fields as typed by a person (CLI flags or a plans file); every value is text until validated. */
export interface PlanInput {
  name?: string;
  price?: string;
  currency?: string;
  interval?: string;
  every?: string;
  taxRate?: string;
  credits?: string;
  passes?: string;
  autoRenew?: string;
}

export interface PlanValues {
  name: string;
  price: number;
  currency: string;
  interval: 'month' | 'year';
  every: number;
  taxRate: string;
  credits: number;
  passes: number;
  autoRenew: boolean;
}

export type PlanField = keyof PlanInput;

export interface FieldError {
  field: PlanField;
  value: string;
  message: string;
}

/** Interval words as people write them, in English and French (accents and case ignored). */
const intervalWords: Record<string, 'month' | 'year'> = Object.fromEntries([
  ...['month', 'months', 'monthly', 'mois', 'mensuel', 'mensuelle'].map((w) => [w, 'month'] as const),
  ...['year', 'years', 'yearly', 'annual', 'annually', 'an', 'ans', 'annee', 'annuel', 'annuelle'].map((w) => [w, 'year'] as const),
]);

const yes = ['yes', 'y', 'true', '1', 'oui', 'on'];
const no = ['no', 'n', 'false', '0', 'non', 'off'];

/** Why an amount is refused, in words: the reader's own message, or how to write one when the text is no amount at all. */
function amountRefusal(failure: { reason: string; message: string }): string {
  return failure.reason === 'invalid' || failure.reason === 'empty' ? 'not an amount; write it like 49, 49.50 or 49,50' : failure.message;
}

/** Validates plan fields; `base` supplies the values not given (defaults for a new plan, the plan itself for an edit). Never throws. */
export function validatePlanInput(input: PlanInput, base: PlanValues): { values: PlanValues; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const values: PlanValues = { ...base };
  const fail = (field: PlanField, value: string, message: string) => errors.push({ field, value, message });

  if (input.name !== undefined) {
    const name = input.name.trim();
    if (name === '') fail('name', input.name, 'a plan needs a name');
    else if (name.length > 200) fail('name', input.name, 'a plan name is at most 200 characters');
    values.name = name;
  }
  if (input.currency !== undefined) {
    const currency = input.currency.trim().toUpperCase();
    if (!isIsoCurrency(currency)) fail('currency', input.currency, 'expected an ISO 4217 currency code such as EUR, USD, GBP or CHF');
    else values.currency = currency;
  }
  if (input.price !== undefined) {
    const parsed = parseAmount(input.price, values.currency);
    if (!parsed.ok) fail('price', input.price, amountRefusal(parsed));
    else if (parsed.value < 0) fail('price', input.price, 'a price cannot be negative');
    else values.price = parsed.value;
  }
  if (input.interval !== undefined) {
    const normal = intervalWords[normalizeName(input.interval)];
    if (!normal) fail('interval', input.interval, 'expected month or year');
    else values.interval = normal;
  }
  if (input.every !== undefined) {
    const text = input.every.trim();
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1 || n > 120) fail('every', input.every, 'expected a whole number from 1 to 120');
    else values.every = n;
  }
  if (input.taxRate !== undefined) {
    const parsed = parseRate(input.taxRate.replace(/%\s*$/, ''));
    if (!parsed.ok) fail('taxRate', input.taxRate, parsed.reason === 'too_many_decimals' ? parsed.message : 'expected a percentage from 0 to 100 such as 20 or 5.5');
    else values.taxRate = parsed.value;
  }
  if (input.credits !== undefined) {
    const parsed = input.credits.trim() === '' ? ({ ok: true, value: 0 } as const) : parseAmount(input.credits, values.currency);
    if (!parsed.ok) fail('credits', input.credits, amountRefusal(parsed));
    else if (parsed.value < 0) fail('credits', input.credits, 'credits cannot be negative');
    else values.credits = parsed.value;
  }
  if (input.passes !== undefined) {
    const text = input.passes.trim() === '' ? '0' : input.passes.trim();
    if (!/^\d+$/.test(text) || Number(text) > 10_000) fail('passes', input.passes, 'expected a whole number from 0 to 10000');
    else values.passes = Number(text);
  }
  if (input.autoRenew !== undefined) {
    const v = input.autoRenew.trim().toLowerCase();
    if (yes.includes(v)) values.autoRenew = true;
    else if (no.includes(v)) values.autoRenew = false;
    else fail('autoRenew', input.autoRenew, 'expected yes or no');
  }
  return { values, errors };
}

export function defaultPlanValues(currency: string): PlanValues {
  return { name: '', price: 0, currency, interval: 'month', every: 1, taxRate: '0', credits: 0, passes: 0, autoRenew: true };
}

export function planValues(plan: Plan): PlanValues {
  return {
    name: plan.name,
    price: plan.price,
    currency: plan.currency,
    interval: plan.interval,
    every: plan.every,
    taxRate: plan.tax_rate,
    credits: plan.credits,
    passes: plan.passes,
    autoRenew: plan.auto_renew === 1,
  };
}

/** The documented `--json` shape of a plan (docs/reference.md). */
export function planJson(plan: Plan) {
  return {
    name: plan.name,
    price: formatAmount(plan.price, plan.currency),
    currency: plan.currency,
    interval: plan.interval,
    every: plan.every,
    taxRate: plan.tax_rate,
    credits: formatAmount(plan.credits, plan.currency),
    passes: plan.passes,
    autoRenew: plan.auto_renew === 1,
    archived: plan.archived === 1,
  };
}

const toRow = (v: PlanValues) => ({
  name: v.name,
  price: v.price,
  currency: v.currency,
  interval: v.interval,
  every: v.every,
  tax_rate: v.taxRate,
  credits: v.credits,
  passes: v.passes,
  auto_renew: v.autoRenew ? (1 as const) : (0 as const),
});

export async function listPlans(db: Queryable, options: { includeArchived?: boolean } = {}): Promise<Plan[]> {
  let query = db.selectFrom('plans').selectAll().orderBy('name');
  if (!options.includeArchived) query = query.where('archived', '=', 0);
  return query.execute();
}

export async function findPlan(db: Queryable, name: string): Promise<Plan | undefined> {
  return db.selectFrom('plans').selectAll().where('name', '=', name.trim()).executeTakeFirst();
}

/** The plan with exactly this name (after trimming), or a 65 naming the closest plans. */
export async function requirePlan(db: Queryable, name: string): Promise<Plan> {
  const plan = await findPlan(db, name);
  if (plan) return plan;
  const names = (await db.selectFrom('plans').select('name').execute()).map((p) => p.name);
  const close = rankByCloseness(name, names, 3);
  throw notFoundError(
    `no plan named "${name.trim()}"`,
    close.length > 0 ? `did you mean ${close.map((n) => `"${n}"`).join(' or ')}?` : 'see `memberctl plans list`',
  );
}

function firstError(errors: FieldError[]): never {
  const e = errors[0]!;
  throw usageError(`${flagName(e.field)}: "${e.value}": ${e.message}`);
}

export function flagName(field: PlanField): string {
  return `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

export async function addPlan(db: Queryable, input: PlanInput, defaultCurrency: string, source: AuditSource): Promise<Plan> {
  const { values, errors } = validatePlanInput(input, defaultPlanValues(defaultCurrency));
  if (errors.length > 0) firstError(errors);
  return insertPlan(db, values, source);
}

export async function insertPlan(db: Queryable, values: PlanValues, source: AuditSource): Promise<Plan> {
  if (await findPlan(db, values.name)) {
    throw existsError(`a plan named "${values.name}" already exists`, 'use `memberctl plans edit` to change it');
  }
  const plan = await db
    .insertInto('plans')
    .values({ ...toRow(values), archived: 0, created_at: source.at, updated_at: source.at })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(db, source, { action: 'insert', entity: 'plans', entityId: plan.id, after: plan, summary: `plan ${plan.name} added` });
  return plan;
}

export interface PlanEdit {
  plan: Plan;
  /** the plan's values once edited */
  values: PlanValues;
  /** the fields whose value the edit changes; none when it changes nothing */
  changed: PlanField[];
}

/** Validates an edit without writing it: a 64 for a bad value, a 65 for an unknown plan or a name taken. */
export async function preparePlanEdit(db: Queryable, name: string, input: PlanInput): Promise<PlanEdit> {
  const plan = await requirePlan(db, name);
  const before = planValues(plan);
  const { values, errors } = validatePlanInput(input, before);
  if (errors.length > 0) firstError(errors);
  if (values.name !== plan.name && (await findPlan(db, values.name))) {
    throw existsError(`a plan named "${values.name}" already exists`);
  }
  const changed = (Object.keys(values) as PlanField[]).filter((field) => values[field] !== before[field]);
  return { plan, values, changed };
}

/** Applies an edit; a plan the edit would not change is not written (nor audited). */
export async function editPlan(db: Queryable, name: string, input: PlanInput, source: AuditSource): Promise<{ plan: Plan; changed: boolean }> {
  const edit = await preparePlanEdit(db, name, input);
  if (edit.changed.length === 0) return { plan: edit.plan, changed: false };
  return { plan: await updatePlanRow(db, edit.plan, toRow(edit.values), source), changed: true };
}

/** The fields that decide what a membership's next invoice bills, apart from the price. */
const billingTermFields: readonly PlanField[] = ['currency', 'interval', 'every'];

export interface BillingTermsChange {
  /** memberships on the plan that have not ended as of the given day: their next invoice uses the new terms */
  memberships: number;
  /** the earliest next invoice date among them */
  firstInvoiceDate: IsoDate;
  before: string;
  after: string;
}

/**
 * What an edit that changes the plan's currency, interval or every does to the memberships already on it, as of
 * `asOf`; null when the edit changes none of those or no membership that has not ended uses the plan.
 */
export async function billingTermsChange(db: Queryable, edit: PlanEdit, asOf: IsoDate): Promise<BillingTermsChange | null> {
  if (!edit.changed.some((field) => billingTermFields.includes(field))) return null;
  const current = await currentMemberships(db, edit.plan.id, asOf);
  if (current.length === 0) return null;
  const firstInvoiceDate = current.map((m) => m.next_invoice_date).sort()[0]!;
  return { memberships: current.length, firstInvoiceDate, before: billingTerms(planValues(edit.plan)), after: billingTerms(edit.values) };
}

/** Who a new plan price reaches: the memberships on the plan that have not ended, by whether they follow its price. */
export interface PriceFollowers {
  /** billed the plan's price: the new one from their next invoice */
  followPlanPrice: number;
  /** with a price of their own (`memberships set --price`): the new plan price does not change what they pay */
  ownPrice: number;
}

/** What an edit that changes the plan's price does as of `asOf`; null when it does not change the price. */
export async function priceFollowers(db: Queryable, edit: PlanEdit, asOf: IsoDate): Promise<PriceFollowers | null> {
  if (!edit.changed.includes('price')) return null;
  const current = await currentMemberships(db, edit.plan.id, asOf);
  const own = current.filter((m) => m.price !== null).length;
  return { followPlanPrice: current.length - own, ownPrice: own };
}

/** The memberships on the plan that have not ended as of `asOf`. */
async function currentMemberships(db: Queryable, planId: number, asOf: IsoDate) {
  const memberIds = (await db.selectFrom('memberships').select('member_id').distinct().where('plan_id', '=', planId).execute()).map((m) => m.member_id);
  const states = await loadMemberStates(db, asOf, { memberIds });
  return [...states.values()]
    .flatMap((state) => state.memberships)
    .filter((m) => m.membership.plan_id === planId && m.detail.status !== 'ended')
    .map((m) => m.membership);
}

/** `110.00 EUR every month`, `300.00 CHF every 3 years` */
function billingTerms(values: PlanValues): string {
  const cycle = values.every === 1 ? values.interval : `${values.every} ${values.interval}s`;
  return `${formatAmount(values.price, values.currency)} ${values.currency} every ${cycle}`;
}

export async function replacePlanValues(db: Queryable, plan: Plan, values: PlanValues, source: AuditSource): Promise<Plan> {
  return updatePlanRow(db, plan, toRow(values), source);
}

export async function archivePlan(db: Queryable, name: string, archived: boolean, source: AuditSource): Promise<Plan> {
  const plan = await requirePlan(db, name);
  return updatePlanRow(db, plan, { archived: archived ? 1 : 0 }, source);
}

async function updatePlanRow(db: Queryable, plan: Plan, changes: Partial<Plan>, source: AuditSource): Promise<Plan> {
  const updated = await db
    .updateTable('plans')
    .set({ ...changes, updated_at: source.at })
    .where('id', '=', plan.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(db, source, {
    action: 'update',
    entity: 'plans',
    entityId: plan.id,
    before: plan,
    after: updated,
    summary: `plan ${updated.name} changed`,
  });
  return updated;
}
