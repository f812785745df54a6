/**
 * The next invoice date of an imported membership whose file gives none (`--next-invoice`, docs/importing.md): the
 * membership's periods run from its start date on the start date's day of month, and the rule says whether the
 * period running today counts as paid (`next-period`) or is billed at the next run (`today`). Pure functions.
 */
import { addMonthsAnchored, dayOfMonth, type Interval, type IsoDate } from '../kernel/dates.js';
import { type Problem, problem } from '../kernel/problems.js';
import { templateColumnNamed } from './header-mapping.js';
import { templateColumns } from './template-columns.js';

export type NextInvoiceRule = 'next-period' | 'today';

export const nextInvoiceRules: readonly NextInvoiceRule[] = ['next-period', 'today'];

export interface ComputedNextInvoice {
  /** the next invoice date */
  date: IsoDate;
  /** the start of the period running today (the start date itself when the membership has not started) */
  current: IsoDate;
  /** the day of month of the start date: the schedule keeps it (a start on the 31st bills on each month's last day) */
  anchorDay: number;
}

const monthsOf = (interval: Interval, every: number) => (interval === 'year' ? 12 * every : every);

/**
 * With `next-period`, the first period start after `today`; with `today`, the start of the period running on
 * `today`. A membership starting after `today` starts billing on its start date under both rules.
 */
export function computedNextInvoice(start: IsoDate, interval: Interval, every: number, rule: NextInvoiceRule, today: IsoDate): ComputedNextInvoice {
  const anchorDay = dayOfMonth(start);
  if (start > today) return { date: start, current: start, anchorDay };
  const step = monthsOf(interval, every);
  const [startYear, startMonth] = start.split('-').map(Number) as [number, number];
  const [year, month] = today.split('-').map(Number) as [number, number];
  // the period count from the months between, then at most one step back: no walk over every period since the start
  let periods = Math.floor((year * 12 + month - (startYear * 12 + startMonth)) / step);
  let current = addMonthsAnchored(start, periods * step, anchorDay);
  while (current > today) {
    periods -= 1;
    current = addMonthsAnchored(start, periods * step, anchorDay);
  }
  const next = addMonthsAnchored(start, (periods + 1) * step, anchorDay);
  return { date: rule === 'today' ? current : next, current, anchorDay };
}

/**
 * The header problems of a file as `--next-invoice` reads it: without the rule, a missing Next invoice date column
 * is an error naming both rules; with it, the column is not needed and a note says how the dates are computed.
 */
export function nextInvoiceHeaderProblems(problems: Problem[], rule: NextInvoiceRule | null, hasPlanColumns: boolean): void {
  const at = problems.findIndex((p) => p.code === 'missing_column' && p.column !== null && templateColumnNamed(p.column, templateColumns)?.key === 'nextInvoiceDate');
  if (rule !== null) {
    if (at !== -1) problems.splice(at, 1);
    if (!hasPlanColumns) return;
    const how = rule === 'today' ? 'the start of the period running today, billed at the next `invoices run`' : 'the first period start after today (the period running today counts as paid)';
    problems.push(
      problem({
        code: 'next_invoice_rule',
        severity: 'info',
        value: rule,
        message: `a membership without a next invoice date gets ${how}, on the schedule of its start date; each row's date is in --json and --report (next_invoice_computed)`,
      }),
    );
    return;
  }
  if (at === -1) return;
  const missing = problems[at]!;
  missing.message = `No "${missing.column}" column: give --next-invoice next-period (the period running today counts as paid, billing starts at the next one) or --next-invoice today (the period running today is billed at the next \`invoices run\`), or add the column`;
}
