// `npm run bench -- import` and `npm run bench -- import-1m`: member imports of generated template files.
// - import: 100k rows as CSV (12 columns: 10% with a payer, 60% with a company, two custom columns), timed
//   against `sqlite3 .import --csv` of the same file, the best of three runs of each (target: at most 15x, at most
//   400 MB peak RSS), then the same rows as xlsx (at most 500 MB peak RSS).
// - import-1m: 1M rows as CSV must complete within 1 GB peak RSS.
// - import-problems: `validate --json` of 1M rows that each repeat the first one (a problem on every row) must peak
//   at most at the RSS of 1M valid rows; the --json document and a CSV report list every problem.
// Row counts can be changed with MEMBERCTL_BENCH_IMPORT_ROWS, MEMBERCTL_BENCH_IMPORT_BIG_ROWS and
// MEMBERCTL_BENCH_PROBLEM_ROWS.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt, measure, measureCli, writeCsvLines } from './lib.mjs';

const today = '2026-11-23';
const plans = ['Hot Desk', 'Fixed Desk', 'Private Office'];
const header = ['Name', 'Email', 'Phone', 'Company', 'Plan name', 'Start date', 'Next invoice date', 'Paid by', 'External ID', 'Tags', 'Locker', 'Level'];

/** Row i (1-based) of the generated file; payers are referred to by e-mail (above) or by name (below). */
function row(i, count) {
  let payer = '';
  if (i % 10 === 0) payer = i % 20 === 0 || i + 3 > count ? `member${i - 1}@example.org` : `Member ${i + 3}`;
  const company = i % 5 < 3 ? `Company ${i % 5000}` : '';
  const day = String(1 + (i % 28)).padStart(2, '0');
  return [
    `Member ${i}`,
    `member${i}@example.org`,
    `+33 6 ${String(i % 100).padStart(2, '0')} ${String(i % 97).padStart(2, '0')} 00 00`,
    company,
    plans[i % plans.length],
    `2025-01-${day}`,
    `2027-01-${day}`,
    payer,
    `crm-${i}`,
    i % 7 === 0 ? 'vip' : '',
    `L${i}`,
    ['Bronze', 'Silver', 'Gold'][i % 3],
  ];
}

export function writeCsv(file, count) {
  writeCsvLines(file, header.join(','), count, (i) => row(i, count).join(','));
}

async function writeXlsx(file, count) {
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: false, useStyles: false });
  const sheet = workbook.addWorksheet('Members');
  sheet.addRow(header).commit();
  for (let i = 1; i <= count; i += 1) sheet.addRow(row(i, count)).commit();
  sheet.commit();
  await workbook.commit();
}

async function freshDb(dir, name) {
  const db = path.join(dir, `${name}.db`);
  for (const plan of plans) {
    const added = await measureCli(['--db', db, 'plans', 'add', plan, '--price', '200', '--tax-rate', '20']);
    if (added.code !== 0) throw new Error(`plans add failed: ${added.stderr}`);
  }
  return db;
}

function sqliteAvailable() {
  return spawnSync('sqlite3', ['-version'], { stdio: 'ignore' }).status === 0;
}

/** Runs timed of the import and of its reference, the best of which is compared. */
const timedRuns = 3;

/** Best of a few runs of the raw load, the reference the import is compared with. */
async function sqliteImport(dir, csv) {
  let best = Number.POSITIVE_INFINITY;
  for (let run = 0; run < timedRuns; run += 1) {
    const db = path.join(dir, `raw-${run}.db`);
    const result = await measure('sqlite3', [db, `.import --csv "${csv}" raw`]);
    if (result.code !== 0) throw new Error(`sqlite3 .import failed: ${result.stderr}`);
    best = Math.min(best, result.ms);
    fs.rmSync(db, { force: true });
  }
  return best;
}

export async function importFile(dir, name, file, rows, extra = []) {
  const db = await freshDb(dir, name);
  const run = await measureCli(['--db', db, '--today', today, '--json', 'import', file, ...extra]);
  if (run.code !== 0) throw new Error(`import ${path.basename(file)} exited ${run.code}: ${run.stderr.slice(0, 500)}`);
  const result = JSON.parse(run.stdout);
  if (result.created.members !== rows) throw new Error(`import created ${result.created.members} members, expected ${rows}`);
  return { ...run, db };
}

const rate = (rows, ms) => `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;

export const importBench = {
  name: 'import',
  description: '`import` of a 100k-row template CSV against `sqlite3 .import` (target: at most 15x, 400 MB), and as xlsx (500 MB)',
  async run() {
    const rows = Number(process.env.MEMBERCTL_BENCH_IMPORT_ROWS ?? 100_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-import-'));
    try {
      const csv = path.join(dir, 'members.csv');
      const xlsx = path.join(dir, 'members.xlsx');
      writeCsv(csv, rows);
      await writeXlsx(xlsx, rows);
      const lines = [`${rows.toLocaleString('en-US')} rows, ${header.length} columns; CSV ${fmt(fs.statSync(csv).size / 1e6, 1)} MB, xlsx ${fmt(fs.statSync(xlsx).size / 1e6, 1)} MB`];
      let ok = true;

      const validateDb = await freshDb(dir, 'validate');
      const validate = await measureCli(['--db', validateDb, '--today', today, '--json', 'validate', csv]);
      if (validate.code !== 0) throw new Error(`validate exited ${validate.code}: ${(validate.stderr || validate.stdout).slice(0, 800)}`);
      lines.push(`validate CSV:  ${fmt(validate.ms / 1000)} s (${rate(rows, validate.ms)}), peak RSS ${fmt(validate.peakRssMb, 0)} MB`);

      // timed as the reference is: the best of a few runs, each into a new database, so that a moment of load on the
      // machine does not decide the ratio; the peak RSS is the highest of them
      const csvRuns = [];
      for (let run = 0; run < timedRuns; run += 1) csvRuns.push(await importFile(dir, `csv-${run}`, csv, rows));
      const csvRun = csvRuns.reduce((best, run) => (run.ms < best.ms ? run : best));
      const peakRssMb = Math.max(...csvRuns.map((run) => run.peakRssMb));
      const times = csvRuns.map((run) => fmt(run.ms / 1000)).join(', ');
      const csvOk = peakRssMb <= 400;
      lines.push(`import CSV:    ${fmt(csvRun.ms / 1000)} s, best of ${timedRuns} (${times}) (${rate(rows, csvRun.ms)}), peak RSS ${fmt(peakRssMb, 0)} MB (target <= 400) ${csvOk ? 'OK' : 'MISSED'}`);
      ok &&= csvOk;

      const again = await measureCli(['--db', csvRun.db, '--today', today, '--json', 'import', csv]);
      const unchanged = again.code === 0 && JSON.parse(again.stdout).unchanged === rows;
      lines.push(`re-import CSV: ${fmt(again.ms / 1000)} s, every row unchanged: ${unchanged ? 'yes' : 'NO'}`);
      ok &&= unchanged;

      if (sqliteAvailable()) {
        const raw = await sqliteImport(dir, csv);
        const ratio = csvRun.ms / raw;
        lines.push(`sqlite3 .import --csv: ${fmt(raw / 1000, 3)} s; import / sqlite3 = ${fmt(ratio, 1)}x (target <= 15x) ${ratio <= 15 ? 'OK' : 'MISSED'}`);
        ok &&= ratio <= 15;
      } else {
        lines.push('sqlite3 CLI not found: ratio skipped (install it, e.g. `apt-get install sqlite3`)');
      }

      const xlsxRun = await importFile(dir, 'xlsx', xlsx, rows);
      const xlsxOk = xlsxRun.peakRssMb <= 500;
      lines.push(`import xlsx:   ${fmt(xlsxRun.ms / 1000)} s (${rate(rows, xlsxRun.ms)}), peak RSS ${fmt(xlsxRun.peakRssMb, 0)} MB (target <= 500) ${xlsxOk ? 'OK' : 'MISSED'}`);
      ok &&= xlsxOk;
      return { ok, lines };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const importBigBench = {
  name: 'import-1m',
  description: '`import` of a 1M-row template CSV completes (target: at most 1 GB peak RSS)',
  async run() {
    const rows = Number(process.env.MEMBERCTL_BENCH_IMPORT_BIG_ROWS ?? 1_000_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-import-1m-'));
    try {
      const csv = path.join(dir, 'members.csv');
      writeCsv(csv, rows);
      const run = await importFile(dir, 'big', csv, rows);
      const ok = run.peakRssMb <= 1024;
      return {
        ok,
        lines: [
          `${rows.toLocaleString('en-US')} rows, CSV ${fmt(fs.statSync(csv).size / 1e6, 0)} MB`,
          `import CSV: ${fmt(run.ms / 1000, 1)} s (${rate(rows, run.ms)}), peak RSS ${fmt(run.peakRssMb, 0)} MB (target <= 1024) ${ok ? 'OK' : 'MISSED'}`,
        ],
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

export const importProblemsBench = {
  name: 'import-problems',
  description: '`validate` of 1M rows with a problem each peaks at most at the RSS of 1M valid rows, every problem listed',
  async run() {
    const rows = Number(process.env.MEMBERCTL_BENCH_PROBLEM_ROWS ?? 1_000_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-problems-'));
    try {
      const good = path.join(dir, 'good.csv');
      const bad = path.join(dir, 'repeated.csv');
      writeCsv(good, rows);
      const first = row(1, rows).join(',');
      writeCsvLines(bad, header.join(','), rows, () => first);
      const db = await freshDb(dir, 'problems');
      const validate = async (file, extra = []) => {
        const run = await measureCli(['--db', db, '--today', today, '--json', 'validate', file, ...extra]);
        if (run.code !== 0 && run.code !== 65) throw new Error(`validate ${path.basename(file)} exited ${run.code}: ${run.stderr.slice(0, 500)}`);
        return run;
      };
      const valid = await validate(good);
      const repeated = await validate(bad);
      const document = JSON.parse(repeated.stdout);
      const listed = document.problems.length;
      const expected = document.errors + document.warnings;
      repeated.stdout = '';
      const report = path.join(dir, 'report.csv');
      const reported = await validate(bad, ['--report', report]);
      const reportLines = fs.readFileSync(report, 'utf8').trimEnd().split('\n').length - 1;
      const ratio = repeated.peakRssMb / valid.peakRssMb;
      // every row but the first repeats it; the two custom columns are a warning each
      const complete = document.errors === rows - 1 && listed === expected && reportLines === expected;
      const ok = ratio <= 1 && complete;
      return {
        ok,
        lines: [
          `${rows.toLocaleString('en-US')} rows; valid CSV ${fmt(fs.statSync(good).size / 1e6, 0)} MB, repeated rows CSV ${fmt(fs.statSync(bad).size / 1e6, 0)} MB`,
          `validate valid rows:         ${fmt(valid.ms / 1000, 1)} s, peak RSS ${fmt(valid.peakRssMb, 0)} MB`,
          `validate repeated rows:      ${fmt(repeated.ms / 1000, 1)} s, peak RSS ${fmt(repeated.peakRssMb, 0)} MB, ${listed.toLocaleString('en-US')} problems in --json`,
          `  with --report report.csv:  ${fmt(reported.ms / 1000, 1)} s, peak RSS ${fmt(reported.peakRssMb, 0)} MB, ${reportLines.toLocaleString('en-US')} problems in the report`,
          `repeated / valid peak RSS = ${fmt(ratio, 2)} (target <= 1), every problem listed: ${complete ? 'yes' : 'NO'} ${ok ? 'OK' : 'MISSED'}`,
        ],
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
