/**
 * `--companies FILE`: which company each spelling of a member file stands for (docs/importing.md, "Company
 * spellings"), `{"ACME SAS": "Acme SAS"}`; a spelling mapped to itself is a company of its own. The company cell of
 * each row is replaced by the company to use before the row is read, so the whole import (matching, creating,
 * comparing) sees one name.
 */
import { dataError, usageError } from '../../errors.js';
import type { RawRow } from '../../importers/types.js';
import { closest } from '../kernel/suggest.js';
import { readPlanMap } from './plan-map.js';
import { cellText } from './values.js';

const companySpellings = {
  what: 'company spellings of the file',
  example: '{"ACME SAS": "Acme SAS"}',
  option: '--companies',
  target: 'company',
} as const;

export interface CompanyMap {
  /** the file it was read from, for messages */
  file: string;
  /** spelling in the file -> the company to use */
  map: ReadonlyMap<string, string>;
}

/**
 * Reads a companies map. A missing file is an empty map when `mayBeNew` (the answers to the prompts create it), else a
 * 66; a map whose company is itself mapped to another ("A" to "B", "B" to "C") is refused (64).
 */
export function readCompanyMap(file: string, mayBeNew: boolean): CompanyMap {
  const map = readPlanMap(file, mayBeNew, companySpellings);
  for (const [from, to] of map) {
    const further = map.get(to);
    if (to !== from && further !== undefined && further !== to) {
      throw usageError(`--companies ${file}: "${from}" is mapped to "${to}", which is itself mapped to "${further}"`, `map "${from}" to "${further}" directly`);
    }
  }
  return { file, map };
}

/** A companies map bound to the company column of one file, noting the spellings of its entries that the file holds. */
export interface CompanyRespelling {
  position: number;
  companies: CompanyMap;
  /** the companies the map names (its values) */
  targets: ReadonlySet<string>;
  /** spellings of the file, as written, that are keys or values of the map */
  seen: Set<string>;
}

export function bindCompanyMap(companies: CompanyMap, position: number): CompanyRespelling {
  return { position, companies, targets: new Set(companies.map.values()), seen: new Set() };
}

/** The row with its company replaced by the one the map gives; the row itself when there is nothing to replace. */
export function respellCompany(raw: RawRow, respelling: CompanyRespelling): RawRow {
  const text = cellText(raw.cells[respelling.position]);
  if (text === null) return raw;
  const to = respelling.companies.map.get(text);
  if (to !== undefined || respelling.targets.has(text)) respelling.seen.add(text);
  if (to === undefined || to === text) return raw;
  const cells = raw.cells.slice();
  cells[respelling.position] = to;
  return { ...raw, cells };
}

/** Whether a company name is one the map has settled: a spelling it maps, or a company it names. */
export function settledSpelling(respelling: CompanyRespelling | null, name: string): boolean {
  return respelling !== null && (respelling.companies.map.has(name) || respelling.targets.has(name));
}

/**
 * After the first pass: each entry of the map whose spelling the file holds must name a company of the file or of the
 * database (exact name), else the map is refused (65) naming the entry, with the closest company (of `inFile`, the
 * file's companies as the map respells them, or the database's).
 */
export function checkCompanyMap(respelling: CompanyRespelling, existing: ReadonlyMap<string, number>, inFile: Iterable<string>): void {
  const { file, map } = respelling.companies;
  for (const [from, to] of map) {
    if (!respelling.seen.has(from) || to === from) continue;
    if (existing.has(to) || respelling.seen.has(to)) continue;
    const near = closest(to, [...new Set([...existing.keys(), ...inFile])].filter((name) => name !== from && name !== to));
    throw dataError(
      `--companies ${file}: "${from}" is mapped to "${to}", which is neither a company of the file nor of the database`,
      near ? `did you mean "${near}"? A company is named exactly as written` : 'name a company as the file or `memberctl companies list` writes it',
    );
  }
}
