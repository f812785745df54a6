import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderReference } from '../../src/reference.js';

describe('docs/reference.md', () => {
  it('is what `npm run docs` generates from the command definitions', () => {
    const committed = fs.readFileSync(new URL('../../docs/reference.md', import.meta.url), 'utf8');
    const generated = renderReference();
    if (committed !== generated) expect.fail('docs/reference.md is out of date: run npm run docs');
  });

  it('documents every exit code of src/errors.ts and every command', () => {
    const text = renderReference();
    for (const code of [0, 64, 65, 66, 70, 73, 74, 75, 78, 130]) expect(text).toMatch(new RegExp(`^\\| ${code} \\|`, 'm'));
    expect(text).toContain('### `memberctl jobs run`');
    expect(text).toContain('### `memberctl import stripe`');
  });
});

describe('docs/cron.md', () => {
  it('lists exactly the exit codes of src/errors.ts', async () => {
    const { ExitCode } = await import('../../src/errors.js');
    const text = fs.readFileSync(new URL('../../docs/cron.md', import.meta.url), 'utf8');
    const table = text.slice(text.indexOf('## Exit codes'));
    const listed = [...table.matchAll(/^\| (\d+) \|/gm)].map((m) => Number(m[1]));
    expect(listed).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });
});
