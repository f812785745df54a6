/**
 * Stripe customers and subscriptions as memberctl members and memberships (docs/stripe.md, "What is imported"), with
 * every problem the files show on their own. Pure: the plans come in through the resolver, the database is not
 * read here; matching people already in the database is the import's job.
 *
 * The unit of an import is a customer with its imported subscriptions: an error on the customer or on one of
 * those subscriptions keeps the whole unit out (with `--on-error skip` it goes to the rejects files), so a
 * person is never imported without the membership the files give them.
 */
import type { StripeCustomer, StripeFile, StripePrice, StripeSubscription } from '../../importers/stripe/records.js';
import { duePeriods } from '../billing/rules.js';
import type { IsoDate } from '../kernel/dates.js';
import { isEmail, looksLikePhone } from '../import/values.js';
import { type MembershipSchedule, planMembership } from '../billing/memberships.js';
import { formatAmount, type MinorAmount } from '../kernel/money.js';
import { type Problem, problem } from '../kernel/problems.js';
import { emailKey } from '../people/refs.js';
import type { Plan } from '../../db/types.js';
import { keptPrice, type PlanResolver, priceDifferences } from './price-plans.js';
import { plural } from '../kernel/words.js';

/** A problem of a Stripe import names the file it is about: the import reads up to three. */
export interface StripeProblem extends Problem {
  file: string;
}

/** Subscription statuses that become memberships; every other known status is counted, not imported. */
export const importedStatuses = ['active', 'trialing', 'past_due', 'paused'] as const;
export const skippedStatuses = ['canceled', 'incomplete_expired', 'unpaid', 'incomplete'] as const;

export const delinquentTag = 'Stripe/Delinquent';

export interface StripeMembership {
  subscriptionId: string;
  /** row in the subscriptions file */
  row: number;
  priceId: string;
  status: string;
  plan: Plan;
  schedule: MembershipSchedule;
  startDate: IsoDate;
  /** Current Period End (trialing: Trial End) */
  nextInvoiceDate: IsoDate;
  quantity: number;
  /** the subscription's own price when it is not the plan's (`keptPrice`); null: the plan's price */
  price: number | null;
  doNotRenew: boolean;
}

export interface StripeMember {
  /** the Stripe customer id; null for a guest customer */
  externalId: string | null;
  name: string;
  email: string | null;
  emailKey: string | null;
  phone: string | null;
  address: string | null;
  taxId: string | null;
  note: string | null;
  custom: Array<[key: string, value: string]>;
  tags: string[];
  /** credit the organisation owes the member (Stripe's negative balance), as a positive amount */
  credit: { amount: MinorAmount; currency: string } | null;
}

export interface StripeUnit {
  /** row in the customers file; null for a subscription whose customer is not in it */
  customerRow: number | null;
  /** null when the unit cannot be imported at all (no name, or no customer) */
  member: StripeMember | null;
  memberships: StripeMembership[];
  /** the subscriptions of the unit that were to be imported (their rows go to the rejects file with it) */
  subscriptionRows: number[];
  problems: StripeProblem[];
  hasErrors: boolean;
}

export interface StripeMappingInput {
  customers: StripeFile<StripeCustomer>;
  subscriptions: StripeFile<StripeSubscription> | null;
  prices: StripeFile<StripePrice> | null;
  resolver: PlanResolver;
  /** the date the import acts as of */
  today: IsoDate;
  /** the billing-day setting (the schedule of a membership needs it; imports always give the next invoice date) */
  billingDay: number;
}

export interface StripeMapping {
  units: StripeUnit[];
  /** file-level problems of the three files, and one `unsupported_status` summary per status */
  fileProblems: StripeProblem[];
  /** subscriptions not imported, by status */
  notImported: Record<string, number>;
}

const listRows = (rows: readonly number[]) =>
  `${rows.length === 1 ? 'row' : 'rows'} ${rows.length <= 10 ? rows.join(', ') : `${rows.slice(0, 10).join(', ')}… and ${rows.length - 10} more`}`;

function withFile(file: string, problems: readonly Problem[]): StripeProblem[] {
  return problems.map((p) => ({ ...p, file }));
}

/** A column's header as the file writes it (`Start (UTC)` in older exports), for problems. */
export function headerIn(source: StripeFile<unknown> | null, key: string): string {
  const columns = source?.export.columns ?? [];
  const position = (source?.export.index as Record<string, number | undefined> | undefined)?.[key];
  if (source && position !== undefined) return source.export.table.headers[position]!;
  return columns.find((c) => c.key === key)?.headers[0] ?? key;
}

/**
 * The characters that cannot be imported in a price's cells. A price is never imported itself (its other problems
 * only keep it from naming a plan), but a damaged prices export is the user's to know about.
 */
const unreadableCharacters = (price: StripePrice): Problem[] => price.problems.filter((p) => p.code === 'replacement_character' || p.code === 'control_character');

/** Maps the files to import units. Never throws: problems are returned with their unit. */
export function mapStripe(input: StripeMappingInput): StripeMapping {
  const { customers, subscriptions, today } = input;
  const fileProblems: StripeProblem[] = [
    ...withFile(customers.file, customers.problems),
    ...(subscriptions ? withFile(subscriptions.file, subscriptions.problems) : []),
    ...(input.prices ? withFile(input.prices.file, [...input.prices.problems, ...input.prices.records.flatMap(unreadableCharacters)]) : []),
  ];
  const customerFile = customers.file;
  const subscriptionFile = subscriptions?.file ?? '';

  // subscriptions by customer id, and the statuses that are not imported
  const byCustomer = new Map<string, StripeSubscription[]>();
  const skipped = new Map<string, number[]>();
  const orphans: StripeUnit[] = [];
  const customerIds = new Set(customers.records.map((c) => c.id).filter((id): id is string => id !== null));
  // subscription id -> its first row, whatever its status: a subscription id is its membership's external id
  const firstBySubscription = new Map<string, number>();
  for (const s of subscriptions?.records ?? []) {
    const status = s.status;
    const earlier = s.id === null ? undefined : firstBySubscription.get(s.id);
    if (s.id !== null && earlier === undefined) firstBySubscription.set(s.id, s.row);
    if (status !== null && (skippedStatuses as readonly string[]).includes(status)) {
      const rows = skipped.get(status) ?? [];
      rows.push(s.row);
      skipped.set(status, rows);
      continue;
    }
    const problems = withFile(subscriptionFile, s.problems);
    const column = (key: string) => headerIn(subscriptions, key);
    const fail = (column: string, code: Problem['code'], message: string, value: string | null = null) =>
      problems.push({ ...problem({ row: s.row, column, value, code, severity: 'error', message }), file: subscriptionFile });
    if (status === null) fail(column('status'), 'required', 'the subscription has no status');
    else if (!(importedStatuses as readonly string[]).includes(status)) {
      fail(column('status'), 'invalid_value', `"${status}" is not a Stripe subscription status (${[...importedStatuses, ...skippedStatuses].join(', ')})`, status);
    }
    if (earlier !== undefined) {
      fail(column('id'), 'duplicate_member', `subscription ${s.id} is already on row ${earlier}: one subscription is one membership; remove the repeated row`, s.id);
    }
    if (s.customerId === null) fail(column('customerId'), 'required', 'the subscription has no customer id');
    else if (!customerIds.has(s.customerId)) {
      fail(column('customerId'), 'unknown_customer', `customer ${s.customerId} is not in the customers file ${customerFile}: export the customers again, or leave the subscription out`, s.customerId);
    }
    if (problems.length > 0 && (s.customerId === null || !customerIds.has(s.customerId))) {
      orphans.push({ customerRow: null, member: null, memberships: [], subscriptionRows: [s.row], problems, hasErrors: true });
      continue;
    }
    // problems of a subscription whose customer is known travel with that customer's unit
    const list = byCustomer.get(s.customerId!) ?? [];
    list.push({ ...s, problems });
    byCustomer.set(s.customerId!, list);
  }
  const notImported: Record<string, number> = {};
  for (const status of skippedStatuses) {
    const rows = skipped.get(status);
    if (!rows) continue;
    notImported[status] = rows.length;
    fileProblems.push({
      ...problem({
        column: headerIn(subscriptions, 'status'),
        value: status,
        code: 'unsupported_status',
        severity: 'warning',
        message: `${plural(rows.length, 'subscription')} ${rows.length === 1 ? 'is' : 'are'} ${status.replace('_', ' ')}: not imported (${listRows(rows)})`,
      }),
      file: subscriptionFile,
    });
  }

  const firstById = new Map<string, number>();
  const firstByEmail = new Map<string, number>();
  const units: StripeUnit[] = [];
  for (const c of customers.records) {
    const problems = withFile(customerFile, c.problems);
    const report = (key: string, code: Problem['code'], severity: Problem['severity'], message: string, value: string | null, suggestion: string | null = null) =>
      problems.push({ ...problem({ row: c.row, column: headerIn(customers, key), value, code, severity, message, suggestion }), file: customerFile });

    if (c.id !== null) {
      const first = firstById.get(c.id);
      if (first !== undefined) report('id', 'duplicate_member', 'error', `customer ${c.id} is already on row ${first}`, c.id);
      else firstById.set(c.id, c.row);
    }
    let email: string | null = null;
    if (c.email !== null) {
      const address = c.email.replace(/^mailto:/i, '');
      if (!isEmail(address)) report('email', 'invalid_email', 'error', `"${c.email}" is not an e-mail address`, c.email);
      else {
        email = address;
        const key = emailKey(address);
        const first = firstByEmail.get(key);
        if (first !== undefined) {
          report('email', 'duplicate_member', 'error', `the e-mail ${c.email} is already the e-mail of the customer on row ${first}${address !== key ? ' (capital letters do not matter)' : ''}: merge the two customers, or change one e-mail`, c.email);
        } else firstByEmail.set(key, c.row);
      }
    }
    let name = c.name;
    let note = c.description;
    if (name === null && c.description !== null) {
      name = c.description;
      note = null;
    }
    if (name !== null) {
      if (isEmail(name)) report('name', 'name_looks_like_email', 'warning', `the name "${name}" is an e-mail address`, name);
      else if (looksLikePhone(name)) report('name', 'name_looks_like_phone', 'warning', `the name "${name}" is a phone number`, name);
    } else if (email !== null) {
      name = email;
      report('name', 'name_looks_like_email', 'warning', `no name or description: the member is named after the e-mail ${email}`, null);
    } else if (c.email === null) {
      report('name', 'required', 'error', c.id === null ? 'a guest customer without name or e-mail cannot be imported' : 'the customer has no name, description or e-mail', null);
    }

    let credit: StripeMember['credit'] = null;
    if (c.balance !== null && c.balance.amount < 0) credit = { amount: -c.balance.amount, currency: c.balance.currency };
    if (c.balance !== null && c.balance.amount > 0) {
      report(
        'balance',
        'balance_owed',
        'warning',
        `the customer owes ${formatAmount(c.balance.amount, c.balance.currency)} ${c.balance.currency} in Stripe: not imported; collect it in Stripe or invoice it by hand`,
        null,
      );
    }

    const custom: Array<[string, string]> = [...c.metadata];
    const memberships: StripeMembership[] = [];
    const subscriptionRows: number[] = [];
    // a repeated customer is an error already: its subscriptions (and their problems) stay with the first one
    const own = c.id !== null && firstById.get(c.id) === c.row;
    for (const s of own ? (byCustomer.get(c.id!) ?? []) : []) {
      subscriptionRows.push(s.row);
      problems.push(...(s.problems as StripeProblem[]));
      const membership = mapSubscription(s, c, input, problems, subscriptionFile, today);
      if (membership) memberships.push(membership);
      for (const [key, value] of s.metadata) {
        const same = custom.find(([k]) => k === key);
        if (!same) custom.push([key, value]);
        else if (same[1] !== value) custom.push([`${key} (${s.id})`, value]);
      }
    }
    const member: StripeMember | null =
      name === null
        ? null
        : {
            externalId: c.id,
            name,
            email,
            emailKey: email === null ? null : emailKey(email),
            phone: c.phone,
            address: c.address,
            taxId: c.taxId,
            note,
            custom,
            tags: c.delinquent ? [delinquentTag] : [],
            credit,
          };
    units.push({ customerRow: c.row, member, memberships, subscriptionRows, problems, hasErrors: problems.some((p) => p.severity === 'error') });
  }
  return { units: [...units, ...orphans], fileProblems, notImported };
}

/** One subscription as a membership, or null (with an error in `problems`) when it cannot be one. */
function mapSubscription(
  s: StripeSubscription,
  customer: StripeCustomer,
  input: StripeMappingInput,
  problems: StripeProblem[],
  file: string,
  today: IsoDate,
): StripeMembership | null {
  const report = (key: string, code: Problem['code'], severity: Problem['severity'], message: string, value: string | null, suggestion: string | null = null) =>
    problems.push({ ...problem({ row: s.row, column: headerIn(input.subscriptions, key), value, code, severity, message, suggestion }), file });
  if (s.problems.some((p) => p.severity === 'error')) return null;
  let plan: Plan | null = null;
  if (s.priceId === null) report('priceId', 'required', 'error', 'the subscription has no price (Plan column)', null);
  else {
    const found = input.resolver.resolve(s.priceId);
    if (found.kind === 'plan') plan = found.plan;
    else {
      const how =
        found.name === null
          ? `no plan is known for the Stripe price ${s.priceId}: give the prices export (--prices) or map it in --map {"${s.priceId}": "Plan name"}`
          : `the Stripe price ${s.priceId} is "${found.name}" (${found.via === 'map' ? 'from --map' : 'its product name in the prices export'}) and no plan has that exact name: add the plan or map the price in --map`;
      report('priceId', 'unknown_plan', 'error', how, s.priceId, found.suggestion);
    }
  }
  const startDate = s.startDate;
  const nextInvoiceDate = s.status === 'trialing' ? (s.trialEnd ?? s.currentPeriodEnd) : s.currentPeriodEnd;
  if (startDate === null) report('startDate', 'required', 'error', 'the subscription has no start date', null);
  if (nextInvoiceDate === null) report(s.status === 'trialing' ? 'trialEnd' : 'currentPeriodEnd', 'required', 'error', 'the subscription has no current period end: the next invoice date comes from it', null);
  if (s.id === null) report('id', 'required', 'error', 'the subscription has no id', null);
  if (plan === null || startDate === null || nextInvoiceDate === null || s.id === null || s.priceId === null) return null;

  const quantity = s.quantity ?? 1;
  const planned = planMembership({ memberId: 0, planId: plan.id, startDate, nextInvoiceDate, endDate: null, quantity, prorateFirst: false, autoRenew: null }, plan, input.billingDay);
  for (const issue of planned.issues) {
    const column = issue.field === 'nextInvoiceDate' ? 'currentPeriodEnd' : issue.field === 'quantity' ? 'quantity' : issue.field === 'startDate' ? 'startDate' : 'priceId';
    report(column, issue.code, 'error', issue.message, null);
  }
  if (!planned.schedule) return null;

  const stripePrice = input.resolver.price(s.priceId);
  const differences = priceDifferences(s, stripePrice, plan);
  // the amount it pays is kept on the membership; only what cannot be kept (currency, interval) is a warning
  const price = differences.length > 0 ? null : keptPrice(s, stripePrice, plan);
  if (differences.length > 0) {
    report('priceId', 'price_mismatch', 'warning', `the Stripe price ${s.priceId} differs from the plan "${plan.name}": ${differences.join(', ')}; memberctl will bill the plan's price`, s.priceId);
  } else if (price !== null) {
    report(
      'priceId',
      'price_mismatch',
      'info',
      `the Stripe price ${s.priceId} is ${formatAmount(price, plan.currency)} ${plan.currency} and the plan "${plan.name}" ${formatAmount(plan.price, plan.currency)}: the membership keeps its own price of ${formatAmount(price, plan.currency)} ${plan.currency}`,
      s.priceId,
    );
  }
  // the customers export describes the customer's subscription too: its Cancel At Period End counts
  const doNotRenew = s.cancelAtPeriodEnd === true || customer.cancelAtPeriodEnd === true;
  if (nextInvoiceDate < today) {
    const due = duePeriods(
      {
        startDate,
        nextInvoiceDate: planned.schedule.next_invoice_date,
        firstRecurringDate: planned.schedule.first_recurring_date ?? null,
        anchorDay: planned.schedule.anchor_day,
        endDate: null,
        autoRenew: !doNotRenew && plan.auto_renew === 1,
        autoRenewUntil: null,
        doNotRenew,
        interval: plan.interval,
        every: plan.every,
      },
      today,
    );
    if (due.periods.length > 0) {
      report(
        s.status === 'trialing' && s.trialEnd !== null ? 'trialEnd' : 'currentPeriodEnd',
        'next_invoice_in_past',
        'warning',
        `the current period ended on ${nextInvoiceDate}: the next \`invoices run\` would bill ${plural(due.periods.length, 'period')} at once (up to ${due.periods.at(-1)!.start})`,
        nextInvoiceDate,
      );
    }
  }
  if (startDate > today) {
    report('startDate', 'start_in_future', 'warning', `the subscription starts on ${startDate}: the member is upcoming until then`, startDate);
  }
  return { subscriptionId: s.id, row: s.row, priceId: s.priceId, status: s.status!, plan, schedule: planned.schedule, startDate, nextInvoiceDate, quantity, price, doNotRenew };
}
