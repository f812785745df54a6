/**
 * "Did you mean" suggestions for names typed by people: plans, payers, companies, headers.
 *
 * Two names are compared in two forms:
 * - `normalizeName`: accents removed, lower case, every run of punctuation and white space turned into one
 *   space ("Hot-Desk  Pro!" -> "hot desk pro"); edit distances are measured on this form.
 * - `compactName`: the same without any space ("hotdeskpro"); two names with the same compact form differ
 *   only by case, accents, punctuation or spacing, which is what a `company_variant` warning is about.
 */
import { distance } from 'fastest-levenshtein';

// Letters that NFKD leaves whole but that people type without their stroke or ligature.
const FOLDS: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

/** Lower case, without accents, punctuation and white space collapsed to single spaces, trimmed. */
export function normalizeName(text: string): string {
  // Lower case on both sides of NFKD: "İ" lowers to i + a combining dot, "℡" decomposes to upper-case "TEL".
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => FOLDS[c] ?? c)
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** `normalizeName` without spaces: equal for names that differ only by case, accents, punctuation or spacing. */
export function compactName(text: string): string {
  return normalizeName(text).replace(/ /g, '');
}

/**
 * The largest edit distance accepted by default for a normalized input of `length` characters:
 * max(1, floor(length / 3)), i.e. one typo in a short name, about one in three characters in a long one.
 */
export function defaultMaxDistance(length: number): number {
  return Math.max(1, Math.floor(length / 3));
}

export interface ClosestOptions {
  /** Largest edit distance (on normalized names) still suggested; default `defaultMaxDistance(input length)`. */
  maxDistance?: number;
}

interface Prepared {
  candidate: string;
  normalized: string;
  compact: string;
}

function prepare(candidates: readonly string[]): Prepared[] {
  return candidates.map((candidate) => {
    const normalized = normalizeName(candidate);
    return { candidate, normalized, compact: normalized.replace(/ /g, '') };
  });
}

interface Scored {
  candidate: string;
  index: number;
  /** 0 identical, 1 same compact form, 2 within the edit-distance threshold. */
  tier: number;
  distance: number;
}

function score(input: string, candidates: readonly Prepared[], options: ClosestOptions): Scored[] {
  const normalized = normalizeName(input);
  const compact = normalized.replace(/ /g, '');
  if (compact === '') return [];
  const limit = options.maxDistance ?? defaultMaxDistance(normalized.length);
  const scored: Scored[] = [];
  candidates.forEach(({ candidate, normalized: other, compact: otherCompact }, index) => {
    if (candidate === input) {
      scored.push({ candidate, index, tier: 0, distance: 0 });
      return;
    }
    if (otherCompact === compact) {
      scored.push({ candidate, index, tier: 1, distance: 0 });
      return;
    }
    const d = distance(normalized, other);
    // Never suggest a name that shares nothing with the input ("x" -> "y"): that is a replacement, not a typo.
    if (d <= limit && d < Math.max(normalized.length, other.length)) {
      scored.push({ candidate, index, tier: 2, distance: d });
    }
  });
  return scored.sort((a, b) => a.tier - b.tier || a.distance - b.distance || a.index - b.index);
}

/**
 * The candidate closest to `input`, or null when none is reasonably close: an identical one, else one equal
 * after normalization, else the smallest edit distance within the threshold; ties go to the earliest candidate.
 */
export function closest(input: string, candidates: readonly string[], options: ClosestOptions = {}): string | null {
  return score(input, prepare(candidates), options)[0]?.candidate ?? null;
}

/** Up to `limit` candidates close to `input`, closest first (same rules and ties as `closest`). */
export function rankByCloseness(
  input: string,
  candidates: readonly string[],
  limit = 5,
  options: ClosestOptions = {},
): string[] {
  return score(input, prepare(candidates), options)
    .slice(0, Math.max(0, limit))
    .map((s) => s.candidate);
}

export interface NameMatcher {
  closest(input: string, options?: ClosestOptions): string | null;
  rank(input: string, limit?: number, options?: ClosestOptions): string[];
}

/** `closest` and `rankByCloseness` over a fixed list normalized once, for lookups repeated on every row. */
export function nameMatcher(candidates: readonly string[]): NameMatcher {
  const prepared = prepare(candidates);
  return {
    closest: (input, options = {}) => score(input, prepared, options)[0]?.candidate ?? null,
    rank: (input, limit = 5, options = {}) =>
      score(input, prepared, options)
        .slice(0, Math.max(0, limit))
        .map((s) => s.candidate),
  };
}

/** True when two names differ, but only by case, accents, punctuation or spacing ("ACME S.A." / "Acme SA"). */
export function sameExceptFormatting(a: string, b: string): boolean {
  if (a === b) return false;
  const compact = compactName(a);
  return compact !== '' && compact === compactName(b);
}
