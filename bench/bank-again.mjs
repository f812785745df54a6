// `node bench/bank-again.mjs DIR [RUNS]`: the set-up of the `bank` benchmark (members with an open invoice each, and
// the statement of their credits; MEMBERCTL_BENCH_BANK of them, 50,000 unless told) made once and kept in DIR, then
// RUNS times (2 unless told), on a copy of that database: the statement imported, then the same statement again
// (SQLite), with the wall and processor times, their ratios and the load average. For measuring the second import
// again and again without making the set-up each time, e.g. two builds alternated (run it from each checkout).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setUpInvoices, writeCsv } from './bank.mjs';
import { fmt, measureCliOk } from './lib.mjs';

const [dir, runs = '2'] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node bench/bank-again.mjs DIR [RUNS]');
  process.exit(64);
}
fs.mkdirSync(dir, { recursive: true });
const csv = path.join(dir, 'members.csv');
const base = path.join(dir, 'base.db');
const statement = path.join(dir, 'statement.xml');
if (!fs.existsSync(base)) {
  writeCsv(csv);
  await setUpInvoices(path.join(dir, 'set-up.db'), csv);
  fs.renameSync(path.join(dir, 'set-up.db'), base);
  for (const file of fs.readdirSync(dir)) if (file.startsWith('set-up.db')) fs.rmSync(path.join(dir, file));
}
const load = () => os.loadavg()[0].toFixed(2);
for (let run = 1; run <= Number(runs); run += 1) {
  const db = path.join(dir, 'run.db');
  for (const file of fs.readdirSync(dir)) if (file.startsWith('run.db')) fs.rmSync(path.join(dir, file));
  fs.copyFileSync(base, db);
  const before = load();
  const args = ['--db', db, '--json', '--today', '2026-02-01', 'payments', 'import', statement];
  const first = await measureCliOk(args, 'payments import');
  const again = await measureCliOk(args, 'the same statement again');
  console.log(
    `run ${run} (load average ${before}-${load()}): import ${fmt(first.ms / 1000)} s, processor ${fmt(first.cpuMs / 1000)} s, ` +
      `peak RSS ${fmt(first.peakRssMb, 0)} MB; again ${fmt(again.ms / 1000)} s (${fmt(again.ms / first.ms, 3)}x), ` +
      `processor ${fmt(again.cpuMs / 1000)} s (${fmt(again.cpuMs / first.cpuMs, 3)}x), peak RSS ${fmt(again.peakRssMb, 0)} MB`,
  );
}
