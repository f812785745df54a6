import type { ImportCounts } from '../core/import/write-import.js';
import type { ProblemList } from '../core/kernel/problem-list.js';
import { documented, type Problem } from '../core/kernel/problems.js';

/** What every import (template file or Stripe exports) reports. */
export interface ImportOutcome<P extends Problem> extends ImportCounts {
  batch: string | null;
  dryRun: boolean;
  rows: number;
  rejected: number;
  problems: ProblemList<P> | readonly P[];
}

/** Problems as the documents give them (`documented`), read again from the list each time they are iterated. */
export function documentedProblems<P extends Problem>(problems: ProblemList<P> | readonly P[]): Iterable<P> {
  return {
    *[Symbol.iterator]() {
      for (const p of problems) yield documented(p);
    },
  };
}

/**
 * The part of the `import --json` document that `import stripe` shares; each command adds its own keys after it.
 * Its problems are iterable, for `Output.resultWithList`.
 */
export function importDocument<P extends Problem>(result: ImportOutcome<P>) {
  return {
    batch: result.batch,
    dryRun: result.dryRun,
    rows: result.rows,
    created: result.created,
    updated: result.updated,
    unchanged: result.unchanged,
    rejected: result.rejected,
    problems: documentedProblems(result.problems),
  };
}
