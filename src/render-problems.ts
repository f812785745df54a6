import { ProblemList, problemCounts } from './core/kernel/problem-list.js';
import type { Problem } from './core/kernel/problems.js';
import { plural } from './core/kernel/words.js';
import { joinLines, type TerminalColors, type TerminalText, terminalText } from './terminal-text.js';

/** Problems a terminal shows; the others are counted by code, and `--json` and `--report` give every one. */
export const shownProblems = 200;

/**
 * Problems grouped by row, file-level ones first, for a person reading a terminal (the values they quote escaped):
 * the first `shownProblems` of them, then how many more there are of each code and `more`, which says where to
 * find them all. Notes of one row (severity info: a next invoice date computed) are left to `--json` and the reports:
 * a file-level note says they are there.
 */
export function renderProblems(file: string, problems: ProblemList | readonly Problem[], color: TerminalColors, more: string): TerminalText {
  const lines: TerminalText[] = [];
  const mark = (p: Problem) => (p.severity === 'error' ? color.red('error  ') : p.severity === 'warning' ? color.yellow('warning') : color.dim('info   '));
  const detail = (p: Problem) => {
    const where = p.column ? terminalText`${color.bold(p.column)}: ` : '';
    const hint = p.suggestion ? color.dim(` (did you mean "${p.suggestion}"?)`) : '';
    return terminalText`${mark(p)} ${where}${p.message}${hint} ${color.dim(`[${p.code}]`)}`;
  };
  const list = problems instanceof ProblemList ? problems : new ProblemList(problems);
  const shown: Problem[] = [];
  let listed = 0;
  for (const p of list) {
    if (p.severity === 'info' && p.row !== null) continue;
    listed += 1;
    if (shown.length < shownProblems) shown.push(p);
  }
  for (const p of shown) if (p.row === null) lines.push(terminalText`${file}: ${detail(p)}`);
  const byRow = new Map<number, Problem[]>();
  for (const p of shown) {
    if (p.row === null) continue;
    const ofRow = byRow.get(p.row) ?? [];
    ofRow.push(p);
    byRow.set(p.row, ofRow);
  }
  for (const row of [...byRow.keys()].sort((a, b) => a - b)) {
    lines.push(color.bold(`${file}, row ${row}:`));
    for (const p of byRow.get(row)!) lines.push(terminalText`  ${detail(p)}`);
  }
  if (listed > shown.length) {
    const codes = list.counts.map(([code, n]) => `${code} ${n}`).join(', ');
    lines.push(terminalText``, color.yellow(`Shown: the first ${shown.length} of ${plural(listed, 'problem')} (by code: ${codes}). ${more}`));
  }
  return joinLines(lines);
}

export function summarizeProblems(problems: ProblemList | readonly Problem[]): string {
  const { errors, warnings } = problemCounts(problems);
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}

/**
 * The human result of `validate` and `import`: the problems, a blank line, the summary (what was read, written,
 * what to run next), then `always` (what asks for action whatever the summary: where rejected rows went, how to fix
 * missing columns, subscriptions to cancel). With --quiet the summary is left out: the problems and `always` only,
 * nothing at all for a clean file.
 */
export function withSummary(
  problems: TerminalText | null,
  summary: ReadonlyArray<string | TerminalText>,
  options: { quiet: boolean; always?: ReadonlyArray<string | TerminalText> },
): TerminalText {
  const shown = problems !== null && problems.text !== '' ? [problems] : [];
  const always = options.always ?? [];
  if (options.quiet) return joinLines([...shown, ...always]);
  return joinLines([...shown, ...(shown.length > 0 ? [''] : []), ...summary, ...always]);
}
