/**
 * The payers whose name resembles a debtor's (namesResemble), found without comparing the debtor with every payer:
 * a statement of thousands of credits without an invoice number, all of the same amount, would otherwise compare
 * each credit with each open invoice of that amount. The index finds every name that can resemble, and only those
 * are compared: the same answers as comparing with all of them.
 *
 * A name resembles another when every word of the shorter is in the longer (found through the words: the rarest
 * word of the debtor's, and the names whose rarest word the debtor has), or when the two run together differ by at
 * most two edits, or their sorted words by one (found by walking a trie of the names with the rows of the edit
 * distance, leaving a branch once every cell of the row is over the bound).
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

export class ResemblingNames<T> {
  private readonly byWord = new Map<string, Named<T>[]>();
  private readonly byRarestWord = new Map<string, Named<T>[]>();
  private readonly compact = new Trie<T>();
  private readonly sorted = new Trie<T>();

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
      this.compact.add(named.forms.compact, named);
      this.sorted.add(named.forms.sorted, named);
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
    if (this.compact.within(forms.compact, 2, consider)) return;
    this.sorted.within(forms.sorted, 1, consider);
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
