import { expect } from 'vitest';
import { UserError } from '../../src/errors.js';
import { type CliResult, runCli } from './cli.js';

/** The UserError `promise` rejects with; the test fails when it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

/** Fails when `stderr` holds a stack trace: a user is never shown one. */
export const noStackTrace = (stderr: string) => expect(stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/);

/** Runs the built memberctl on `db` and fails with its stderr unless it exits with `code`, without a stack trace. */
export async function runExpecting(db: string, args: string[], code = 0): Promise<CliResult> {
  const result = await runCli(args, { db });
  expect(result.code, `memberctl ${args.join(' ')}\n${result.stderr}`).toBe(code);
  noStackTrace(result.stderr);
  return result;
}
