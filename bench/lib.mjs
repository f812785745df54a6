import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newPostgresDatabase, postgresWanted } from './pg.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const bin = path.join(root, 'bin', 'memberctl.js');

/** Runs a command and returns its exit code, output and wall time (ms). */
export function measure(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd: options.cwd ?? root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      resolve({ code, ms, stdout, stderr });
    });
  });
}

/** Runs the built memberctl; peak RSS (MB) comes from the process itself (bench/rss-reporter.mjs). */
export async function measureCli(args, options = {}) {
  const reporter = path.join(root, 'bench', 'rss-reporter.mjs');
  const result = await measure(process.execPath, ['--import', reporter, bin, ...args], options);
  const match = /__PEAK_RSS_KB=(\d+)/.exec(result.stderr);
  const cpu = /__CPU_US=(\d+)/.exec(result.stderr);
  return {
    ...result,
    peakRssMb: match ? Number(match[1]) / 1024 : null,
    cpuMs: cpu ? Number(cpu[1]) / 1000 : null,
    stderr: result.stderr.replace(/__PEAK_RSS_KB=\d+\n?/, '').replace(/__CPU_US=\d+\n?/, ''),
  };
}

export async function best(times, fn) {
  const samples = [];
  for (let i = 0; i < times; i += 1) samples.push(await fn());
  samples.sort((a, b) => a - b);
  return { min: samples[0], median: samples[Math.floor(samples.length / 2)] };
}

export const fmt = (n, digits = 2) => Number(n).toFixed(digits);

/** Runs the built memberctl like measureCli, and fails the benchmark when the command does not succeed. */
export async function measureCliOk(args, what) {
  const result = await measureCli(args);
  if (result.code !== 0) throw new Error(`${what} exited ${result.code}: ${result.stderr.slice(0, 2000)}`);
  return result;
}

export const mark = (pass) => (pass ? 'OK' : 'MISSED');

/**
 * Writes the CSV (`writeCsv(file)`) in a temporary folder, then measures with `measureDialect(dialect, db, csv)`
 * on SQLite, then on a new PostgreSQL database (bench/pg.mjs). `results` holds what each dialect returned, SQLite's
 * first (PostgreSQL's is `leftOut` with MEMBERCTL_BENCH_PG=off).
 */
export async function measureDialects(writeCsv, measureDialect) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-'));
  const csv = path.join(dir, 'members.csv');
  writeCsv(csv);
  try {
    const results = [await measureDialect('sqlite', path.join(dir, 'bench.db'), csv)];
    if (postgresWanted()) results.push(await measureDialect('postgres', await newPostgresDatabase(), csv));
    else results.push({ ok: true, lines: ['postgres: left out (MEMBERCTL_BENCH_PG=off)'], leftOut: true });
    return { ok: results.every((r) => r.ok), lines: results.flatMap((r) => r.lines), results };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes a CSV of a header and `count` lines, `line(i)` for i = 1..count, a MB at a time. */
export function writeCsvLines(file, header, count, line) {
  const fd = fs.openSync(file, 'w');
  let chunk = `${header}\n`;
  for (let i = 1; i <= count; i += 1) {
    chunk += `${line(i)}\n`;
    if (chunk.length > 1 << 20) {
      fs.writeSync(fd, chunk);
      chunk = '';
    }
  }
  fs.writeSync(fd, chunk);
  fs.closeSync(fd);
}
