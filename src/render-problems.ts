import { ProblemList, problemCounts } from './core/kernel/problem-list.js';
import type { Problem } from './core/kernel/problems.js';
import { plural } from './core/kernel/words.js';
import { joinLines, type TerminalColors, type TerminalText, terminalText } from './terminal-text.js';

/** Problems a terminal shows; the others are counted by code, and `--json` and `--report` give every one. */
export const shownProblems = 200;

/**
 * Problems grouped by row, file-level ones first, for a person reading a terminal (the values they quote escaped):
 * the first `shownProblems` of them, then how many more there are of each code and `more`, which says where to
 * find them all.
 */
export function renderProblems(file: string, problems: ProblemList | readonly Problem[], color: TerminalColors, more: string): TerminalText {
  const lines: TerminalText[] = [];
  const mark = (p: Problem) => (p.severity === 'error' ? color.red('error  ') : color.yellow('warning'));
  const detail = (p: Problem) => {
    const where = p.column ? terminalText`${color.bold(p.column)}: ` : '';
    const hint = p.suggestion ? color.dim(` (did you mean "${p.suggestion}"?)`) : '';
    return terminalText`${mark(p)} ${where}${p.message}${hint} ${color.dim(`[${p.code}]`)}`;
  };
  const shown = problems instanceof ProblemList ? problems.first(shownProblems) : problems.slice(0, shownProblems);
  for (const p of shown) if (p.row === null) lines.push(terminalText`${file}: ${detail(p)}`);
  const byRow = new Map<number, Problem[]>();
  for (const p of shown) {
    if (p.row === null) continue;
    const list = byRow.get(p.row) ?? [];
    list.push(p);
    byRow.set(p.row, list);
  }
  for (const row of [...byRow.keys()].sort((a, b) => a - b)) {
    lines.push(color.bold(`${file}, row ${row}:`));
    for (const p of byRow.get(row)!) lines.push(terminalText`  ${detail(p)}`);
  }
  const total = problems instanceof ProblemList ? problems.size : problems.length;
  if (total > shown.length) {
    const byCode = problems instanceof ProblemList ? problems.counts : countsOf(problems);
    const codes = byCode.map(([code, n]) => `${code} ${n}`).join(', ');
    lines.push(terminalText``, color.yellow(`Shown: the first ${shown.length} of ${plural(total, 'problem')} (by code: ${codes}). ${more}`));
  }
  return joinLines(lines);
}

function countsOf(problems: readonly Problem[]): Array<[string, number]> {
  const counts = new Map<string, number>();
  for (const p of problems) counts.set(p.code, (counts.get(p.code) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function summarizeProblems(problems: ProblemList | readonly Problem[]): string {
  const { errors, warnings } = problemCounts(problems);
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
