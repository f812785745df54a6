import type { Problem } from './core/problems.js';
import { plural } from './core/words.js';
import { joinLines, type TerminalColors, type TerminalText, terminalText } from './terminal-text.js';

/** Problems grouped by row, file-level ones first, for a person reading a terminal (the values they quote escaped). */
export function renderProblems(file: string, problems: readonly Problem[], color: TerminalColors): TerminalText {
  const lines: TerminalText[] = [];
  const mark = (p: Problem) => (p.severity === 'error' ? color.red('error  ') : color.yellow('warning'));
  const detail = (p: Problem) => {
    const where = p.column ? terminalText`${color.bold(p.column)}: ` : '';
    const hint = p.suggestion ? color.dim(` (did you mean "${p.suggestion}"?)`) : '';
    return terminalText`${mark(p)} ${where}${p.message}${hint} ${color.dim(`[${p.code}]`)}`;
  };
  const fileLevel = problems.filter((p) => p.row === null);
  for (const p of fileLevel) lines.push(terminalText`${file}: ${detail(p)}`);
  const byRow = new Map<number, Problem[]>();
  for (const p of problems) {
    if (p.row === null) continue;
    const list = byRow.get(p.row) ?? [];
    list.push(p);
    byRow.set(p.row, list);
  }
  for (const row of [...byRow.keys()].sort((a, b) => a - b)) {
    lines.push(color.bold(`${file}, row ${row}:`));
    for (const p of byRow.get(row)!) lines.push(terminalText`  ${detail(p)}`);
  }
  return joinLines(lines);
}

export function summarizeProblems(problems: readonly Problem[]): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  return `${plural(errors, 'error')}, ${plural(warnings, 'warning')}`;
}
