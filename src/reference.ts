/**
 * The command reference, docs/reference.md, generated from the commander definitions (`npm run docs`). A test
 * compares the committed file with this function's output, so the reference follows the code. Deterministic: no
 * dates, no paths, nothing that depends on the terminal.
 */
import type { Argument, Command, Option } from 'commander';
import { buildProgram } from './cli.js';
import { commandExamples } from './command-kit.js';
import { commandExitCodes, commandFacts, commonExitCodes, exitCodeMeanings, jsonShapes } from './commands/reference-data.js';
import { ExitCode } from './errors.js';

const code = (text: string) => (text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``);
/** A table cell: a `|`, even inside a code span, would end the cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const hasAction = (command: Command) => (command as unknown as { _actionHandler: unknown })._actionHandler != null;
const visible = (options: readonly Option[]) => options.filter((o) => !o.hidden);

/** The GitHub anchor of a heading. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function pathOf(command: Command): string[] {
  const names: string[] = [];
  for (let c: Command | null = command; c?.parent; c = c.parent) names.unshift(c.name());
  return names;
}

function all(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...all(c)]);
}

function defaultText(value: unknown, description: string | undefined): string {
  if (description !== undefined) return description;
  if (value === undefined) return '';
  return code(typeof value === 'string' ? value : JSON.stringify(value));
}

/** A table whose empty columns (a default no option has, say) are left out. */
function table(headers: string[], rows: string[][]): string[] {
  if (rows.length === 0) return [];
  const kept = headers.map((_, i) => i).filter((i) => i < 2 || rows.some((r) => r[i] !== ''));
  const line = (cells: string[]) => `| ${kept.map((i) => cells[i]).join(' | ')} |`;
  return [line(headers), `|${kept.map(() => '---').join('|')}|`, ...rows.map(line)];
}

function optionRows(options: readonly Option[]): string[][] {
  return visible(options).map((o) => [
    cell(code(o.flags)),
    cell([o.description, o.mandatory ? '(required)' : ''].filter(Boolean).join(' ')),
    cell(o.negate ? '' : defaultText(o.defaultValue, o.defaultValueDescription)),
    cell(o.argChoices ? o.argChoices.map(code).join(', ') : ''),
  ]);
}

const optionTable = (options: readonly Option[], extra: string[][] = []) =>
  table(['option', 'meaning', 'default', 'allowed'], [...optionRows(options), ...extra]);

function argumentTable(args: readonly Argument[]): string[] {
  const rows = args.map((a) => [
    cell(code(`${a.required ? '<' : '['}${a.name()}${a.variadic ? '...' : ''}${a.required ? '>' : ']'}`)),
    cell(a.description),
    a.required ? 'yes' : 'no',
    cell(defaultText(a.defaultValue, a.defaultValueDescription)),
    cell(a.argChoices ? a.argChoices.map(code).join(', ') : ''),
  ]);
  return table(['argument', 'meaning', 'required', 'default', 'allowed'], rows);
}

function exitCodeName(value: number): keyof typeof ExitCode {
  const name = (Object.keys(ExitCode) as Array<keyof typeof ExitCode>).find((k) => ExitCode[k] === value);
  if (!name) throw new Error(`reference: ${value} is not an exit code of src/errors.ts`);
  return name;
}

function commandSection(command: Command): string[] {
  const path = pathOf(command).join(' ');
  const lines = [`### ${code(`memberctl ${path}`)}`, '', command.description(), ''];
  const aliases = command.aliases();
  if (aliases.length > 0) lines.push(`Aliases: ${aliases.map(code).join(', ')}.`, '');
  if (command.commands.length > 0) {
    lines.push(`Subcommands: ${command.commands.map((c) => `[${c.name()}](#${slug(`memberctl ${path} ${c.name()}`)})`).join(', ')}.`, '');
  }
  if (!hasAction(command)) return lines;
  lines.push('```text', `memberctl ${path} ${command.usage()}`, '```', '');
  const args = argumentTable(command.registeredArguments);
  if (args.length > 0) lines.push(...args, '');
  const options = optionTable(command.options);
  if (options.length > 0) lines.push(...options, '');
  const examples = commandExamples.get(command);
  if (!examples || examples.length === 0) throw new Error(`reference: \`${path}\` has no examples`);
  lines.push('Examples:', '', '```sh', ...examples, '```', '');
  const facts = commandFacts[path];
  if (!facts) throw new Error(`reference: \`${path}\` is missing from src/commands/reference-data.ts`);
  const own = commandExitCodes(path).filter(([value]) => !(commonExitCodes as readonly number[]).includes(value) || facts.exits?.[value] !== undefined);
  lines.push(
    `Exit codes: ${commonExitCodes.filter((value) => facts.exits?.[value] === undefined).join(', ')} ([as for every command](#exit-codes))${own.length > 0 ? ', and:' : '.'}`,
    '',
    ...own.map(([value, meaning]) => `- ${value} (\`${exitCodeName(value)}\`): ${meaning}`),
    ...(own.length > 0 ? [''] : []),
    `\`--json\`: ${facts.json}`,
    '',
  );
  return lines;
}

/** The text of docs/reference.md. */
export function renderReference(): string {
  const program = buildProgram({ exitCode: 0 });
  const commands = all(program);
  const known = new Set(commands.filter(hasAction).map((c) => pathOf(c).join(' ')));
  for (const path of Object.keys(commandFacts)) {
    if (!known.has(path)) throw new Error(`reference: src/commands/reference-data.ts describes \`${path}\`, which is no command`);
  }
  const lines = [
    '# Command reference',
    '',
    '<!-- Generated by `npm run docs` from the command definitions (src/reference.ts); do not edit by hand. -->',
    '',
    'Every command and subcommand of memberctl with its arguments, options, examples, exit codes and `--json`',
    'document. `memberctl help COMMAND` and `memberctl COMMAND --help` show the same arguments and options at the',
    'terminal. The guides ([README](../README.md#guides)) explain what the commands do.',
    '',
    '## Global options',
    '',
    'They go before or after the command.',
    '',
    ...optionTable(program.options, [[code('-h, --help'), 'show the help of the command', '', '']]),
    '',
    '## Exit codes',
    '',
    '| code | name | meaning |',
    '|---|---|---|',
    ...(Object.keys(ExitCode) as Array<keyof typeof ExitCode>)
      .sort((a, b) => ExitCode[a] - ExitCode[b])
      .map((name) => `| ${ExitCode[name]} | \`${name}\` | ${cell(exitCodeMeanings[name])} |`),
    '',
    `Any command that opens the database may exit ${commonExitCodes.join(', ')}; each command below lists these`,
    'with the codes of its own.',
    '',
    '## JSON shapes',
    '',
    'With `--json` a command prints exactly one JSON document on stdout, and everything else on stderr. The shapes',
    'that several commands share:',
    '',
    ...jsonShapes.flatMap((s) => [`- **${s.name}**: ${s.fields}`]),
    '',
    '## Commands',
    '',
    ...commands.map((c) => `${'  '.repeat(pathOf(c).length - 1)}- [${pathOf(c).join(' ')}](#${slug(`memberctl ${pathOf(c).join(' ')}`)})`),
    '',
    ...commands.flatMap(commandSection),
  ];
  while (lines.at(-1) === '') lines.pop();
  return `${lines.join('\n')}\n`;
}
