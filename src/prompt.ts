/**
 * Every question memberctl asks goes through here. Prompts are drawn on stderr (stdout carries results), only
 * when the caller says the session is interactive (a terminal, no --yes, no --json, no CI): without one this
 * refuses instead of waiting for an answer nobody can give. Ctrl-C at a prompt cancels the command, once, here.
 */
import { ExitCode, UserError } from './errors.js';
import { escapeControls } from './terminal-text.js';

export interface PromptSession {
  /** `ctx.interactive`: a terminal on both ends, without --yes, --json or CI */
  interactive: boolean;
  /** streams for tests; default stdin and stderr */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

function refuse(message: string): never {
  throw new Error(`a prompt ("${message}") was asked without a terminal: callers must check ctx.interactive first`);
}

async function ask<T>(run: (context: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream }) => Promise<T>): Promise<T> {
  try {
    return await run({ input: process.stdin, output: process.stderr });
  } catch (error) {
    if (error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError')) {
      throw new UserError('cancelled: nothing was written', { exitCode: ExitCode.cancelled });
    }
    throw error;
  }
}

/** One choice among several; the first is the default. */
export async function choose<T>(session: PromptSession, message: string, choices: ReadonlyArray<Choice<T>>): Promise<T> {
  if (!session.interactive) refuse(message);
  const { select } = await import('@inquirer/prompts');
  // questions and choices quote values from files and the database: shown, never obeyed, by the terminal
  const shown = choices.map((c) => ({ ...c, name: escapeControls(c.name), description: c.description === undefined ? undefined : escapeControls(c.description) }));
  return ask((streams) =>
    select({ message: escapeControls(message), choices: shown, pageSize: Math.min(12, choices.length) }, { input: session.input ?? streams.input, output: session.output ?? streams.output }),
  );
}

/** A yes/no question. */
export async function confirm(session: PromptSession, message: string, defaultAnswer = false): Promise<boolean> {
  if (!session.interactive) refuse(message);
  const { confirm: yesNo } = await import('@inquirer/prompts');
  return ask((streams) => yesNo({ message: escapeControls(message), default: defaultAnswer }, { input: session.input ?? streams.input, output: session.output ?? streams.output }));
}
