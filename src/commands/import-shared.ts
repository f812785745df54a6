/**
 * What the template import (`import.ts`) and the Stripe import (`import-stripe.ts`) share: the --date-format option,
 * the flags of Stripe exports, and the questions that map unknown plan names. Both import it; neither imports the other
 * for it.
 */
import type { Context } from '../context.js';
import type { DateConvention } from '../core/kernel/dates.js';
import type { Problem } from '../core/kernel/problems.js';
import { plural } from '../core/kernel/words.js';
import { usageError } from '../errors.js';

/** The options that name Stripe exports, on `validate --source stripe` and `import stripe`. */
export interface StripeFlags {
  customers?: string;
  subscriptions?: string;
  prices?: string;
  map?: string;
  dateFormat?: string;
}

export function parseDateFormat(text: string | undefined): DateConvention | null {
  if (text === undefined) return null;
  const value = text.trim().toUpperCase();
  if (value === 'DMY' || value === 'MDY' || value === 'YMD') return value;
  throw usageError(`--date-format: "${text}" must be DMY (25/12/2026), MDY (12/25/2026) or YMD (26/12/25)`);
}

/** Unknown plan names, each with how many rows use it. */
export function unknownPlans(problems: Iterable<Problem>): Map<string, number> {
  const names = new Map<string, number>();
  for (const p of problems) if (p.code === 'unknown_plan' && p.value !== null) names.set(p.value, (names.get(p.value) ?? 0) + 1);
  return names;
}

/**
 * Asks, for each plan name of the file that matches no plan, which existing plan it means (closest first),
 * and saves the answers to the map file. Returns whether anything was mapped.
 */
export async function askPlanMappings(ctx: Context, names: Map<string, number>, map: Map<string, string>, mapFile: string): Promise<boolean> {
  const { listPlans } = await import('../core/billing/plans.js');
  const { rankByCloseness } = await import('../core/kernel/suggest.js');
  const { choose } = await import('../prompt.js');
  const { savePlanMap } = await import('../core/import/plan-map.js');
  const db = await ctx.db();
  const plans = (await listPlans(db.kysely)).map((p) => p.name);
  if (plans.length === 0) return false;
  let mapped = false;
  for (const [name, count] of names) {
    const close = rankByCloseness(name, plans, plans.length);
    const ordered = [...close, ...plans.filter((p) => !close.includes(p)).sort((a, b) => a.localeCompare(b))];
    const choices = ordered.map((plan): { name: string; value: string | null } => ({ name: plan, value: plan }));
    const none = { name: '(none of these: leave those rows rejected)', value: null };
    // Enter takes the first choice: the closest plan, or none when no plan is close (never an unrelated one)
    const answer = await choose<string | null>(
      { interactive: ctx.interactive },
      `The file's plan "${name}" (${plural(count, 'row')}) is not a plan. Which plan is it?`,
      close.length > 0 ? [...choices, none] : [none, ...choices],
    );
    if (answer !== null) {
      map.set(name, answer);
      mapped = true;
    }
  }
  if (mapped) {
    const { checkOutput, outputGuard } = await import('../safe-file.js');
    checkOutput(mapFile, '--map', await outputGuard(ctx.dbUrl, []));
    await savePlanMap(mapFile, map);
    ctx.out.info(`Saved the plan names to ${mapFile}; pass --map ${mapFile} next time.`);
  }
  return mapped;
}
