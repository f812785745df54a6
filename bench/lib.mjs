import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
  return { ...result, peakRssMb: match ? Number(match[1]) / 1024 : null, stderr: result.stderr.replace(/__PEAK_RSS_KB=\d+\n?/, '') };
}

export async function best(times, fn) {
  const samples = [];
  for (let i = 0; i < times; i += 1) samples.push(await fn());
  samples.sort((a, b) => a - b);
  return { min: samples[0], median: samples[Math.floor(samples.length / 2)] };
}

export const fmt = (n, digits = 2) => Number(n).toFixed(digits);
