/**
 * Which local plan a Stripe price stands for. A `--map` file (`{"price_...": "Plan name"}`) wins; else the prices
 * export gives the price's nickname (`Description`) when it is exactly a plan's name, else its `Product Name`.
 * The name found must be an existing plan's exact name.
 */
import type { Plan } from '../../db/types.js';
import type { MapKeys } from '../import/plan-map.js';
import type { StripePrice, StripeSubscription } from '../../importers/stripe/records.js';
import { nameMatcher } from '../kernel/suggest.js';

export type PriceResolution =
  | { kind: 'plan'; plan: Plan; via: 'map' | 'nickname' | 'product' }
  /** `name` is what the map or the prices export says (null when neither knows the price) */
  | { kind: 'unknown'; name: string | null; via: 'map' | 'product' | null; suggestion: string | null };

export interface PlanResolver {
  resolve(priceId: string): PriceResolution;
  /** The price's own amount, currency and interval from the prices export, when it has the price. */
  price(priceId: string): StripePrice | undefined;
}

export function planResolver(plans: ReadonlyMap<string, Plan>, prices: readonly StripePrice[], map: ReadonlyMap<string, string>): PlanResolver {
  const byId = new Map<string, StripePrice>();
  for (const price of prices) if (price.id !== null && !byId.has(price.id)) byId.set(price.id, price);
  const matcher = nameMatcher([...plans.values()].filter((p) => p.archived === 0).map((p) => p.name));
  const cache = new Map<string, PriceResolution>();
  const find = (name: string) => plans.get(name.trim());
  const resolve = (priceId: string): PriceResolution => {
    const mapped = map.get(priceId);
    if (mapped !== undefined) {
      const plan = find(mapped);
      return plan ? { kind: 'plan', plan, via: 'map' } : { kind: 'unknown', name: mapped, via: 'map', suggestion: matcher.closest(mapped) };
    }
    const price = byId.get(priceId);
    if (!price) return { kind: 'unknown', name: null, via: null, suggestion: null };
    const nickname = price.description === null ? undefined : find(price.description);
    if (nickname) return { kind: 'plan', plan: nickname, via: 'nickname' };
    if (price.productName !== null) {
      const plan = find(price.productName);
      if (plan) return { kind: 'plan', plan, via: 'product' };
      return { kind: 'unknown', name: price.productName, via: 'product', suggestion: matcher.closest(price.productName) };
    }
    return { kind: 'unknown', name: null, via: null, suggestion: price.description === null ? null : matcher.closest(price.description) };
  };
  return {
    resolve(priceId) {
      let found = cache.get(priceId);
      if (!found) {
        found = resolve(priceId);
        cache.set(priceId, found);
      }
      return found;
    },
    price: (priceId) => byId.get(priceId),
  };
}

/** The keys of a Stripe import's `--map` file, for `readPlanMap`'s messages. */
export const stripePriceIds: MapKeys = { what: 'Stripe price ids', example: '{"price_1AbC...": "Hot Desk"}' };

const intervalText = (interval: string, every: number) => (every === 1 ? interval : `${every} ${interval}s`);

/**
 * The subscription's own amount per period when it is in the plan's currency and not the plan's price: the price
 * the membership keeps (docs/stripe.md). Null when it is the plan's, in another currency, or not known.
 */
export function keptPrice(subscription: StripeSubscription, price: StripePrice | undefined, plan: Plan): number | null {
  const currency = subscription.currency ?? price?.currency ?? null;
  const amount = subscription.amount ?? price?.amount ?? null;
  if (amount === null || amount < 0 || amount === plan.price || (currency !== null && currency !== plan.currency)) return null;
  return amount;
}

/**
 * How a subscription's price differs from its local plan beyond what the membership keeps (`keptPrice`): currency
 * and interval (the subscription's own values first, the prices export's for what the subscription does not
 * say). Empty when they agree or nothing is known.
 */
export function priceDifferences(subscription: StripeSubscription, price: StripePrice | undefined, plan: Plan): string[] {
  const differences: string[] = [];
  const currency = subscription.currency ?? price?.currency ?? null;
  const interval = subscription.interval ?? price?.interval ?? null;
  const every = price?.intervalCount ?? 1;
  if (currency !== null && currency !== plan.currency) differences.push(`currency ${currency} (plan: ${plan.currency})`);
  if (interval !== null && (interval !== plan.interval || every !== plan.every)) {
    differences.push(`billed every ${intervalText(interval, every)} (plan: every ${intervalText(plan.interval, plan.every)})`);
  }
  return differences;
}
