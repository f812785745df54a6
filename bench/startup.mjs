import { best, bin, fmt, measure } from './lib.mjs';

/** `memberctl --help` must start within 2x a bare `node -e 0`. */
export const startup = {
  name: 'startup',
  description: '`memberctl --help` start-up against a bare `node -e 0` (target: at most 2x)',
  async run() {
    const runs = 15;
    await measure(process.execPath, ['-e', '0']);
    await measure(process.execPath, [bin, '--help']);
    const node = await best(runs, async () => (await measure(process.execPath, ['-e', '0'])).ms);
    const help = await best(runs, async () => (await measure(process.execPath, [bin, '--help'])).ms);
    const ratio = help.median / node.median;
    return {
      ok: ratio <= 2,
      lines: [
        `node -e 0:        median ${fmt(node.median, 1)} ms (min ${fmt(node.min, 1)})`,
        `memberctl --help: median ${fmt(help.median, 1)} ms (min ${fmt(help.min, 1)})`,
        `ratio: ${fmt(ratio)}x (target <= 2x) ${ratio <= 2 ? 'OK' : 'MISSED'}`,
      ],
    };
  },
};
