import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import { usageError } from '../errors.js';

export function registerCompletion(program: Command, action: Action): void {
  examples(
    program
      .command('completion')
      .description('print the shell completion script of memberctl: its commands, subcommands and options')
      .argument('<shell>', 'bash, zsh or fish')
      .action(
        action(async (ctx, shell: string) => {
          const { completionScript, completionShells } = await import('../completion.js');
          const wanted = shell.trim().toLowerCase();
          if (!(completionShells as readonly string[]).includes(wanted)) {
            throw usageError(`completion: no completion for the shell "${shell}"`, `the shells are ${completionShells.join(', ')}`);
          }
          const { VERSION } = await import('../version.js');
          const script = completionScript(program, wanted as (typeof completionShells)[number], VERSION);
          ctx.out.result({ shell: wanted, script }, () => script);
        }),
      ),
    [
      'memberctl completion bash > ~/.local/share/bash-completion/completions/memberctl',
      "echo 'source <(memberctl completion bash)' >> ~/.bashrc",
      "echo 'source <(memberctl completion zsh)' >> ~/.zshrc",
      'memberctl completion fish > ~/.config/fish/completions/memberctl.fish',
    ],
  );
}
