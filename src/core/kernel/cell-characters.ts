/**
 * Characters no cell of an import may hold, whatever read the file (CSV, xlsx) and whatever it imports (members,
 * plans, Stripe exports): U+FFFD, which a decoder leaves where a byte sequence was not valid in the file's
 * encoding, and control characters, which no spreadsheet program lets a person type (PostgreSQL refuses NUL
 * outright). Tabs and line breaks are text. Pure: problems are returned.
 */
import type { Cell } from '../../importers/types.js';
import { columnLetter } from './columns.js';
import { type Problem, problem } from './problems.js';

/** Control characters (Unicode Cc: C0, DEL and C1) other than tab, line feed and carriage return. */
const controlCharacter = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const replacementCharacter = '\ufffd';

const codePoint = (char: string) => `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** The text with its control characters written as `\u0001`, so that a message or a report shows them. */
export function visibleControls(text: string): string {
  return text.replace(new RegExp(controlCharacter.source, 'g'), (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Whether the text holds a control character other than tab and line breaks. */
export const hasControlCharacter = (text: string): boolean => controlCharacter.test(text);

function textOf(cell: Cell | undefined): string | null {
  if (cell === null || cell === undefined) return null;
  if (typeof cell === 'string') return cell;
  return cell.kind === 'formula' ? cell.formula : null;
}

/** The problem of one text (a cell, a header), or null when it holds only characters that can be imported. */
export function characterProblem(text: string, at: { row: number; column: string }): Problem | null {
  const where = text.indexOf(replacementCharacter);
  if (where >= 0) {
    return problem({
      ...at,
      value: visibleControls(text),
      code: 'replacement_character',
      severity: 'error',
      message: `"${visibleControls(text)}" holds the replacement character � (U+FFFD) at character ${where + 1}: a character of the file could not be decoded, it was saved with another encoding or is damaged; save it again as UTF-8 ("CSV UTF-8") or as .xlsx from the program that made it, then check that letter`,
    });
  }
  const control = controlCharacter.exec(text);
  if (control) {
    return problem({
      ...at,
      value: visibleControls(text),
      code: 'control_character',
      severity: 'error',
      message: `"${visibleControls(text)}" holds the control character ${codePoint(control[0])} at character ${control.index + 1}: invisible characters like this come from a damaged file or a faulty export; remove it from the cell`,
    });
  }
  return null;
}

/**
 * The problems of a row's cells, one per cell at most, named by the headers (a cell past the last header by its
 * column letter). With `imported`, only the cells at those positions are checked: a column that is not imported
 * keeps no row out.
 */
export function cellCharacterProblems(row: number, cells: readonly Cell[], headers: readonly string[], imported?: ReadonlySet<number>): Problem[] {
  const problems: Problem[] = [];
  for (let index = 0; index < cells.length; index += 1) {
    if (imported && !imported.has(index)) continue;
    const text = textOf(cells[index]);
    if (text === null) continue;
    const found = characterProblem(text, { row, column: headers[index] || columnLetter(index) });
    if (found) problems.push(found);
  }
  return problems;
}
