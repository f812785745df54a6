/**
 * The pure rules of bank statement matching: the invoice numbers a payer's text holds however it was typed, whether
 * a debtor's name resembles a payer's, and the key that records a bank entry once.
 */
import { createHash } from 'node:crypto';
import { distance } from 'fastest-levenshtein';
import { formatNumber } from '../billing/numbering.js';
import { compactName, defaultMaxDistance, normalizeName } from '../kernel/suggest.js';
import type { StatementEntry } from '../../importers/bank/statement.js';

/** The prefix of an invoice number (`INV-` of `INV-2026-00012`), or null for a number not of that form. */
export function numberPrefix(number: string): string | null {
  return /^(.*?)\d{4}-\d+$/.exec(number)?.[1] ?? null;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A finder of the invoice numbers written in a text with one of `prefixes` (`INV-`), tolerant of how people type
 * them: any case, spaces or other punctuation instead of the hyphens or none at all, the leading zeros left out
 * (`inv 2026 12`, `FACT INV2026-00012`, `Inv.2026/0012` all give `INV-2026-00012`). In the order found, once each.
 */
export function invoiceNumberFinder(prefixes: Iterable<string>): (text: string) => string[] {
  const patterns: Array<{ prefix: string; pattern: RegExp }> = [];
  for (const prefix of new Set(prefixes)) {
    const letters = prefix.toUpperCase().replace(/[^A-Z0-9]/g, '');
    const head = letters === '' ? '' : `${escapeRegExp(letters)}[^A-Z0-9]{0,3}`;
    const between = letters === '' ? '[^A-Z0-9]{1,3}' : '[^A-Z0-9]{0,3}';
    patterns.push({ prefix, pattern: new RegExp(`(?<![A-Z0-9])${head}(\\d{4})${between}(\\d{1,7})(?![0-9])`, 'g') });
  }
  return (text) => {
    const upper = text.toUpperCase();
    const found: Array<{ at: number; number: string }> = [];
    for (const { prefix, pattern } of patterns) {
      for (const match of upper.matchAll(pattern)) {
        const sequence = Number(match[2]);
        if (sequence > 0) found.push({ at: match.index, number: formatNumber(prefix, Number(match[1]), sequence) });
      }
    }
    found.sort((a, b) => a.at - b.at);
    return [...new Set(found.map((f) => f.number))];
  };
}

// words that say nothing about who paid: civilities, "and", company forms, what banks put before a name
const noise = new Set(['m', 'mr', 'mme', 'mrs', 'ms', 'mlle', 'monsieur', 'madame', 'mademoiselle', 'dr', 'et', 'ou', 'and', 'or', 'sarl', 'sas', 'sasu', 'sa', 'eurl', 'sci', 'ltd', 'gmbh', 'vir', 'virement', 'sepa', 'de', 'du', 'la', 'le']);

const words = (text: string) =>
  normalizeName(text)
    .split(' ')
    .filter((w) => w.length >= 2 && !noise.has(w));

/** The forms of a name that are compared: its words (without the noise), all of it run together, its words sorted. */
export interface NameForms {
  words: string[];
  compact: string;
  sorted: string;
}

export function nameForms(text: string): NameForms {
  const list = words(text);
  return { words: list, compact: compactName(list.join(' ')), sorted: [...list].sort().join('') };
}

/**
 * Whether a bank's debtor name resembles a payer's name: every word of one is in the other, in any order
 * (`DUPONT JEAN` and `M. Jean Dupont`), or they differ by a typo or two once spaces and punctuation are gone.
 */
export function namesResemble(debtor: string, payer: string): boolean {
  return formsResemble(nameForms(debtor), nameForms(payer));
}

/** namesResemble of two names' forms. */
export function formsResemble(one: NameForms, other: NameForms): boolean {
  const a = one.words;
  const b = other.words;
  if (a.length === 0 || b.length === 0) return false;
  const shorter = a.length <= b.length ? a : b;
  const longer = shorter === a ? b : a;
  // a single word matches only a payer of a single word: "MARTIN" is not every Martin
  if (shorter.length === longer.length || shorter.length >= 2) {
    if (shorter.every((w) => longer.includes(w))) return true;
  }
  const x = one.compact;
  const y = other.compact;
  return distance(x, y) <= Math.min(2, defaultMaxDistance(Math.min(x.length, y.length))) || distance(one.sorted, other.sorted) <= 1;
}

/** What tells one bank entry from another. */
export type KeyedFacts = Pick<StatementEntry, 'account' | 'date' | 'amount' | 'currency' | 'direction' | 'reference' | 'endToEndId' | 'label'>;

/**
 * The key a bank entry is recorded under, once: the bank's reference on its account, else a hash of the account,
 * date, amount and label, so the same or an overlapping statement imported again is recognised.
 */
export function entryKey(entry: KeyedFacts): string {
  if (entry.reference !== null && entry.reference !== '') return `ref:${entry.account ?? ''}:${entry.reference}`;
  const facts = [entry.account ?? '', entry.date, entry.direction, entry.amount, entry.currency, entry.label.replace(/\s+/g, ' ').trim().toUpperCase(), entry.endToEndId ?? ''];
  return `hash:${createHash('sha256').update(facts.join('\u0000')).digest('hex').slice(0, 40)}`;
}
