import type { ImportCounts } from '../core/import/write-import.js';
import { documented, type Problem } from '../core/problems.js';

/** What every import (template file or Stripe exports) reports. */
export interface ImportOutcome<P extends Problem> extends ImportCounts {
  batch: string | null;
  dryRun: boolean;
  rows: number;
  rejected: number;
  problems: P[];
}

/** The part of the `import --json` document (cli.md) that `import stripe` shares; each command adds its own keys after it. */
export function importDocument<P extends Problem>(result: ImportOutcome<P>) {
  return {
    batch: result.batch,
    dryRun: result.dryRun,
    rows: result.rows,
    created: result.created,
    updated: result.updated,
    unchanged: result.unchanged,
    rejected: result.rejected,
    problems: result.problems.map(documented),
  };
}
