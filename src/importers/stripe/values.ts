/**
 * Reading the cells of a Stripe export: amounts in major units (`49.00`, or `49,00` after a European
 * spreadsheet), lowercase currency codes, `true`/`false` (or a spreadsheet's words for them), whole numbers.
 * Pure; a value that cannot be read is an issue the record reader turns into a problem.
 */
import { readBoolean } from '../../core/import/values.js';
import { type MinorAmount, normalizeCurrency, parseAmount } from '../../core/kernel/money.js';
import type { ProblemCode } from '../../core/kernel/problems.js';
import type { Cell } from '../types.js';

export type Issue = { code: ProblemCode; message: string };
export type ValueRead<T> = { ok: true; value: T } | { ok: false; issue: Issue };

const ok = <T>(value: T): ValueRead<T> => ({ ok: true, value });
const fail = (code: ProblemCode, message: string): ValueRead<never> => ({ ok: false, issue: { code, message } });

/** The text of a cell; a date cell as `YYYY-MM-DD`; empty as null. */
export function cellText(cell: Cell | undefined): string | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'string') return cell;
  return cell.kind === 'date' ? cell.date : null;
}

/** `eur` -> `EUR`. */
export function readCurrency(text: string | null): ValueRead<string | null> {
  if (text === null) return ok(null);
  const code = normalizeCurrency(text);
  return code === null ? fail('invalid_value', `"${text}" is not a currency code (Stripe writes three letters, e.g. eur)`) : ok(code);
}

/** An amount in major units of `currency` (`49.00`, `49,00`, `-25.00`) as minor units. */
export function readAmount(text: string | null, currency: string): ValueRead<MinorAmount | null> {
  if (text === null) return ok(null);
  const read = parseAmount(text, currency);
  return read.ok ? ok(read.value) : fail('invalid_number', `"${text}" is not an amount in ${currency}: ${read.message}`);
}

/**
 * `true` / `false` as Stripe writes them, and the words a spreadsheet re-saves them as (TRUE / FALSE, French
 * Excel's VRAI / FAUX): the yes/no words of template files, in any case.
 */
export function readFlag(text: string | null): ValueRead<boolean | null> {
  const read = readBoolean(text);
  return read.ok ? ok(read.value) : fail('invalid_boolean', `"${text}" is not true or false (also accepted: vrai/faux, yes/no, oui/non, 1/0)`);
}

/** A whole number of at least `min` (a spreadsheet may write `2.0`). */
export function readCount(text: string | null, min: number): ValueRead<number | null> {
  if (text === null) return ok(null);
  const match = /^(\d{1,9})(?:[.,]0+)?$/.exec(text);
  if (!match || Number(match[1]) < min) return fail('invalid_number', `"${text}" is not a whole number of at least ${min}`);
  return ok(Number(match[1]));
}
