/**
 * Column mappings (docs/importing.md, "Other systems' exports"): how the columns of a file that is not in the
 * template layout feed the template's columns. A mapping is parsed from `--column` entries and `--columns FILE.json`
 * without looking at any file, then bound to a file's headers (`bindMapping`), which refuses what does not fit it,
 * and applied to each row (`mapRow`) before the row is read like a template row.
 */
import { z } from 'zod';
import { usageError } from '../../errors.js';
import type { Cell, RawRow } from '../../importers/types.js';
import { closest, rankByCloseness } from '../kernel/suggest.js';
import { templateColumnNamed } from './header-mapping.js';
import { knownHeaders, type MemberColumnKey, type TemplateColumn, templateColumns } from './template-columns.js';
import { cellText } from './values.js';

/** One entry of a mapping; `origin` is how the user wrote it, for messages (`--column "Formule=Plan name"`). */
export type ColumnEntry =
  /** `Source=Template column`; `A+B=Template column` joins A and B; `Source=` (target null) leaves Source out */
  | { kind: 'column'; source: string; target: string | null; origin: string }
  /** `Template column:=value`: the same value on every row */
  | { kind: 'constant'; target: string; value: string; origin: string }
  /** `Source: from=to, from=to`: cells of Source replaced before they are read; `to` empty empties the cell */
  | { kind: 'values'; source: string; map: ReadonlyArray<readonly [from: string, to: string]>; origin: string };

export interface ColumnMapping {
  entries: readonly ColumnEntry[];
}

export const noColumnMapping: ColumnMapping = { entries: [] };

/** How a source header, a value of a value map, is compared: trimmed, case ignored. */
export const sourceKey = (text: string): string => text.normalize('NFC').trim().toLowerCase();

const entryShapes = '"Source header=Template column", "A+B=Template column", "Source header=", "Template column:=value" or "Source header: from=to, from=to"';

/** One `--column` entry. Throws a usage error (64) naming the entry when it has none of the documented shapes. */
export function parseColumnEntry(text: string): ColumnEntry {
  const origin = `--column "${text}"`;
  const refuse = (why: string) => usageError(`${origin}: ${why}`, `write it as ${entryShapes}`);
  const equals = text.indexOf('=');
  const colon = text.indexOf(':');
  if (colon !== -1 && equals === colon + 1) {
    const target = text.slice(0, colon).trim();
    const value = text.slice(equals + 1).trim();
    if (target === '') throw refuse('no template column before ":="');
    if (value === '') throw refuse(`no value after ":=" for ${target}`);
    return { kind: 'constant', target, value, origin };
  }
  if (colon !== -1 && (equals === -1 || colon < equals)) {
    const source = text.slice(0, colon).trim();
    if (source === '') throw refuse('no source header before ":"');
    const pairs = text.slice(colon + 1).split(',');
    const map = pairs.map((pair): [string, string] => {
      const at = pair.indexOf('=');
      if (at === -1 || pair.slice(0, at).trim() === '') throw refuse(`"${pair.trim()}" is not "from=to"`);
      return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
    });
    return { kind: 'values', source, map: checkedValueMap(map, origin), origin };
  }
  if (equals === -1) throw refuse('no "="');
  const source = text.slice(0, equals).trim();
  const target = text.slice(equals + 1).trim();
  if (source === '') throw refuse('no source header before "="');
  return { kind: 'column', source, target: target === '' ? null : target, origin };
}

function checkedValueMap(map: Array<[string, string]>, origin: string): Array<[string, string]> {
  const seen = new Set<string>();
  for (const [from] of map) {
    if (seen.has(sourceKey(from))) throw usageError(`${origin}: the value "${from}" is mapped twice`);
    seen.add(sourceKey(from));
  }
  return map;
}

const mappingFileSchema = z
  .object({
    columns: z.record(z.string(), z.string().nullable()).optional(),
    constants: z.record(z.string(), z.string()).optional(),
    values: z.record(z.string(), z.record(z.string(), z.string())).optional(),
  })
  .strict();

export const mappingFileExample =
  '{"columns": {"Membership Type": "Plan name", "Prénom+Nom": "Name", "Ignore me": null}, "constants": {"Country": "FR"}, "values": {"Renouvellement auto": {"Oui": "yes", "Non": "no"}}}';

/**
 * The mapping of a `--columns` file's JSON (`mappingFileExample`). Throws a usage error (64) naming the file and
 * the entry when the JSON has another shape.
 */
export function mappingFromJson(json: unknown, file: string): ColumnMapping {
  const parsed = mappingFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length > 0 ? ` at ${issue.path.map((p) => JSON.stringify(String(p))).join('.')}` : '';
    throw usageError(`--columns ${file}: not a column mapping${where} (${issue.message})`, `expected an object such as ${mappingFileExample}`);
  }
  const { columns = {}, constants = {}, values = {} } = parsed.data;
  const origin = (part: string, key: string) => `--columns ${file}: "${part}": "${key}"`;
  const entries: ColumnEntry[] = [];
  for (const [source, target] of Object.entries(columns)) {
    if (source.trim() === '') throw usageError(`${origin('columns', source)}: an empty source header`);
    entries.push({ kind: 'column', source: source.trim(), target: target === null || target.trim() === '' ? null : target.trim(), origin: origin('columns', source) });
  }
  for (const [target, value] of Object.entries(constants)) {
    if (value.trim() === '') throw usageError(`${origin('constants', target)}: an empty value`);
    entries.push({ kind: 'constant', target: target.trim(), value: value.trim(), origin: origin('constants', target) });
  }
  for (const [source, map] of Object.entries(values)) {
    const pairs = Object.entries(map).map(([from, to]): [string, string] => [from.trim(), to.trim()]);
    entries.push({ kind: 'values', source: source.trim(), map: checkedValueMap(pairs, origin('values', source)), origin: origin('values', source) });
  }
  return { entries: refuseRepeats(entries) };
}

/** What an entry is about: a later mapping's entry replaces an earlier one's about the same thing. */
function slot(entry: ColumnEntry): string {
  switch (entry.kind) {
    case 'column':
      return `column:${sourceKey(entry.source)}`;
    case 'constant':
      return `constant:${templateColumnNamed(entry.target, templateColumns)?.key ?? sourceKey(entry.target)}`;
    case 'values':
      return `values:${sourceKey(entry.source)}`;
  }
}

function refuseRepeats(entries: ColumnEntry[]): ColumnEntry[] {
  const seen = new Map<string, ColumnEntry>();
  for (const entry of entries) {
    const earlier = seen.get(slot(entry));
    if (earlier) throw usageError(`${entry.origin}: says again what ${earlier.origin} says; keep one`);
    seen.set(slot(entry), entry);
  }
  return entries;
}

/** The `--column` entries, in order. Two entries about the same source header (or constant) are refused (64). */
export function mappingFromEntries(texts: readonly string[]): ColumnMapping {
  return { entries: refuseRepeats(texts.map(parseColumnEntry)) };
}

/**
 * `base` with the entries of `over` (the command line over a saved mapping): an entry of `over` replaces the one
 * of `base` about the same source header or constant.
 */
export function overlayMapping(base: ColumnMapping, over: ColumnMapping): ColumnMapping {
  const replaced = new Set(over.entries.map(slot));
  return { entries: [...base.entries.filter((entry) => !replaced.has(slot(entry))), ...over.entries] };
}

/** A column the mapping adds after the file's own: a join of some of them, or a constant. */
export type AddedColumn =
  | { kind: 'join'; position: number; parts: readonly number[] }
  | { kind: 'constant'; position: number; value: string };

/** The value map of one column. */
export interface ValueMap {
  /** sourceKey of a value -> the value to read instead (null: an empty cell) */
  targets: ReadonlyMap<string, string | null>;
  /** cell text -> what is read, for the first distinct texts of the file: the same few values repeat on every row */
  seen: Map<string, string | null>;
}

/** A mapping bound to one file's headers (`bindMapping`): positions rather than names. */
export interface BoundMapping<K extends string = MemberColumnKey> {
  /** the file's headers, then one for each added column (a join as "Prénom+Nom", a constant as its template column) */
  headers: readonly string[];
  /** how many of `headers` are the file's */
  fileColumns: number;
  /** position -> the template column it feeds, for renamed columns, joins and constants */
  assigned: ReadonlyMap<number, K>;
  /** positions left out: ignored columns and the parts of a join */
  ignored: ReadonlySet<number>;
  /** position -> its value map */
  values: ReadonlyMap<number, ValueMap>;
  added: readonly AddedColumn[];
  /** header of a mapped column (as problems name it) -> what problems about it add: "Formule is read as Plan name" */
  notes: ReadonlyMap<string, string>;
}

/**
 * Binds `mapping` to a file's `headers` (as written; matched trimmed and ignoring case). Throws a usage error (64)
 * naming the entry for a header the file lacks (with the closest one), a template column that does not exist
 * (with the closest one), a header used twice, or a template column fed twice.
 */
export function bindMapping<K extends string = MemberColumnKey>(
  mapping: ColumnMapping,
  headers: readonly string[],
  // another file's columns (a bank statement's) may be given instead of the member template's
  columns: readonly TemplateColumn<K>[] = templateColumns as unknown as readonly TemplateColumn<K>[],
): BoundMapping<K> {
  const positions = new Map<string, number[]>();
  headers.forEach((header, position) => {
    if (header.trim() === '') return;
    const key = sourceKey(header);
    positions.set(key, [...(positions.get(key) ?? []), position]);
  });
  const named = headers.filter((h) => h.trim() !== '');
  const sourcePosition = (source: string, origin: string): number => {
    const found = positions.get(sourceKey(source));
    if (found === undefined) {
      const near = closest(source, named) ?? rankByCloseness(source, named, 1, { maxDistance: Number.POSITIVE_INFINITY })[0];
      throw usageError(`${origin}: the file has no column "${source}"${near ? ` (the closest is "${near.trim()}")` : ''}`, `its columns are ${named.map((h) => `"${h.trim()}"`).join(', ')}`);
    }
    if (found.length > 1) throw usageError(`${origin}: the file has ${found.length} columns "${source}"; rename one of them in the file`);
    return found[0]!;
  };
  const templateColumn = (target: string, origin: string): TemplateColumn<K> => {
    const column = templateColumnNamed(target, columns);
    if (column) return column;
    const near = closest(target, columns.flatMap(knownHeaders)) ?? rankByCloseness(target, columns.map((c) => c.header), 1, { maxDistance: Number.POSITIVE_INFINITY })[0];
    throw usageError(`${origin}: "${target}" is not a template column${near ? ` (the closest is "${near}")` : ''}`, 'the template columns are listed in docs/importing.md; a column that is no template column is imported as a custom field when it is not mapped');
  };

  const assigned = new Map<number, K>();
  const ignored = new Set<number>();
  const values = new Map<number, ValueMap>();
  const added: AddedColumn[] = [];
  const extraHeaders: string[] = [];
  const notes = new Map<string, string>();
  /** position -> the entry that uses it (renamed, ignored or joined) */
  const usedBy = new Map<number, ColumnEntry>();
  /** template column -> the entry that feeds it */
  const fedBy = new Map<K, ColumnEntry>();

  const use = (position: number, entry: ColumnEntry) => {
    const earlier = usedBy.get(position);
    if (earlier) throw usageError(`${entry.origin}: the column "${headers[position]!.trim()}" is already mapped by ${earlier.origin}; keep one`);
    usedBy.set(position, entry);
  };
  const feed = (column: TemplateColumn<K>, entry: ColumnEntry) => {
    const earlier = fedBy.get(column.key);
    if (earlier) throw usageError(`${entry.origin}: ${column.header} is already fed by ${earlier.origin}; keep one`);
    fedBy.set(column.key, entry);
  };
  const addColumn = (header: string, key: K, column: (position: number) => AddedColumn) => {
    const position = headers.length + extraHeaders.length;
    extraHeaders.push(header);
    assigned.set(position, key);
    added.push(column(position));
  };

  for (const entry of mapping.entries) {
    switch (entry.kind) {
      case 'column': {
        // a header that holds "+" itself is that column; otherwise "+" joins columns
        const whole = positions.has(sourceKey(entry.source)) || !entry.source.includes('+');
        const parts = whole ? [sourcePosition(entry.source, entry.origin)] : entry.source.split('+').map((part) => sourcePosition(part.trim(), entry.origin));
        for (const part of parts) use(part, entry);
        if (entry.target === null) {
          for (const part of parts) ignored.add(part);
          break;
        }
        const column = templateColumn(entry.target, entry.origin);
        feed(column, entry);
        if (parts.length === 1) {
          const position = parts[0]!;
          assigned.set(position, column.key);
          const header = headers[position]!.trim();
          if (templateColumnNamed(header, columns)?.key !== column.key) notes.set(header, `${header} is read as ${column.header}`);
        } else {
          for (const part of parts) ignored.add(part);
          const header = parts.map((part) => headers[part]!.trim()).join('+');
          addColumn(header, column.key, (position) => ({ kind: 'join', position, parts }));
          notes.set(header, `${header} is read as ${column.header}`);
        }
        break;
      }
      case 'constant': {
        const column = templateColumn(entry.target, entry.origin);
        feed(column, entry);
        addColumn(column.header, column.key, (position) => ({ kind: 'constant', position, value: entry.value }));
        notes.set(column.header, `${column.header} is set by ${entry.origin}`);
        break;
      }
      case 'values': {
        const position = sourcePosition(entry.source, entry.origin);
        values.set(position, { targets: new Map(entry.map.map(([from, to]) => [sourceKey(from), to === '' ? null : to])), seen: new Map() });
        break;
      }
    }
  }
  // a column the file names itself may not feed what the mapping feeds
  headers.forEach((header, position) => {
    if (usedBy.has(position) || header.trim() === '') return;
    const column = templateColumnNamed(header, columns);
    const entry = column && fedBy.get(column.key);
    if (entry) {
      throw usageError(
        `${entry.origin}: the file's column "${header.trim()}" is ${column.header} already`,
        `leave it out with --column "${header.trim()}=", or drop the entry`,
      );
    }
  });
  return { headers: [...headers, ...extraHeaders], fileColumns: headers.length, assigned, ignored, values, added, notes };
}

/** Distinct cell texts whose value-map result is remembered, per column: such columns hold a few values, repeated. */
const rememberedValues = 1000;

/** The value a value map gives `cell`: its target, or the cell itself when the map does not list it. */
function mappedValue({ targets, seen }: ValueMap, cell: string): string | null {
  const known = seen.get(cell);
  if (known !== undefined || seen.has(cell)) return known ?? null;
  const to = targets.get(sourceKey(cell));
  const value = to === undefined ? cell : to;
  if (seen.size < rememberedValues) seen.set(cell, value);
  return value;
}

/** The row as the template reads it: value maps applied, then the joined and constant columns after the file's. */
export function mapRow<K extends string>(mapping: BoundMapping<K>, raw: RawRow): RawRow {
  const { fileColumns } = mapping;
  const cells: Cell[] = raw.cells.length > fileColumns ? raw.cells.slice(0, fileColumns) : raw.cells.slice();
  while (cells.length < fileColumns) cells.push(null);
  for (const [position, map] of mapping.values) {
    const cell = cells[position];
    if (typeof cell === 'string') cells[position] = mappedValue(map, cell);
  }
  for (const column of mapping.added) {
    if (column.kind === 'constant') {
      cells.push(column.value);
      continue;
    }
    let joined: string | null = null;
    for (const part of column.parts) {
      const text = cellText(cells[part]);
      if (text !== null) joined = joined === null ? text : `${joined} ${text}`;
    }
    cells.push(joined);
  }
  return { row: raw.row, cells };
}
