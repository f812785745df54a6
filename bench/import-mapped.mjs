// `npm run bench -- import-mapped`: the 100k rows of the import benchmark written as another system exports them
// (first and last names apart, plan codes, other headers, padded, a column to ignore) and imported through a column
// mapping, against the same rows in template columns. Target: the mapped import costs at most 1.1x the template
// one, the best of three runs of each, alternated so that a moment of load on the machine weighs on both.
// Rows: MEMBERCTL_BENCH_IMPORT_ROWS (100,000).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importFile, writeCsv } from './import.mjs';
import { fmt, writeCsvLines } from './lib.mjs';

const exportHeader = [' Member ID ', 'First name', 'Last name', 'E-mail', 'Phone', 'Organisation', 'Membership Type', 'Joined', 'Renewal', 'Payer', 'Tags', 'Locker', 'Level', 'Export date'];
const codes = { 'Hot Desk': 'HD', 'Fixed Desk': 'FD', 'Private Office': 'PO' };
const mapping = [
  'First name+Last name=Name',
  'Membership Type=Plan name',
  'Membership Type: HD=Hot Desk, FD=Fixed Desk, PO=Private Office',
  'Joined=Start date',
  'Renewal=Next invoice date',
  'Export date=',
  'Country:=FR',
];

/** The template file's rows, rewritten as the export: the same people, memberships and payers. */
function writeExport(template, file, count) {
  const lines = fs.readFileSync(template, 'utf8').trimEnd().split('\n').slice(1);
  writeCsvLines(file, exportHeader.join(','), count, (i) => {
    const [name, email, phone, company, plan, start, next, payer, externalId, tags, locker, level] = lines[i - 1].split(',');
    const [first, last] = name.split(' ');
    return [externalId, first, last, email, phone, company, codes[plan], start, next, payer, tags, locker, level, '2026-11-20'].join(',');
  });
}

/** The template file with the Country column the mapping's constant gives: both imports write the same. */
function withCountry(template, file) {
  const lines = fs.readFileSync(template, 'utf8').trimEnd().split('\n');
  fs.writeFileSync(file, `${lines.map((line, i) => `${line},${i === 0 ? 'Country' : 'FR'}`).join('\n')}\n`);
}

const timedRuns = Number(process.env.MEMBERCTL_BENCH_RUNS ?? 3);

export const importMappedBench = {
  name: 'import-mapped',
  description: '`import` of a 100k-row export through a column mapping against the same rows in template columns (target: at most 1.1x)',
  async run() {
    const rows = Number(process.env.MEMBERCTL_BENCH_IMPORT_ROWS ?? 100_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-import-mapped-'));
    try {
      const generated = path.join(dir, 'generated.csv');
      const template = path.join(dir, 'members.csv');
      const exported = path.join(dir, 'export.csv');
      writeCsv(generated, rows);
      withCountry(generated, template);
      writeExport(generated, exported, rows);
      const flags = mapping.flatMap((entry) => ['--column', entry]);
      const templateRuns = [];
      const mappedRuns = [];
      for (let run = 0; run < timedRuns; run += 1) {
        templateRuns.push(await importFile(dir, `template-${run}`, template, rows));
        mappedRuns.push(await importFile(dir, `mapped-${run}`, exported, rows, flags));
      }
      const fastest = (runs) => runs.reduce((best, run) => (run.ms < best.ms ? run : best));
      const times = (runs) => runs.map((run) => fmt(run.ms / 1000)).join(', ');
      const plain = fastest(templateRuns);
      const mapped = fastest(mappedRuns);
      const ratio = mapped.ms / plain.ms;
      // the processor time of the fastest runs: what the mapping costs, less what the other processes of a busy machine take
      const cpuRatio = mapped.cpuMs / plain.cpuMs;
      const ok = ratio <= 1.1;
      return {
        ok,
        lines: [
          `${rows.toLocaleString('en-US')} rows; ${mapping.length} mapping entries (join, rename, value map, ignore, constant); ${os.availableParallelism()} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`,
          `import template columns: ${fmt(plain.ms / 1000)} s, best of ${timedRuns} (${times(templateRuns)}), ${fmt(plain.cpuMs / 1000)} s of CPU, peak RSS ${fmt(Math.max(...templateRuns.map((r) => r.peakRssMb)), 0)} MB`,
          `import mapped export:    ${fmt(mapped.ms / 1000)} s, best of ${timedRuns} (${times(mappedRuns)}), ${fmt(mapped.cpuMs / 1000)} s of CPU, peak RSS ${fmt(Math.max(...mappedRuns.map((r) => r.peakRssMb)), 0)} MB`,
          `mapped / template = ${fmt(ratio, 3)}x (target <= 1.1x) ${ok ? 'OK' : 'MISSED'}; CPU time ${fmt(cpuRatio, 3)}x; load average now ${os.loadavg()[0].toFixed(1)}`,
        ],
      };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
};
