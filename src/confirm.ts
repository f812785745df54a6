/**
 * The question a command asks before it does something that destroys or is hard to reverse (docs/reference.md,
 * "Confirmations"). One line in a command's handler, before its transaction:
 *
 *   if (!(await confirmOrStop(`Void invoice ${number} (${total}) with a credit note.`, { ctx }))) return 0;
 *
 * At a terminal it shows the summary on stderr and asks a yes/no question, default no. Without one (stdin or
 * stdout not a TTY), with --yes, --json or the CI environment variable, nothing is asked and the command goes ahead,
 * as scripts expect. Answering no prints "Nothing was changed." and the command stops with exit 0; Ctrl-C at the
 * question stops it with exit 130 (`prompt.ts`). Either way nothing has been written: the question comes first.
 */
import type { Context } from './context.js';
import { escapeControls } from './terminal-text.js';

export interface ConfirmOptions {
  ctx: Context;
  /** the question under the summary (default "Go ahead?") */
  question?: string;
  /** true skips the question: a dry run writes nothing, so there is nothing to confirm */
  skip?: boolean;
}

/** True: go ahead (answered yes, or nobody to ask). False: answered no, "Nothing was changed." is printed. */
export async function confirmOrStop(summary: string, options: ConfirmOptions): Promise<boolean> {
  const { ctx } = options;
  if (options.skip || !ctx.interactive) return true;
  process.stderr.write(`${escapeControls(summary, { keepLineFeeds: true })}\n`);
  const { confirm } = await import('./prompt.js');
  if (await confirm({ interactive: true }, options.question ?? 'Go ahead?', false)) return true;
  ctx.out.info('Nothing was changed.');
  return false;
}
