import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import type { ImportFlags } from './import.js';

/**
 * `members update FILE`: bulk edits from a file in the template layout, each row finding its member by External ID
 * or e-mail. Same reading, validation, dry run, all-or-nothing transaction and `import undo` as an import.
 * Registered under the `members` group, so it must come after that group in cli.ts.
 */
export function registerMembersUpdate(program: Command, action: Action): void {
  const members = program.commands.find((c) => c.name() === 'members') ?? program.command('members').description('people');
  examples(
    members
      .command('update')
      .argument('<file>', 'file (.xlsx or .csv) with an Email or External ID column and the template columns to change')
      .description('change many members at once from a file; empty cells keep the current value; all or nothing')
      .option('--sheet <name>', 'xlsx sheet to read (default: the first visible one)')
      .option('--date-format <DMY|MDY|YMD>', 'how to read dates like 04/03/2026 (default: inferred from the file)')
      .option('--dry-run', 'check and count the changes, write nothing')
      .option('--map <file>', 'JSON file mapping plan names of the file to existing plans')
      .action(
        action(async (ctx, file: string, flags: ImportFlags) => {
          const { runImport } = await import('./import.js');
          return runImport(ctx, { file, flags, mode: 'update', source: 'members-update', update: true, onError: 'abort', verb: 'update with' });
        }),
      ),
    ['memberctl members update changes.csv --dry-run', 'memberctl members update phones.xlsx', 'memberctl members update changes.csv --json'],
  );
}
