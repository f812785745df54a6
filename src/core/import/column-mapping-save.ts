import { writeOutput } from '../../safe-file.js';
import type { ColumnMapping } from './column-mapping.js';

/** A column mapping as a `--columns` file holds it (docs/importing.md): reading it back gives the same mapping. */
export function columnsFileJson(mapping: ColumnMapping): Record<string, Record<string, unknown>> {
  const columns: Record<string, string | null> = {};
  const constants: Record<string, string> = {};
  const values: Record<string, Record<string, string>> = {};
  for (const entry of mapping.entries) {
    switch (entry.kind) {
      case 'column':
        columns[entry.source] = entry.target;
        break;
      case 'constant':
        constants[entry.target] = entry.value;
        break;
      case 'values':
        values[entry.source] = Object.fromEntries(entry.map);
        break;
    }
  }
  const json: Record<string, Record<string, unknown>> = { columns };
  if (Object.keys(constants).length > 0) json.constants = constants;
  if (Object.keys(values).length > 0) json.values = values;
  return json;
}

/** Writes a `--columns` file, whole or not at all. */
export async function saveColumnsFile(file: string, mapping: ColumnMapping): Promise<void> {
  await writeOutput(file, '--columns', (out) => out.write(`${JSON.stringify(columnsFileJson(mapping), null, 2)}\n`));
}
