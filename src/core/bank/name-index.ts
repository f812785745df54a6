/**
 * The payers whose name resembles a debtor's (namesResemble), found without comparing the debtor with every payer:
 * a statement of thousands of credits without an invoice number, all of the same amount, would otherwise compare
 * each credit with each open invoice of that amount. The index finds every name that can resemble, and only those
 * are compared: the same answers as comparing with all of them.
 *
 * A name resembles another when every word of the shorter is in the longer (found through the words: the rarest
 * word of the debtor's, and the names whose rarest word the debtor has), or when the two run together differ by at
 * most two edits, or their sorted words by one (found through pieces of the names, or by walking a trie of them with
 * the rows of the edit distance, leaving a branch once every cell of the row is over the bound).
 */
import { type NameForms, formsResemble, nameForms } from './rules.js';

interface Named<T> {
  forms: NameForms;
  items: T[];
}

interface TrieNode<T> {
  children: Map<string, TrieNode<T>>;
  here: Named<T>[];
}

const newNode = <T>(): TrieNode<T> => ({ children: new Map(), here: [] });

/** Strings within an edit distance of a query. */
class Trie<T> {
  private readonly root = newNode<T>();

  add(key: string, named: Named<T>): void {
    let node = this.root;
    for (const c of key) {
      let next = node.children.get(c);
      if (next === undefined) {
        next = newNode<T>();
        node.children.set(c, next);
      }
      node = next;
    }
    node.here.push(named);
  }

  /** Calls `found` with each name whose key is at most `max` edits from `query`, until it returns true. */
  within(query: string, max: number, found: (named: Named<T>) => boolean): boolean {
    const q = [...query];
    const n = q.length;
    const first = Array.from({ length: n + 1 }, (_, j) => j);
    if (first[n]! <= max) for (const named of this.root.here) if (found(named)) return true;
    const walk = (node: TrieNode<T>, row: number[]): boolean => {
      for (const [c, child] of node.children) {
        const next = new Array<number>(n + 1);
        next[0] = row[0]! + 1;
        let least = next[0];
        for (let j = 1; j <= n; j += 1) {
          const cell = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (q[j - 1] === c ? 0 : 1));
          next[j] = cell;
          if (cell < least) least = cell;
        }
        if (next[n]! <= max) for (const named of child.here) if (found(named)) return true;
        if (least <= max && walk(child, next)) return true;
      }
      return false;
    };
    return walk(this.root, first);
  }
}

/**
 * The strings within `max` edits of a query, by the pigeonhole: each string is cut into `max + 1` pieces, and a
 * string at most `max` edits away keeps one of them intact, at most `max` places from where it was. The pieces are
 * indexed with the string's length and their rank; a query looks up its substrings at those places.
 */
class NearStrings<T> {
  private readonly pieces = new Map<string, Named<T>[]>();
  constructor(private readonly max: number) {}

  /** Where each of the pieces of a string of `length` starts, and where the last ends. */
  private bounds(length: number): number[] {
    return Array.from({ length: this.max + 2 }, (_, i) => Math.floor((i * length) / (this.max + 1)));
  }

  add(key: string, named: Named<T>): void {
    const b = this.bounds(key.length);
    for (let i = 0; i <= this.max; i += 1) {
      const piece = `${key.length}:${i}:${key.slice(b[i], b[i + 1])}`;
      const list = this.pieces.get(piece);
      if (list) list.push(named);
      else this.pieces.set(piece, [named]);
    }
  }

  /** How many strings `within` would look at (some several times). */
  count(query: string): number {
    let count = 0;
    this.each(query, (list) => {
      count += list.length;
      return false;
    });
    return count;
  }

  /** Calls `found` with each string that may be at most `max` edits from `query` (and some others), until it returns true. */
  within(query: string, found: (named: Named<T>) => boolean): boolean {
    return this.each(query, (list) => {
      for (const named of list) if (found(named)) return true;
      return false;
    });
  }

  private each(query: string, lists: (list: Named<T>[]) => boolean): boolean {
    const n = query.length;
    for (let m = Math.max(0, n - this.max); m <= n + this.max; m += 1) {
      const b = this.bounds(m);
      for (let i = 0; i <= this.max; i += 1) {
        const length = b[i + 1]! - b[i]!;
        for (let shift = -this.max; shift <= this.max; shift += 1) {
          const start = b[i]! + shift;
          if (start < 0 || start + length > n) continue;
          const list = this.pieces.get(`${m}:${i}:${query.slice(start, start + length)}`);
          if (list && lists(list)) return true;
        }
      }
    }
    return false;
  }
}

/** Beyond that many strings to look at through the pieces, the trie is walked instead. */
const piecesAtMost = 300;

export class ResemblingNames<T> {
  private readonly byWord = new Map<string, Named<T>[]>();
  private readonly byRarestWord = new Map<string, Named<T>[]>();
  // both searches find every string near enough: the pieces are quicker when few strings share them (names of
  // letters of all kinds), the trie when many share their beginnings (numbered names, common first names)
  private readonly compact = { pieces: new NearStrings<T>(2), trie: new Trie<T>(), max: 2 };
  private readonly sorted = { pieces: new NearStrings<T>(1), trie: new Trie<T>(), max: 1 };

  constructor(items: Iterable<T>, nameOf: (item: T) => string) {
    const byName = new Map<string, Named<T>>();
    for (const item of items) {
      const name = nameOf(item);
      const known = byName.get(name);
      if (known) known.items.push(item);
      else byName.set(name, { forms: nameForms(name), items: [item] });
    }
    for (const named of byName.values()) {
      if (named.forms.words.length === 0) continue;
      for (const word of new Set(named.forms.words)) {
        const list = this.byWord.get(word);
        if (list) list.push(named);
        else this.byWord.set(word, [named]);
      }
      for (const [near, key] of [
        [this.compact, named.forms.compact],
        [this.sorted, named.forms.sorted],
      ] as const) {
        near.pieces.add(key, named);
        near.trie.add(key, named);
      }
    }
    for (const named of byName.values()) {
      if (named.forms.words.length === 0) continue;
      const rarest = this.rarest(named.forms.words);
      const list = this.byRarestWord.get(rarest);
      if (list) list.push(named);
      else this.byRarestWord.set(rarest, [named]);
    }
  }

  private rarest(words: readonly string[]): string {
    let best = words[0]!;
    for (const word of words) if ((this.byWord.get(word)?.length ?? 0) < (this.byWord.get(best)?.length ?? 0)) best = word;
    return best;
  }

  /**
   * Calls `visit` with each item whose name resembles `text`, in no particular order, until it returns true: a caller
   * that needs to know only whether there are several stops at the second.
   */
  visit(text: string, visit: (item: T) => boolean): void {
    const forms = nameForms(text);
    if (forms.words.length === 0) return;
    const seen = new Set<Named<T>>();
    const consider = (named: Named<T>): boolean => {
      if (seen.has(named)) return false;
      seen.add(named);
      if (!formsResemble(forms, named.forms)) return false;
      for (const item of named.items) if (visit(item)) return true;
      return false;
    };
    // every word of the text in the name: the names that hold the text's rarest word
    for (const named of this.byWord.get(this.rarest(forms.words)) ?? []) if (consider(named)) return;
    // every word of the name in the text: the names whose rarest word the text holds
    for (const word of new Set(forms.words)) for (const named of this.byRarestWord.get(word) ?? []) if (consider(named)) return;
    const near = (index: typeof this.compact, key: string) => (index.pieces.count(key) <= piecesAtMost ? index.pieces.within(key, consider) : index.trie.within(key, index.max, consider));
    if (near(this.compact, forms.compact)) return;
    near(this.sorted, forms.sorted);
  }

  /** The items whose name resembles `text`, in no particular order. */
  resembling(text: string): T[] {
    const out: T[] = [];
    this.visit(text, (item) => {
      out.push(item);
      return false;
    });
    return out;
  }
}
