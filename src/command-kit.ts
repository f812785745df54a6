import type { Command } from 'commander';
import { Context, type GlobalOptions } from './context.js';
import { usageError } from './errors.js';
import { Output } from './output.js';

/** A command handler returns its exit code (0 when omitted); user errors are thrown as UserError. */
// biome-ignore lint/suspicious/noConfusingVoidType: handlers that return nothing mean exit code 0
export type Handler<A extends unknown[]> = (ctx: Context, ...args: A) => Promise<number | undefined | void>;

export interface RunState {
  exitCode: number;
  /** set when a command that failed had already written its result: under --json, no error document follows it */
  resultWritten?: boolean;
}

/** Wraps a handler as a commander action: builds the context from the global options and closes the database. */
export function makeAction(state: RunState) {
  return <A extends unknown[]>(handler: Handler<A>) =>
    async (...commanderArgs: unknown[]) => {
      const command = commanderArgs.at(-1) as Command;
      const globals = command.optsWithGlobals() as GlobalOptions;
      const out = new Output({
        json: Boolean(globals.json),
        quiet: Boolean(globals.quiet),
        verbose: Boolean(globals.verbose),
        color: globals.color !== false,
      });
      const ctx = new Context({ ...globals, json: Boolean(globals.json), yes: Boolean(globals.yes) }, out);
      // commander passes positional arguments first, then the command's options object, then the command
      const args = commanderArgs.slice(0, -1) as A;
      try {
        const code = await handler(ctx, ...args);
        state.exitCode = code ?? 0;
      } catch (error) {
        state.resultWritten = out.wroteResult;
        throw await ctx.explain(error);
      } finally {
        await ctx.close();
      }
    };
}

export type Action = ReturnType<typeof makeAction>;

/** The examples each command shows in its --help, also listed by the command reference (docs/reference.md). */
export const commandExamples = new WeakMap<Command, readonly string[]>();

/** Adds an Examples section to a command's --help. */
export function examples(command: Command, lines: string[]): Command {
  commandExamples.set(command, lines);
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`);
}

/** Parses a whole number option, refusing anything else with a usage error naming the option. */
export function parseWholeNumber(name: string, min = 0, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const text = value.trim();
    if (!/^\d+$/.test(text)) throw usageError(`${name}: "${value}" is not a whole number`);
    const n = Number(text);
    // the value as typed: 20 digits read as a number would be shown rounded (100000000000000000000)
    if (max === Number.MAX_SAFE_INTEGER) {
      if (n > max) throw usageError(`${name}: ${text} is too large a number`);
      if (n < min) throw usageError(`${name}: ${text} is too small; it is at least ${min}`);
    } else if (n < min || n > max) throw usageError(`${name}: ${text} is out of range (${min} to ${max})`);
    return n;
  };
}

/** Parses yes/no style option values. */
export function parseYesNo(name: string) {
  return (value: string): boolean => {
    const v = value.trim().toLowerCase();
    if (['yes', 'y', 'true', '1', 'on', 'oui'].includes(v)) return true;
    if (['no', 'n', 'false', '0', 'off', 'non'].includes(v)) return false;
    throw usageError(`${name}: "${value}" must be yes or no`);
  };
}

/**
 * The format of a table export (`invoices export`, `payments export`): `--format`, else the `-o` extension, else CSV.
 * Usage errors (64) for another format, xlsx without `-o`, and `--json` without `-o` (stdout carries the file).
 */
export function exportFormat(flags: { format?: string; output?: string }, json: boolean): 'csv' | 'xlsx' {
  const wanted = flags.format?.trim().toLowerCase() ?? (flags.output?.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv');
  if (wanted !== 'csv' && wanted !== 'xlsx') throw usageError(`--format: "${flags.format}" is not a format; use csv or xlsx`);
  if (wanted === 'xlsx' && !flags.output) throw usageError('an xlsx export needs -o FILE');
  if (json && !flags.output) throw usageError('--json needs -o FILE: stdout carries the JSON summary');
  return wanted;
}

/** `exportFormat` for the exports that also write JSON (`members export`): `--format json`, or a `.json` -o file. */
export function exportFormatOrJson(flags: { format?: string; output?: string }, json: boolean): 'csv' | 'xlsx' | 'json' {
  const wanted = flags.format?.trim().toLowerCase() ?? (flags.output?.toLowerCase().endsWith('.json') ? 'json' : undefined);
  if (wanted !== 'json') {
    try {
      return exportFormat(flags, json);
    } catch (error) {
      if (flags.format !== undefined && !['csv', 'xlsx'].includes(flags.format.trim().toLowerCase())) throw usageError(`--format: "${flags.format}" is not a format; use csv, xlsx or json`);
      throw error;
    }
  }
  if (json && !flags.output) throw usageError('--json needs -o FILE: stdout carries the JSON summary');
  return 'json';
}
