import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import pkg from '../../package.json' with { type: 'json' };
import { VERSION } from '../../src/version.js';

function leaves(command: Command, prefix: string[] = []): Array<{ path: string; command: Command }> {
  if (command.commands.length === 0) return [{ path: prefix.join(' '), command }];
  return command.commands.flatMap((c) => leaves(c, [...prefix, c.name()]));
}

describe('help', () => {
  const program = buildProgram({ exitCode: 0 });

  it.each(leaves(program).map((l) => [l.path, l.command] as const))('%s --help shows at least one example', (_path, command) => {
    let text = '';
    command.configureOutput({ writeOut: (s) => (text += s) });
    command.outputHelp();
    expect(text).toMatch(/Examples:\n\s+\$ memberctl /);
  });

  it('reports the package version', () => {
    expect(VERSION).toBe(pkg.version);
  });
});
