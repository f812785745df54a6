// `npm run bench -- renewals`: the renewals job on 100k yearly term memberships whose terms end across the year,
// against importing those 100k rows. A template CSV is generated and imported (each membership covered until its
// next invoice date), then `renewals run` opens the renewals due within the notice window and records every
// member's status, and runs again the same day.
// Targets: the run at most 3x the import; the same-day rerun at most 0.2x the run.
// SQLite, then PostgreSQL (bench/pg.mjs). Rows: MEMBERCTL_BENCH_MEMBERSHIPS.
import { fmt, mark, measureCliOk, measureDialects, writeCsvLines } from './lib.mjs';

const count = Number(process.env.MEMBERCTL_BENCH_MEMBERSHIPS ?? 100_000);
const importedOn = '2025-12-15';
const asOf = '2026-01-01';
const noticeDays = 30;

const day = (offset) => new Date(Date.UTC(2026, 0, 1 + offset)).toISOString().slice(0, 10);
const yearBefore = (date) => `${Number(date.slice(0, 4)) - 1}${date.slice(4)}`;

/** Member i's next term starts i % 365 + 1 days after the run day; the current term started a year before. */
function writeCsv(file) {
  writeCsvLines(file, 'Name,Email,Plan name,Start date,Next invoice date', count, (i) => {
    const next = day((i % 365) + 1);
    return `Member ${i},member${i}@example.org,Association,${yearBefore(next)},${next}`;
  });
}

/** How many renewals the run must open: terms starting at most noticeDays + 1 days after the run day. */
function expectedNotices() {
  let n = 0;
  for (let i = 1; i <= count; i += 1) if ((i % 365) + 1 <= noticeDays + 1) n += 1;
  return n;
}

async function measureDialect(dialect, db, csv) {
  await measureCliOk(['--db', db, 'plans', 'add', 'Association', '--price', '120', '--interval', 'year', '--auto-renew', 'no', '--credits', '30', '--passes', '2'], 'plans add');
  const imported = await measureCliOk(['--db', db, '--today', importedOn, 'import', csv, '--yes'], 'import');
  const run = await measureCliOk(['--db', db, '--today', asOf, '--json', 'renewals', 'run'], 'renewals run');
  const result = JSON.parse(run.stdout);
  const rerun = await measureCliOk(['--db', db, '--today', asOf, '--json', 'renewals', 'run'], 'the rerun');
  const again = JSON.parse(rerun.stdout);
  const expected = expectedNotices();
  const quiet = again.notices === 0 && again.transitions.length === 0;
  const vsImport = run.ms / imported.ms;
  const ratio = rerun.ms / run.ms;
  const ok = result.notices === expected && quiet && vsImport <= 3 && ratio <= 0.2;
  return {
    ok,
    lines: [
      `${dialect}: ${count} term memberships imported, ${result.notices} renewals opened (expected ${expected})`,
      `  import: ${fmt(imported.ms / 1000)} s, peak RSS ${fmt(imported.peakRssMb, 0)} MB`,
      `  run:    ${fmt(run.ms / 1000)} s, ${fmt(vsImport)}x the import (target <= 3x) ${mark(vsImport <= 3)}, peak RSS ${fmt(run.peakRssMb, 0)} MB`,
      `  rerun:  ${fmt(rerun.ms / 1000)} s, ${fmt(ratio, 3)}x the run (target <= 0.2x) ${mark(ratio <= 0.2)}, peak RSS ${fmt(rerun.peakRssMb, 0)} MB, nothing new: ${quiet ? 'yes' : 'NO'}`,
    ],
  };
}

export const renewals = {
  name: 'renewals',
  description: `the renewals job on ${count} yearly term memberships ending across the year against importing them (targets: run <= 3x import; rerun <= 0.2x run)`,
  async run() {
    return measureDialects(writeCsv, measureDialect);
  },
};
