// `npm run bench -- invoices`: the invoicing job on 100k due monthly memberships (10% paid for by another member),
// against importing those 100k rows. A template CSV is generated and imported, then `invoices run` bills every
// membership on the day they all fall due, and runs again the same day.
// Targets: the run at most 3x the import, at most 500 MB peak RSS; the same-day rerun at most 0.2x the run.
// SQLite always; PostgreSQL too when MEMBERCTL_BENCH_PG names an empty database. Rows: MEMBERCTL_BENCH_MEMBERSHIPS.
import { fmt, mark, measureCliOk, measureDialects, writeCsvLines } from './lib.mjs';

const count = Number(process.env.MEMBERCTL_BENCH_MEMBERSHIPS ?? 100_000);
const importedOn = '2025-12-15';
const asOf = '2026-01-01';

/** Every tenth member is paid for by the one before; all start on Dec 1 and are next billed on Jan 1. */
function writeCsv(file) {
  writeCsvLines(file, 'Name,Email,Plan name,Start date,Next invoice date,Paid by', count, (i) => `Member ${i},member${i}@example.org,Desk,2025-12-01,${asOf},${i % 10 === 0 ? `member${i - 1}@example.org` : ''}`);
}

async function measureDialect(dialect, db, csv) {
  await measureCliOk(['--db', db, 'plans', 'add', 'Desk', '--price', '49.90', '--tax-rate', '20'], 'plans add');
  const imported = await measureCliOk(['--db', db, '--today', importedOn, 'import', csv, '--yes'], 'import');
  const run = await measureCliOk(['--db', db, '--today', asOf, 'invoices', 'run'], 'invoices run');
  const issued = run.stdout.split('\n').filter((line) => line.startsWith('INV-')).length;
  const rerun = await measureCliOk(['--db', db, '--today', asOf, 'invoices', 'run'], 'the rerun');
  const expected = count - Math.floor(count / 10);
  const vsImport = run.ms / imported.ms;
  const ratio = rerun.ms / run.ms;
  const ok = issued === expected && rerun.stdout === '' && vsImport <= 3 && run.peakRssMb <= 500 && ratio <= 0.2;
  return {
    ok,
    lines: [
      `${dialect}: ${count} memberships imported, ${issued} invoices issued (expected ${expected})`,
      `  import: ${fmt(imported.ms / 1000)} s, peak RSS ${fmt(imported.peakRssMb, 0)} MB`,
      `  run:    ${fmt(run.ms / 1000)} s (${Math.round(count / (run.ms / 1000))} memberships/s), ${fmt(vsImport)}x the import (target <= 3x) ${mark(vsImport <= 3)}, peak RSS ${fmt(run.peakRssMb, 0)} MB (target <= 500) ${mark(run.peakRssMb <= 500)}`,
      `  rerun:  ${fmt(rerun.ms / 1000)} s, ${fmt(ratio, 3)}x the run (target <= 0.2x) ${mark(ratio <= 0.2)}, peak RSS ${fmt(rerun.peakRssMb, 0)} MB, nothing issued: ${rerun.stdout === '' ? 'yes' : 'NO'}`,
    ],
  };
}

export const invoices = {
  name: 'invoices',
  description: `invoicing ${count} due monthly memberships against importing them (targets: run <= 3x import, <= 500 MB; rerun <= 0.2x run)`,
  async run() {
    return measureDialects(writeCsv, measureDialect);
  },
};
