/**
 * `memberctl completion bash|zsh|fish`: shell completion scripts generated from the commander definitions, so that
 * every command, subcommand and option completes as `--help` shows it. The scripts hold the whole tree as `case`
 * tables: completing never runs memberctl.
 */
import type { Command, Option } from 'commander';

export const completionShells = ['bash', 'zsh', 'fish'] as const;
export type CompletionShell = (typeof completionShells)[number];

interface OptionSpec {
  /** `-o` and `--output`, as typed */
  names: string[];
  takesValue: boolean;
  /** the values a `<a|b|c>` placeholder (or commander's choices) allows; empty when any value goes (a file...) */
  choices: string[];
  description: string;
}

interface Node {
  /** the words from the program to this command: '' for the program, 'db backup' */
  path: string;
  subcommands: Array<{ name: string; description: string }>;
  options: OptionSpec[];
}

function optionSpec(option: Option): OptionSpec {
  const takesValue = option.required || option.optional;
  const placeholder = /<([^>]+)>|\[([^\]]+)\]/.exec(option.flags);
  const listed = placeholder ? (placeholder[1] ?? placeholder[2] ?? '') : '';
  const choices = option.argChoices ?? (/^[a-z0-9-]+(\|[a-z0-9-]+)+$/i.test(listed) ? listed.split('|') : []);
  return {
    names: [option.short, option.long].filter((n): n is string => typeof n === 'string'),
    takesValue,
    choices: takesValue ? choices : [],
    description: option.description,
  };
}

/** Every command of the program, the program first, each with its subcommands and its own options. */
function nodesOf(program: Command): Node[] {
  const nodes: Node[] = [];
  const visit = (command: Command, path: string) => {
    const subcommands = command.commands.map((c) => ({ name: c.name(), description: c.description() }));
    // commander's own help command, listed by `memberctl --help`
    if (path === '') subcommands.push({ name: 'help', description: 'display help for command' });
    nodes.push({ path, subcommands, options: command.options.filter((o) => !o.hidden).map(optionSpec) });
    for (const sub of command.commands) visit(sub, path === '' ? sub.name() : `${path} ${sub.name()}`);
  };
  visit(program, '');
  // `memberctl help COMMAND`
  nodes.push({ path: 'help', subcommands: program.commands.map((c) => ({ name: c.name(), description: c.description() })), options: [] });
  return nodes;
}

/** A word in single quotes for sh and fish. */
const quoted = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;
const fishQuoted = (text: string) => `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** The `case` tables and the completion function shared by bash and zsh (through bashcompinit). */
function shFunctions(nodes: Node[]): string[] {
  const root = nodes[0]!;
  const valued = nodes.flatMap((node) =>
    node.options.filter((o) => o.takesValue).flatMap((o) => o.names.map((name) => (node === root ? `*${quoted(`|${name}`)}` : quoted(`${node.path}|${name}`)))),
  );
  const choices = nodes.flatMap((node) =>
    node.options
      .filter((o) => o.choices.length > 0)
      .map((o) => `    ${o.names.map((name) => (node === root ? `*${quoted(`|${name}`)}` : quoted(`${node.path}|${name}`))).join('|')}) echo ${quoted(o.choices.join(' '))} ;;`),
  );
  return [
    '_memberctl_subcommands() {',
    '  case "$1" in',
    ...nodes.filter((n) => n.subcommands.length > 0).map((n) => `    ${quoted(n.path)}) echo ${quoted(n.subcommands.map((s) => s.name).join(' '))} ;;`),
    '  esac',
    '}',
    '',
    '_memberctl_options() {',
    '  case "$1" in',
    ...nodes.filter((n) => n.options.length > 0).map((n) => `    ${quoted(n.path)}) echo ${quoted(n.options.flatMap((o) => o.names).join(' '))} ;;`),
    '  esac',
    '}',
    '',
    '# the options that take a value ("PATH|OPTION"; the global ones at any PATH)',
    '_memberctl_takes_value() {',
    '  case "$1|$2" in',
    `    ${valued.join('|')}) return 0 ;;`,
    '  esac',
    '  return 1',
    '}',
    '',
    '_memberctl_choices() {',
    '  case "$1|$2" in',
    ...choices,
    '  esac',
    '}',
    '',
    '# the command typed so far ("db backup"), its options and their values skipped',
    '_memberctl_path() {',
    "  local path='' word i=1",
    '  while [ "$i" -lt "$COMP_CWORD" ]; do',
    '    word="${COMP_WORDS[$i]}"',
    '    case "$word" in',
    '      --*=*) ;;',
    '      -*) if _memberctl_takes_value "$path" "$word"; then i=$((i + 1)); fi ;;',
    '      *) case " $(_memberctl_subcommands "$path") " in *" $word "*) path="${path:+$path }$word" ;; esac ;;',
    '    esac',
    '    i=$((i + 1))',
    '  done',
    '  echo "$path"',
    '}',
    '',
    '_memberctl() {',
    '  local cur="${COMP_WORDS[$COMP_CWORD]}" prev="" path words',
    '  [ "$COMP_CWORD" -gt 1 ] && prev="${COMP_WORDS[$((COMP_CWORD - 1))]}"',
    '  path="$(_memberctl_path)"',
    '  COMPREPLY=()',
    '  case "$prev" in',
    '    -*)',
    '      if _memberctl_takes_value "$path" "$prev"; then',
    '        words="$(_memberctl_choices "$path" "$prev")"',
    '        # a value with no list of its own (a file, a date, a name): the shell completes file names',
    '        [ -n "$words" ] && COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '        return 0',
    '      fi',
    '      ;;',
    '  esac',
    '  case "$cur" in',
    '    -*) words="$(_memberctl_options "$path") $(_memberctl_options \'\') --help" ;;',
    '    *) words="$(_memberctl_subcommands "$path")" ;;',
    '  esac',
    '  [ -n "$words" ] && COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '  return 0',
    '}',
  ];
}

function bashScript(nodes: Node[], version: string): string {
  return [
    `# bash completion for memberctl ${version}, written by \`memberctl completion bash\``,
    '# install: echo \'source <(memberctl completion bash)\' >> ~/.bashrc',
    '',
    ...shFunctions(nodes),
    '',
    // -o default: where nothing is listed (an argument, a file), the shell completes file names
    'complete -o default -F _memberctl memberctl',
    '',
  ].join('\n');
}

function zshScript(nodes: Node[], version: string): string {
  return [
    `# zsh completion for memberctl ${version}, written by \`memberctl completion zsh\``,
    "# install: echo 'source <(memberctl completion zsh)' >> ~/.zshrc   (after compinit)",
    '',
    '(( $+functions[compdef] )) || { autoload -U +X compinit && compinit; }',
    'autoload -U +X bashcompinit && bashcompinit',
    '',
    ...shFunctions(nodes),
    '',
    'complete -o default -F _memberctl memberctl',
    '',
  ].join('\n');
}

function fishScript(nodes: Node[], version: string): string {
  const root = nodes[0]!;
  const valued = nodes.flatMap((node) =>
    // a quoted pattern: fish matches its wildcard, where an unquoted one would name files
    node.options.filter((o) => o.takesValue).flatMap((o) => o.names.map((name) => fishQuoted(node === root ? `*|${name}` : `${node.path}|${name}`))),
  );
  const optionLine = (node: Node, option: OptionSpec) => {
    const names = option.names.map((name) => (name.startsWith('--') ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`)).join(' ');
    const condition = node === root ? '' : ` -n ${fishQuoted(`__memberctl_at ${quoted(node.path)}`)}`;
    const value = !option.takesValue ? '' : option.choices.length > 0 ? ` -x -a ${fishQuoted(option.choices.join(' '))}` : ' -r';
    return `complete -c memberctl${condition} ${names}${value} -d ${fishQuoted(option.description)}`;
  };
  return [
    `# fish completion for memberctl ${version}, written by \`memberctl completion fish\``,
    '# install: memberctl completion fish > ~/.config/fish/completions/memberctl.fish',
    '',
    'function __memberctl_subcommands',
    '    switch "$argv[1]"',
    ...nodes.filter((n) => n.subcommands.length > 0).flatMap((n) => [`        case ${fishQuoted(n.path)}`, `            echo ${n.subcommands.map((s) => s.name).join(' ')}`]),
    '    end',
    'end',
    '',
    'function __memberctl_takes_value',
    '    switch "$argv[1]|$argv[2]"',
    `        case ${valued.join(' ')}`,
    '            return 0',
    '    end',
    '    return 1',
    'end',
    '',
    '# the command typed so far ("db backup"), its options and their values skipped',
    'function __memberctl_path',
    "    set -l path ''",
    '    set -l skip 0',
    '    for word in (commandline -opc)[2..-1]',
    '        if test $skip -eq 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch $word',
    "            case '--*=*'",
    "            case '-*'",
    '                if __memberctl_takes_value "$path" $word',
    '                    set skip 1',
    '                end',
    "            case '*'",
    '                if contains -- $word (string split " " -- (__memberctl_subcommands "$path"))',
    '                    set path (string trim -- "$path $word")',
    '                end',
    '        end',
    '    end',
    '    echo $path',
    'end',
    '',
    'function __memberctl_at',
    '    set -l path (__memberctl_path)',
    '    test "$path" = "$argv[1]"',
    'end',
    '',
    'complete -c memberctl -e',
    ...nodes.flatMap((node) =>
      node.subcommands.map((sub) => `complete -c memberctl -f -n ${fishQuoted(`__memberctl_at ${quoted(node.path)}`)} -a ${fishQuoted(sub.name)} -d ${fishQuoted(sub.description)}`),
    ),
    ...nodes.flatMap((node) => node.options.map((option) => optionLine(node, option))),
    '',
  ].join('\n');
}

/** The completion script of `shell` for the program's commands. */
export function completionScript(program: Command, shell: CompletionShell, version: string): string {
  const nodes = nodesOf(program);
  switch (shell) {
    case 'bash':
      return bashScript(nodes, version);
    case 'zsh':
      return zshScript(nodes, version);
    case 'fish':
      return fishScript(nodes, version);
  }
}
