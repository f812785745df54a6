import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli.js';
import { bin, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/db.js';

/** A folder holding a `memberctl` that runs the built CLI, to put first on PATH as an installed memberctl is. */
function installed(): string {
  const folder = tempDir('memberctl-bin-');
  const wrapper = path.join(folder, 'memberctl');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(bin)} "$@"\n`, { mode: 0o755 });
  return folder;
}

/** Runs `script` in bash with the completion of the installed memberctl loaded, as ~/.bashrc would load it. */
function inBash(script: string): { status: number | null; stdout: string; stderr: string } {
  const folder = installed();
  const result = spawnSync('bash', ['-c', `source <(memberctl completion bash)\n${script}`], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${folder}:${process.env.PATH}`, NO_COLOR: '1' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A bash function `c WORD...` printing what completing the last word gives, one candidate a line, then "--". */
const completer = `c() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _memberctl; printf '%s\\n' "\${COMPREPLY[@]}" --; }`;

/** The candidates of each `c ...` call of `calls`, in order. */
function completions(calls: string[][]): string[][] {
  const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
  const run = inBash(`${completer}\n${calls.map((words) => `c ${words.map(quote).join(' ')}`).join('\n')}`);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
  const groups = run.stdout.split('--\n').slice(0, -1);
  expect(groups).toHaveLength(calls.length);
  return groups.map((group) => group.split('\n').filter((line) => line !== ''));
}

function commandsOf(command: Command, prefix: string[] = []): Array<{ words: string[]; command: Command }> {
  return command.commands.flatMap((sub) => [{ words: [...prefix, sub.name()], command: sub }, ...commandsOf(sub, [...prefix, sub.name()])]);
}

describe('memberctl completion', () => {
  it('bash: `source <(memberctl completion bash)` registers the completion of memberctl', () => {
    const run = inBash('complete -p memberctl');
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('complete -o default -F _memberctl memberctl\n');
  });

  it('bash: commands, subcommands, options and their values complete, global options and their values skipped', () => {
    expect(
      completions([
        ['memberctl', 'd'],
        ['memberctl', 'db', 'b'],
        ['memberctl', '--db', 'members.db', '--today', '2026-03-01', 'db', ''],
        ['memberctl', 'db', 'backup', '--f'],
        ['memberctl', 'db', 'backup', '--js'],
        ['memberctl', 'template', '--format', ''],
        ['memberctl', 'import', '--on-error', 's'],
        ['memberctl', 'mail', 'templates', ''],
        ['memberctl', 'import', 'members.csv', '--map', ''],
        ['memberctl', 'members', 'show', ''],
        ['memberctl', 'help', 'mem'],
      ]),
    ).toEqual([
      ['db'],
      ['backup'],
      ['migrate', 'status', 'backup', 'unlock'],
      ['--force'],
      ['--json'],
      ['xlsx', 'csv'],
      ['skip'],
      ['export'],
      // a file, a reference: nothing listed, the shell completes file names (-o default)
      [],
      [],
      ['members', 'memberships'],
    ]);
  });

  it('bash: every command of the program completes, with exactly its subcommands', () => {
    const program = buildProgram({ exitCode: 0 });
    const withSubcommands = [{ words: [] as string[], command: program }, ...commandsOf(program)].filter((c) => c.command.commands.length > 0);
    const got = completions(withSubcommands.map((c) => ['memberctl', ...c.words, '']));
    withSubcommands.forEach((c, i) => {
      const expected = c.command.commands.map((sub) => sub.name());
      expect(got[i], `memberctl ${c.words.join(' ')}`).toEqual(c.words.length === 0 ? [...expected, 'help'] : expected);
    });
    // and the options of each command, as --help lists them
    const leaves = commandsOf(program).filter((c) => c.command.options.length > 0);
    const options = completions(leaves.map((c) => ['memberctl', ...c.words, '--']));
    leaves.forEach((c, i) => {
      for (const option of c.command.options) if (option.long && !option.hidden) expect(options[i], `memberctl ${c.words.join(' ')}`).toContain(option.long);
      expect(options[i]).toContain('--json');
    });
  });

  it('zsh and fish: scripts from the same definitions; an unknown shell is refused (64)', async () => {
    const zsh = await runCli(['completion', 'zsh']);
    expect(zsh.code, zsh.stderr).toBe(0);
    expect(zsh.stdout).toContain('bashcompinit');
    expect(zsh.stdout).toContain("    'db') echo 'migrate status backup unlock' ;;");
    expect(zsh.stdout.trimEnd().endsWith('complete -o default -F _memberctl memberctl')).toBe(true);

    const fish = await runCli(['completion', 'fish']);
    expect(fish.code, fish.stderr).toBe(0);
    expect(fish.stdout).toContain("complete -c memberctl -f -n '__memberctl_at \\'db\\'' -a 'backup' -d 'copy a SQLite database into FILE, while other commands go on using it'");
    expect(fish.stdout).toContain("complete -c memberctl -n '__memberctl_at \\'template\\'' -l format -x -a 'xlsx csv'");

    const json = await runCli(['--json', 'completion', 'bash']);
    expect(json.json()).toEqual({ shell: 'bash', script: (await runCli(['completion', 'bash'])).stdout });

    const unknown = await runCli(['--json', 'completion', 'powershell']);
    expect(unknown.code).toBe(64);
    expect(unknown.json().error).toMatchObject({ code: 'usage', message: 'completion: no completion for the shell "powershell"' });
  });
});
