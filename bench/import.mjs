// `npm run bench -- import` and `npm run bench -- import-1m`: member imports of generated template files.
// - import: 100k rows as CSV (12 columns: 10% with a payer, 60% with a company, two custom columns). Three rounds,
//   each of: the import into a new SQLite file, the same file imported again into it (every row unchanged), a copy
//   with the phone of every 100th row changed imported into it with --update (1% of the rows updated), `sqlite3
//   .import --csv` of the file into a bare table, the same rows as xlsx into a new SQLite file, and the CSV into a new
//   PostgreSQL database (bench/pg.mjs); the fastest round of each is compared (best of three). Targets: the import at
//   most 8x `sqlite3 .import` and at most 400 MB peak RSS; the unchanged re-import at most 0.25x the import, the 1%
//   update at most 0.3x; PostgreSQL at most 1.5x SQLite; xlsx at most 2x the CSV and at most 500 MB peak RSS.
// - import-1m: 1M rows as CSV (one run) at most 45 s and 700 MB peak RSS; with 10k and 100k rows (best of three
//   each), a table of the cost per row, whose µs per row at 1M must be at most 1.2x that at 100k.
// - import-problems: `validate --json` of 1M rows that each repeat the first one (a problem on every row) must peak
//   at most at the RSS of 1M valid rows; the --json document and a CSV report list every problem.
// Row counts can be changed with MEMBERCTL_BENCH_IMPORT_ROWS (also the middle row of import-1m's table),
// MEMBERCTL_BENCH_IMPORT_BIG_ROWS and MEMBERCTL_BENCH_PROBLEM_ROWS; MEMBERCTL_BENCH_PG=off leaves PostgreSQL out.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fmt, mark, measure, measureCli, writeCsvLines } from './lib.mjs';
import { newPostgresDatabase, postgresWanted } from './pg.mjs';

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

/** Adds the file's plans to a new database (a SQLite path or a PostgreSQL URL). */
async function preparedDb(db) {
  for (const plan of plans) {
    const added = await measureCli(['--db', db, 'plans', 'add', plan, '--price', '200', '--tax-rate', '20']);
    if (added.code !== 0) throw new Error(`plans add failed: ${added.stderr}`);
  }
  return db;
}

const freshDb = (dir, name) => preparedDb(path.join(dir, `${name}.db`));

function sqliteAvailable() {
  return spawnSync('sqlite3', ['-version'], { stdio: 'ignore' }).status === 0;
}

/** Rounds of the 100k import benchmark: each figure compared is the fastest of them. */
const timedRuns = 3;

/** Imports `file` into `db` (prepared) and checks that every row made a member. */
async function importInto(db, file, rows, extra = []) {
  const run = await measureCli(['--db', db, '--today', today, '--json', 'import', file, ...extra]);
  if (run.code !== 0) throw new Error(`import ${path.basename(file)} exited ${run.code}: ${run.stderr.slice(0, 500)}`);
  const result = JSON.parse(run.stdout);
  if (result.created.members !== rows) throw new Error(`import created ${result.created.members} members, expected ${rows}`);
  return { ...run, result, db };
}

export async function importFile(dir, name, file, rows, extra = []) {
  return importInto(await freshDb(dir, name), file, rows, extra);
}

/** Imports `file` again into `db`, where it was imported before; `result` is the --json document. */
async function reimport(db, file, extra = []) {
  const run = await measureCli(['--db', db, '--today', today, '--json', 'import', file, ...extra]);
  if (run.code !== 0) throw new Error(`re-import ${path.basename(file)} exited ${run.code}: ${run.stderr.slice(0, 500)}`);
  return { ...run, result: JSON.parse(run.stdout) };
}

/** The phone the edited copy gives every 100th row, instead of row()'s. */
const editedPhone = (i) => `+33 7 ${String(i % 100).padStart(2, '0')} ${String(i % 97).padStart(2, '0')} 11 11`;
const editedEvery = 100;

/** The template file with the phone of every 100th row changed: `import --update` updates 1% of the members. */
function writeEditedCsv(file, count) {
  writeCsvLines(file, header.join(','), count, (i) => {
    const values = row(i, count);
    if (i % editedEvery === 0) values[2] = editedPhone(i);
    return values.join(',');
  });
}

const rate = (rows, ms) => `${Math.round(rows / (ms / 1000)).toLocaleString('en-US')} rows/s`;
const fastest = (runs) => runs.reduce((best, run) => (run.ms < best.ms ? run : best));
const seconds = (runs) => runs.map((run) => fmt(run.ms / 1000)).join(', ');
const highestRss = (runs) => Math.max(...runs.map((run) => run.peakRssMb));
const loadAverage = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
/** A ratio against its target: the line's end, and whether it is met. */
const against = (ratio, target) => ({ text: `${fmt(ratio, 2)}x (target <= ${target}x) ${mark(ratio <= target)}`, ok: ratio <= target });

export const importBench = {
  name: 'import',
  description:
    '`import` of a 100k-row template CSV (targets, best of three: at most 8x `sqlite3 .import`, 400 MB; unchanged re-import <= 0.25x, 1% updated <= 0.3x, PostgreSQL <= 1.5x SQLite, xlsx <= 2x the CSV and 500 MB)',
  async run() {
    const rows = Number(process.env.MEMBERCTL_BENCH_IMPORT_ROWS ?? 100_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-import-'));
    try {
      const csv = path.join(dir, 'members.csv');
      const edited = path.join(dir, 'members-edited.csv');
      const xlsx = path.join(dir, 'members.xlsx');
      writeCsv(csv, rows);
      writeEditedCsv(edited, rows);
      await writeXlsx(xlsx, rows);
      const expectedUpdates = Math.floor(rows / editedEvery);
      const lines = [
        `${rows.toLocaleString('en-US')} rows, ${header.length} columns; CSV ${fmt(fs.statSync(csv).size / 1e6, 1)} MB, xlsx ${fmt(fs.statSync(xlsx).size / 1e6, 1)} MB; ${os.availableParallelism()} cores, load average ${loadAverage()}`,
      ];
      let ok = true;

      const validateDb = await freshDb(dir, 'validate');
      const validate = await measureCli(['--db', validateDb, '--today', today, '--json', 'validate', csv]);
      if (validate.code !== 0) throw new Error(`validate exited ${validate.code}: ${(validate.stderr || validate.stdout).slice(0, 800)}`);
      lines.push(`validate CSV:  ${fmt(validate.ms / 1000)} s, single run (${rate(rows, validate.ms)}), peak RSS ${fmt(validate.peakRssMb, 0)} MB`);

      // rounds of every measurement in turn, each import into a new database, so that a moment of load on the
      // machine weighs on all of them and does not decide a ratio; the fastest run of each is compared, the peak
      // RSS is the highest of them
      const haveSqlite3 = sqliteAvailable();
      const withPostgres = postgresWanted();
      const csvRuns = [];
      const againRuns = [];
      const updateRuns = [];
      const rawRuns = [];
      const xlsxRuns = [];
      const pgRuns = [];
      let everyRowUnchanged = true;
      let updatedCounts = [];
      for (let round = 0; round < timedRuns; round += 1) {
        const first = await importFile(dir, `csv-${round}`, csv, rows);
        csvRuns.push(first);
        const again = await reimport(first.db, csv);
        everyRowUnchanged &&= again.result.unchanged === rows;
        againRuns.push(again);
        const update = await reimport(first.db, edited, ['--update']);
        updatedCounts.push(update.result.updated.members);
        updateRuns.push(update);
        if (haveSqlite3) {
          const raw = path.join(dir, `raw-${round}.db`);
          const run = await measure('sqlite3', [raw, `.import --csv "${csv}" raw`]);
          if (run.code !== 0) throw new Error(`sqlite3 .import failed: ${run.stderr}`);
          rawRuns.push(run);
          fs.rmSync(raw, { force: true });
        }
        xlsxRuns.push(await importFile(dir, `xlsx-${round}`, xlsx, rows));
        if (withPostgres) pgRuns.push(await importInto(await preparedDb(await newPostgresDatabase()), csv, rows));
        for (const file of fs.readdirSync(dir)) if (/^(csv|xlsx)-\d+\.db/.test(file)) fs.rmSync(path.join(dir, file), { force: true });
      }
      updatedCounts = [...new Set(updatedCounts)];

      const csvRun = fastest(csvRuns);
      const csvRss = highestRss(csvRuns);
      const csvRssOk = csvRss <= 400;
      lines.push(`import CSV:    ${fmt(csvRun.ms / 1000)} s, best of ${timedRuns} (${seconds(csvRuns)}) (${rate(rows, csvRun.ms)}), peak RSS ${fmt(csvRss, 0)} MB (target <= 400) ${mark(csvRssOk)}`);
      ok &&= csvRssOk;

      if (haveSqlite3) {
        const raw = fastest(rawRuns);
        const ratio = against(csvRun.ms / raw.ms, 8);
        lines.push(`sqlite3 .import --csv: ${fmt(raw.ms / 1000, 3)} s, best of ${timedRuns} (${rawRuns.map((run) => fmt(run.ms / 1000, 3)).join(', ')}); import / sqlite3 = ${ratio.text}`);
        ok &&= ratio.ok;
      } else {
        lines.push('sqlite3 CLI not found: import / sqlite3 not measured (install it, e.g. `apt-get install sqlite3`)');
      }

      const again = fastest(againRuns);
      const againRatio = against(again.ms / csvRun.ms, 0.25);
      lines.push(`re-import, unchanged: ${fmt(again.ms / 1000)} s, best of ${timedRuns} (${seconds(againRuns)}), every row unchanged: ${everyRowUnchanged ? 'yes' : 'NO'}; re-import / import = ${againRatio.text}`);
      ok &&= everyRowUnchanged && againRatio.ok;

      const update = fastest(updateRuns);
      const updatedOk = updatedCounts.length === 1 && updatedCounts[0] === expectedUpdates;
      const updateRatio = against(update.ms / csvRun.ms, 0.3);
      lines.push(
        `re-import, 1% changed (--update): ${fmt(update.ms / 1000)} s, best of ${timedRuns} (${seconds(updateRuns)}), ${updatedCounts.join('/')} members updated (expected ${expectedUpdates}) ${updatedOk ? 'yes' : 'NO'}; update / import = ${updateRatio.text}`,
      );
      ok &&= updatedOk && updateRatio.ok;

      if (withPostgres) {
        const pgRun = fastest(pgRuns);
        const pgRatio = against(pgRun.ms / csvRun.ms, 1.5);
        lines.push(`import CSV into PostgreSQL: ${fmt(pgRun.ms / 1000)} s, best of ${timedRuns} (${seconds(pgRuns)}) (${rate(rows, pgRun.ms)}), peak RSS ${fmt(highestRss(pgRuns), 0)} MB; PostgreSQL / SQLite = ${pgRatio.text}`);
        ok &&= pgRatio.ok;
      } else {
        lines.push('import CSV into PostgreSQL: left out (MEMBERCTL_BENCH_PG=off); PostgreSQL / SQLite not measured');
      }

      const xlsxRun = fastest(xlsxRuns);
      const xlsxRss = highestRss(xlsxRuns);
      const xlsxRssOk = xlsxRss <= 500;
      const xlsxRatio = against(xlsxRun.ms / csvRun.ms, 2);
      lines.push(
        `import xlsx:   ${fmt(xlsxRun.ms / 1000)} s, best of ${timedRuns} (${seconds(xlsxRuns)}) (${rate(rows, xlsxRun.ms)}), peak RSS ${fmt(xlsxRss, 0)} MB (target <= 500) ${mark(xlsxRssOk)}; xlsx / CSV = ${xlsxRatio.text}`,
      );
      ok &&= xlsxRssOk && xlsxRatio.ok;
      lines.push(`load average now ${loadAverage()}`);
      return { ok, lines };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** Runs of the smaller sizes of import-1m's table (the 1M import is a single run). */
const tableRuns = 3;

export const importBigBench = {
  name: 'import-1m',
  description:
    '`import` of a 1M-row template CSV (targets: at most 45 s, 700 MB peak RSS; µs per row at most 1.2x that of 100k rows), with a table of 10k / 100k / 1M rows',
  async run() {
    const rows = Number(process.env.MEMBERCTL_BENCH_IMPORT_BIG_ROWS ?? 1_000_000);
    const middle = Number(process.env.MEMBERCTL_BENCH_IMPORT_ROWS ?? 100_000);
    const small = Math.max(1, Math.round(middle / 10));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-import-1m-'));
    try {
      const lines = [`${os.availableParallelism()} cores, load average ${loadAverage()}`];
      const sizes = [];
      for (const [count, runs] of [
        [small, tableRuns],
        [middle, tableRuns],
        [rows, 1],
      ]) {
        const csv = path.join(dir, `members-${count}.csv`);
        writeCsv(csv, count);
        const size = fs.statSync(csv).size;
        const measured = [];
        for (let run = 0; run < runs; run += 1) {
          measured.push(await importFile(dir, `import-${count}-${run}`, csv, count));
          fs.rmSync(path.join(dir, `import-${count}-${run}.db`), { force: true });
        }
        fs.rmSync(csv, { force: true });
        const best = fastest(measured);
        sizes.push({ count, runs, size, ms: best.ms, all: measured, peakRssMb: highestRss(measured) });
      }
      const big = sizes[2];
      const usPerRow = (s) => (s.ms * 1000) / s.count;
      lines.push('| rows | CSV | time | rows/s | µs per row | peak RSS | runs |', '|---|---|---|---|---|---|---|');
      for (const s of sizes) {
        const runs = s.runs === 1 ? 'single run' : `best of ${s.runs} (${seconds(s.all)} s)`;
        lines.push(
          `| ${s.count.toLocaleString('en-US')} | ${fmt(s.size / 1e6, 1)} MB | ${fmt(s.ms / 1000, 2)} s | ${Math.round(s.count / (s.ms / 1000)).toLocaleString('en-US')} | ${fmt(usPerRow(s), 1)} | ${fmt(s.peakRssMb, 0)} MB | ${runs} |`,
        );
      }
      const timeOk = big.ms <= 45_000;
      const rssOk = big.peakRssMb <= 700;
      const perRow = against(usPerRow(big) / usPerRow(sizes[1]), 1.2);
      lines.push(
        `import ${rows.toLocaleString('en-US')} rows: ${fmt(big.ms / 1000, 1)} s (target <= 45 s) ${mark(timeOk)}, peak RSS ${fmt(big.peakRssMb, 0)} MB (target <= 700) ${mark(rssOk)}`,
        `µs per row at ${rows.toLocaleString('en-US')} / at ${middle.toLocaleString('en-US')} = ${perRow.text}`,
        `load average now ${loadAverage()}`,
      );
      return { ok: timeOk && rssOk && perRow.ok, lines };
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
