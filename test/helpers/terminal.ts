import { spawn, spawnSync } from 'node:child_process';
import { bin, root } from './cli.js';

/** Whether util-linux `script` is there to give the CLI a pseudo-terminal. */
export const hasScript = spawnSync('script', ['--version']).status === 0;

/**
 * Runs the built CLI on a pseudo-terminal (util-linux `script`), answering each prompt when its text appears (keys as
 * typed: "\r" is Enter, "\u001b[B" the down arrow). `output` is everything the terminal showed.
 */
export function onTerminal(
  args: string[],
  answers: Array<[RegExp, string]>,
  cwd = root,
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; output: string }> {
  const command = [process.execPath, bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env: { ...process.env, MEMBERCTL_DB: undefined, CI: undefined, NO_COLOR: '1', TERM: 'xterm', ...env } });
  let output = '';
  let seen = 0;
  const pending = [...answers];
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  child.stdout.on('data', (data: Buffer) => {
    output += data.toString('utf8');
    const next = pending[0];
    // each question is looked for after the text that answered the one before
    if (next?.[0].test(output.slice(seen))) {
      pending.shift();
      seen = output.length;
      setTimeout(() => child.stdin.write(next[1]), 150);
    }
  });
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}
