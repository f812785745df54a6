import { Command, CommanderError, Option } from 'commander';
import { type Action, makeAction, type RunState } from './command-kit.js';
import { registerCharges } from './commands/charges.js';
import { registerCompanies } from './commands/companies.js';
import { registerCompletion } from './commands/completion.js';
import { registerContacts } from './commands/contacts.js';
import { registerCredits } from './commands/credits.js';
import { registerDb } from './commands/db.js';
import { registerImport } from './commands/import.js';
import { registerImportStripe } from './commands/import-stripe.js';
import { registerInvoices } from './commands/invoices.js';
import { registerJobs } from './commands/jobs.js';
import { registerMail } from './commands/mail.js';
import { registerMandates } from './commands/mandates.js';
import { registerMembers } from './commands/members.js';
import { registerMembersUpdate } from './commands/members-update.js';
import { registerMemberships } from './commands/memberships.js';
import { registerOrg } from './commands/org.js';
import { registerPayments } from './commands/payments.js';
import { registerPasses } from './commands/passes.js';
import { registerPlans } from './commands/plans.js';
import { registerPrivacy } from './commands/privacy.js';
import { registerRenewals } from './commands/renewals.js';
import { registerSettings } from './commands/settings.js';
import { registerTags } from './commands/tags.js';
import { registerTemplate } from './commands/template.js';
import { dbSecrets, hideSecrets } from './db/url-mask.js';
import { type ErrorKind, errorKindOfExit, ExitCode, isBusyError, UserError } from './errors.js';
import { colorEnabled } from './output.js';
import { escapeControls } from './terminal-text.js';
import { VERSION } from './version.js';

/** Command groups, each in its own file under src/commands; handlers load their heavy modules lazily. */
const groups: Array<(program: Command, action: Action) => void> = [
  registerDb,
  registerSettings,
  registerOrg,
  registerPlans,
  registerTemplate,
  registerImport,
  registerImportStripe,
  registerMembers,
  registerMembersUpdate,
  registerContacts,
  registerCompanies,
  registerTags,
  registerMemberships,
  registerInvoices,
  registerPayments,
  registerCharges,
  registerMandates,
  registerRenewals,
  registerCredits,
  registerPasses,
  registerJobs,
  registerPrivacy,
  registerMail,
  registerCompletion,
];

export function buildProgram(state: RunState): Command {
  const program = new Command('memberctl')
    .description('Admin and import toolkit for membership organisations: members, plans, invoices, renewals.')
    .version(VERSION, '-V, --version')
    .option('--db <url>', 'database: a file path, sqlite:PATH or postgres://user:pass@host:port/db (default: $MEMBERCTL_DB or ./memberctl.db)')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('-y, --yes', 'never prompt (implied without a terminal or with CI set)')
    .option('--today <YYYY-MM-DD>', 'act as of this date (default: $MEMBERCTL_TODAY or today in the organisation time zone)')
    .addOption(new Option('-q, --quiet', 'less output: no notes or progress on stderr; validate and import print their problems only, without the summary').conflicts('verbose'))
    .option('-v, --verbose', 'more on stderr, with stack traces of internal errors')
    .option('--no-color', 'no ANSI colour (NO_COLOR and FORCE_COLOR are honoured too)')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    // commander's messages quote what was typed: shown, never obeyed, by the terminal (subcommands inherit this)
    .configureOutput({ outputError: (text, write) => write(escapeControls(text, { keepLineFeeds: true })) })
    .exitOverride();
  program.addHelpText(
    'after',
    `
Examples:
  $ memberctl plans add "Hot Desk" --price 200 --tax-rate 20
  $ memberctl validate members.xlsx
  $ memberctl --db postgres://admin:secret@db.example.org/members jobs run

Exit codes: 0 ok, 64 usage, 65 data problems, 66 input file, 70 internal error, 73 output file, 74 I/O error, 75 busy (retry), 78 configuration.`,
  );
  const action = makeAction(state);
  for (const register of groups) register(program, action);
  return program;
}

/** Runs the CLI and returns the process exit code. The only place that maps errors to exit codes. */
export async function main(argv: string[]): Promise<number> {
  const state: RunState = { exitCode: ExitCode.ok };
  const program = buildProgram(state);
  const verbose = argv.includes('--verbose') || argv.includes('-v');
  const useColor = !argv.includes('--no-color') && colorEnabled(true);
  const red = (s: string) => (useColor ? `\u001b[31m${s}\u001b[39m` : s);
  // messages quote values typed or read from files: their control characters (line feeds too) are shown as escapes
  const shown = (s: string) => escapeControls(s);
  // a last guard: whatever a library put in a message or a stack, the database password is never printed
  // nor the SMTP password, given by --smtp (on any command that takes it) or MEMBERCTL_SMTP
  const smtpFlag = argv.findIndex((a) => a === '--smtp' || a.startsWith('--smtp='));
  const smtpUrl = smtpFlag === -1 ? process.env.MEMBERCTL_SMTP : argv[smtpFlag]!.startsWith('--smtp=') ? argv[smtpFlag]!.slice(7) : argv[smtpFlag + 1];
  const secrets = () => [...dbSecrets(program.opts().db ?? process.env.MEMBERCTL_DB), ...dbSecrets(smtpUrl)];
  const printError = (text: string) => process.stderr.write(hideSecrets(text, secrets()));
  // `memberctl members list | head`: the reader has gone, stop quietly as other command-line tools do
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(state.exitCode);
    // a full disk behind `> file`, /dev/full, an I/O error: what was printed is incomplete
    process.stderr.write(`${red('error:')} cannot write to standard output: ${error.message}\n`);
    process.exit(ExitCode.ioError);
  });
  // with --json, a failure is also one JSON document on stdout, unless the command had written its own
  const json = wantsJson(argv);
  const fail = (exitCode: number, kind: ErrorKind | string, message: string, hint?: string): number => {
    if (json && !state.resultWritten) {
      const error = { code: kind, message: hideSecrets(message, secrets()), exitCode, hint: hint === undefined ? null : hideSecrets(hint, secrets()) };
      process.stdout.write(`${JSON.stringify({ error }, null, 2)}\n`);
    }
    return exitCode;
  };
  try {
    await program.parseAsync(argv, { from: 'user' });
    return state.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed its message (with a suggestion for a typo)
      if (error.exitCode === 0) return ExitCode.ok;
      const kind = commanderKinds[error.code] ?? errorKindOfExit[ExitCode.usage]!;
      if (error.code === 'commander.help') return fail(ExitCode.usage, kind, 'no command given: `memberctl --help` lists them');
      // "error: unknown command 'lsit'\n(Did you mean list?)": the suggestion is the hint
      const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
      const suggestion = rest.join(' ').trim().replace(/^\((.*)\)$/, '$1');
      return fail(ExitCode.usage, kind, first, suggestion === '' ? undefined : suggestion);
    }
    if (error instanceof UserError) {
      printError(`${red('error:')} ${shown(error.message)}\n`);
      if (error.hint) printError(`  ${shown(error.hint)}\n`);
      return fail(error.exitCode, error.kind ?? errorKindOfExit[error.exitCode] ?? 'error', error.message, error.hint);
    }
    if (isBusyError(error)) {
      const message = 'the database is busy (another memberctl is writing); try again';
      process.stderr.write(`${red('error:')} ${message}\n`);
      return fail(ExitCode.tempFail, 'database_busy', message);
    }
    if ((error as { code?: unknown })?.code === '23505') {
      // PostgreSQL's unique_violation: another process wrote the same record between this one's check and its write
      const message = 'another memberctl wrote the same record at the same time; try again';
      process.stderr.write(`${red('error:')} ${message}\n`);
      return fail(ExitCode.tempFail, 'concurrent_change', message);
    }
    if ((error as { code?: unknown })?.code === '23503') {
      // PostgreSQL's foreign_key_violation: another process deleted a record this one refers to, or referred to one this one deletes
      const message = 'another memberctl changed the same data at the same time; try again';
      process.stderr.write(`${red('error:')} ${message}\n`);
      return fail(ExitCode.tempFail, 'concurrent_change', message);
    }
    const message = error instanceof Error ? error.message : String(error);
    printError(`${red('internal error:')} ${shown(message.split('\n')[0]!)}\n`);
    if (verbose && error instanceof Error && error.stack) printError(`${escapeControls(error.stack, { keepLineFeeds: true })}\n`);
    else process.stderr.write('  (run with --verbose for details; this is a bug in memberctl)\n');
    return fail(ExitCode.internal, errorKindOfExit[ExitCode.internal]!, message.split('\n')[0]!);
  }
}

/** `--json` among the arguments (before a `--` that ends the options): also when commander refused the command line. */
function wantsJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).includes('--json');
}

/** The `code` of the JSON error document for commander's refusals of a command line (all exit 64). */
const commanderKinds: Record<string, string> = {
  'commander.unknownCommand': 'unknown_command',
  'commander.unknownOption': 'unknown_option',
  'commander.missingArgument': 'missing_argument',
  'commander.optionMissingArgument': 'missing_option_value',
  'commander.missingMandatoryOptionValue': 'missing_option',
  'commander.invalidArgument': 'invalid_argument',
  'commander.excessArguments': 'excess_arguments',
  'commander.conflictingOption': 'conflicting_options',
  'commander.help': 'missing_command',
};
