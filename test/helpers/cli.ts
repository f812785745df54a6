import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = path.join(root, 'bin', 'memberctl.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as the one JSON document --json promises */
  json<T = any>(): T;
}

export interface CliOptions {
  db?: string;
  today?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  /**
   * A command that runs the CLI for the test (`['setpriv', '--reuid=65534', ...]`, `['sh', '-c', 'umask 022; exec "$0" "$@"']`):
   * node's path and the CLI's arguments follow its own.
   */
  wrap?: string[];
}

/** The arguments (after node) and spawn options of the built CLI, as every test runs it. */
function cliSpawn(args: string[], options: CliOptions): [string, string[], { cwd: string; env: NodeJS.ProcessEnv }] {
  const fullArgs = [
    ...(options.db ? ['--db', options.db] : []),
    ...(options.today ? ['--today', options.today] : []),
    ...args,
  ];
  const [command = process.execPath, ...wrapArgs] = options.wrap ?? [];
  return [
    command,
    [...wrapArgs, ...(options.wrap ? [process.execPath] : []), bin, ...fullArgs],
    { cwd: options.cwd ?? root, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, MEMBERCTL_DB: undefined, MEMBERCTL_TODAY: undefined, ...options.env } },
  ];
}

/** Starts the built `bin/memberctl` without waiting for it, its output ignored: for tests that kill it or race it. */
export function startCli(args: string[], options: CliOptions = {}): { child: ChildProcess; exit: Promise<number | null> } {
  const [command, argv, spawnOptions] = cliSpawn(args, options);
  const child = spawn(command, argv, { ...spawnOptions, stdio: 'ignore' });
  return { child, exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

/** Runs the built `bin/memberctl` as a user would, without a terminal. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const [command, argv, spawnOptions] = cliSpawn(args, options);
    const child = spawn(command, argv, { ...spawnOptions, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        json() {
          try {
            return JSON.parse(stdout);
          } catch {
            throw new Error(`stdout is not one JSON document:\n${stdout}\nstderr:\n${stderr}`);
          }
        },
      }),
    );
    child.stdin.end(options.input ?? '');
  });
}
