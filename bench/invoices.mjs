// `npm run bench -- invoices`: the invoicing job on 100k due monthly memberships (10% paid for by another member),
// against importing those 100k rows. A template CSV is generated and imported, then `invoices run` bills every
// membership on the day they all fall due, and runs again the same day.
// Targets: the run at most 3x the import, at most 500 MB peak RSS; the same-day rerun at most 0.2x the run; the
// PostgreSQL run at most 1.5x the SQLite one (single runs).
// SQLite: the same run again on a copy of the imported database where 10% of the payers have a one-off charge
// (3 x 12.50 at 20%), at most 1.2x the run without; and on another copy where, besides those charges, 10% of the
// memberships have a discount (10% or 5.00 off, half of them for 3 periods), at most 1.2x the run without either.
// SQLite, then PostgreSQL (bench/pg.mjs). Rows: MEMBERCTL_BENCH_MEMBERSHIPS.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { fmt, mark, measureCliOk, measureDialects, writeCsvLines } from './lib.mjs';

const count = Number(process.env.MEMBERCTL_BENCH_MEMBERSHIPS ?? 100_000);
const importedOn = '2025-12-15';
const asOf = '2026-01-01';

/** Every tenth member is paid for by the one before; all start on Dec 1 and are next billed on Jan 1. */
function writeCsv(file) {
  writeCsvLines(file, 'Name,Email,Plan name,Start date,Next invoice date,Paid by', count, (i) => `Member ${i},member${i}@example.org,Desk,2025-12-01,${asOf},${i % 10 === 0 ? `member${i - 1}@example.org` : ''}`);
}

/** A copy of the imported SQLite database in which one payer in ten (ids ending in 1 but not 01: 9,000 of 90,000) has a charge due on the run's day. */
function copyWithCharges(db) {
  const copy = `${db}.charges.db`;
  fs.copyFileSync(db, copy);
  if (fs.existsSync(`${db}-wal`)) fs.copyFileSync(`${db}-wal`, `${copy}-wal`);
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const sqlite = new Database(copy);
  const inserted = sqlite
    .prepare(
      `insert into charges (member_id, description, quantity, unit_price, currency, tax_rate, date, deposit, created_at)
       select id, 'Meeting room', 3, 1250, 'EUR', '20', ?, 0, ? from members where paid_by_id is null and id % 10 = 1 and id % 100 <> 1`,
    )
    .run(asOf, new Date().toISOString());
  sqlite.close();
  return { db: copy, charges: inserted.changes };
}

/**
 * A copy of the imported SQLite database with the charges of `copyWithCharges`, and a discount on one membership in
 * ten (ids ending in 3): 10% off on even ids, 5.00 off on odd ones, for 3 periods when the id ends in 13, 33, ...
 */
function copyWithDiscountsAndCharges(db) {
  const { db: charged, charges } = copyWithCharges(db);
  const copy = `${db}.discounts.db`;
  fs.copyFileSync(charged, copy);
  if (fs.existsSync(`${charged}-wal`)) fs.copyFileSync(`${charged}-wal`, `${copy}-wal`);
  const Database = createRequire(import.meta.url)('better-sqlite3');
  const sqlite = new Database(copy);
  const inserted = sqlite
    .prepare(
      `insert into discounts (membership_id, percent, amount, periods, reason, created_at)
       select id, case when id % 2 = 0 then '10' end, case when id % 2 = 1 then 500 end, case when id % 20 = 13 then 3 end, 'bench', ?
       from memberships where id % 10 = 3`,
    )
    .run(new Date().toISOString());
  sqlite.close();
  return { db: copy, charges, discounts: inserted.changes };
}

async function measureDialect(dialect, db, csv) {
  await measureCliOk(['--db', db, 'plans', 'add', 'Desk', '--price', '49.90', '--tax-rate', '20'], 'plans add');
  const imported = await measureCliOk(['--db', db, '--today', importedOn, 'import', csv, '--yes'], 'import');
  const withCharges = dialect === 'sqlite' ? copyWithCharges(db) : null;
  const withDiscounts = dialect === 'sqlite' ? copyWithDiscountsAndCharges(db) : null;
  const run = await measureCliOk(['--db', db, '--today', asOf, 'invoices', 'run'], 'invoices run');
  const issued = run.stdout.split('\n').filter((line) => line.startsWith('INV-')).length;
  const rerun = await measureCliOk(['--db', db, '--today', asOf, 'invoices', 'run'], 'the rerun');
  const expected = count - Math.floor(count / 10);
  const vsImport = run.ms / imported.ms;
  const ratio = rerun.ms / run.ms;
  let ok = issued === expected && rerun.stdout === '' && vsImport <= 3 && run.peakRssMb <= 500 && ratio <= 0.2;
  const chargeLines = [];
  if (withCharges) {
    const charged = await measureCliOk(['--db', withCharges.db, '--today', asOf, 'invoices', 'run'], 'invoices run with charges');
    const chargedIssued = charged.stdout.split('\n').filter((line) => line.startsWith('INV-')).length;
    const vsRun = charged.ms / run.ms;
    const cpuVsRun = charged.cpuMs / run.cpuMs;
    ok = ok && chargedIssued === expected && vsRun <= 1.2;
    chargeLines.push(
      `  run with ${withCharges.charges} payers charged once (10%): ${fmt(charged.ms / 1000)} s, ${fmt(vsRun)}x the run without (target <= 1.2x) ${mark(vsRun <= 1.2)}; CPU ${fmt(charged.cpuMs / 1000)} s against ${fmt(run.cpuMs / 1000)} s (${fmt(cpuVsRun)}x), peak RSS ${fmt(charged.peakRssMb, 0)} MB, ${chargedIssued} invoices`,
    );
  }
  if (withDiscounts) {
    const discounted = await measureCliOk(['--db', withDiscounts.db, '--today', asOf, 'invoices', 'run'], 'invoices run with discounts and charges');
    const discountedIssued = discounted.stdout.split('\n').filter((line) => line.startsWith('INV-')).length;
    const vsRun = discounted.ms / run.ms;
    ok = ok && discountedIssued === expected && vsRun <= 1.2;
    chargeLines.push(
      `  run with ${withDiscounts.discounts} memberships discounted (10%) and ${withDiscounts.charges} payers charged once: ${fmt(discounted.ms / 1000)} s, ${fmt(vsRun)}x the run without (target <= 1.2x) ${mark(vsRun <= 1.2)}; CPU ${fmt(discounted.cpuMs / 1000)} s against ${fmt(run.cpuMs / 1000)} s (${fmt(discounted.cpuMs / run.cpuMs)}x), peak RSS ${fmt(discounted.peakRssMb, 0)} MB, ${discountedIssued} invoices`,
    );
  }
  return {
    ok,
    runMs: run.ms,
    lines: [
      `${dialect}: ${count} memberships imported, ${issued} invoices issued (expected ${expected})`,
      `  import: ${fmt(imported.ms / 1000)} s, peak RSS ${fmt(imported.peakRssMb, 0)} MB`,
      `  run:    ${fmt(run.ms / 1000)} s (${Math.round(count / (run.ms / 1000))} memberships/s), ${fmt(vsImport)}x the import (target <= 3x) ${mark(vsImport <= 3)}, peak RSS ${fmt(run.peakRssMb, 0)} MB (target <= 500) ${mark(run.peakRssMb <= 500)}`,
      `  rerun:  ${fmt(rerun.ms / 1000)} s, ${fmt(ratio, 3)}x the run (target <= 0.2x) ${mark(ratio <= 0.2)}, peak RSS ${fmt(rerun.peakRssMb, 0)} MB, nothing issued: ${rerun.stdout === '' ? 'yes' : 'NO'}`,
      ...chargeLines,
    ],
  };
}

export const invoices = {
  name: 'invoices',
  description: `invoicing ${count} due monthly memberships against importing them (targets: run <= 3x import, <= 500 MB; rerun <= 0.2x run; PostgreSQL run <= 1.5x SQLite's)`,
  async run() {
    const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
    const before = load();
    const measured = await measureDialects(writeCsv, measureDialect);
    const [sqlite, postgres] = measured.results;
    const lines = [`${os.availableParallelism()} cores, load average ${before}`, ...measured.lines];
    let ok = measured.ok;
    if (postgres.leftOut) lines.push('PostgreSQL run / SQLite run: left out (MEMBERCTL_BENCH_PG=off)');
    else {
      const ratio = postgres.runMs / sqlite.runMs;
      lines.push(`PostgreSQL run / SQLite run = ${fmt(ratio)}x, single runs (target <= 1.5x) ${mark(ratio <= 1.5)}`);
      ok &&= ratio <= 1.5;
    }
    lines.push(`load average now ${load()}`);
    return { ok, lines };
  },
};
