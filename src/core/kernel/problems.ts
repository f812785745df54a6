/** Problems found in input data are values, collected and reported; never thrown. */
/** `info` says what the import did for the user (a value it computed, how it read the file); it is never a fault. */
export type Severity = 'error' | 'warning' | 'info';

export type ProblemCode =
  // file level
  | 'unreadable_file'
  | 'unsupported_format'
  | 'encoding_guess'
  | 'hidden_sheet'
  | 'missing_column'
  | 'duplicate_column'
  | 'unknown_column'
  | 'custom_field'
  | 'date_format_inferred'
  | 'timestamps_read'
  | 'preset_detected'
  | 'next_invoice_rule'
  | 'stripe_dates_reformatted'
  | 'empty_file'
  // row level
  | 'required'
  | 'extra_cells'
  | 'invalid_date'
  | 'ambiguous_date'
  | 'invalid_email'
  | 'invalid_number'
  | 'invalid_boolean'
  | 'invalid_value'
  | 'unknown_plan'
  | 'unknown_payer'
  | 'ambiguous_payer'
  | 'payer_cycle'
  | 'payer_rejected'
  | 'self_payer'
  | 'unknown_holder'
  | 'ambiguous_holder'
  | 'holder_membership'
  | 'seats_full'
  | 'self_delegate'
  | 'delegate_dates'
  | 'holder_rejected'
  | 'duplicate_member'
  | 'conflicting_rows'
  | 'duplicate_membership'
  | 'person_rejected'
  | 'possible_duplicate'
  | 'conflict_existing'
  | 'company_variant'
  | 'duplicate_mandate'
  | 'mandate_of_payee'
  | 'next_invoice_before_start'
  | 'next_invoice_in_past'
  | 'next_invoice_computed'
  | 'start_in_future'
  | 'price_mismatch'
  | 'name_looks_like_email'
  | 'name_looks_like_phone'
  | 'unsupported_status'
  | 'unknown_customer'
  | 'balance_owed'
  | 'formula_without_value'
  | 'unknown_member'
  | 'cell_too_long'
  | 'duplicate_name'
  | 'replacement_character'
  | 'control_character'
  // jobs
  | 'already_billed';

export interface Problem {
  /** Spreadsheet row number (the header is row 1), or null for a file-level problem. */
  row: number | null;
  /** The column as written in the file, or null. */
  column: string | null;
  value: string | null;
  code: ProblemCode;
  severity: Severity;
  message: string;
  suggestion: string | null;
}

export function problem(p: Omit<Problem, 'row' | 'column' | 'value' | 'suggestion'> & Partial<Problem>): Problem {
  return {
    row: p.row ?? null,
    column: p.column ?? null,
    value: p.value ?? null,
    code: p.code,
    severity: p.severity,
    message: p.message,
    suggestion: p.suggestion ?? null,
  };
}

/** The codes that are file level (docs/importing.md, "Problem codes"). */
const fileLevelCodes: ReadonlySet<ProblemCode> = new Set<ProblemCode>([
  'unreadable_file',
  'unsupported_format',
  'encoding_guess',
  'hidden_sheet',
  'missing_column',
  'duplicate_column',
  'unknown_column',
  'custom_field',
  'date_format_inferred',
  'timestamps_read',
  'preset_detected',
  'next_invoice_rule',
  'stripe_dates_reformatted',
  'empty_file',
]);

/** Whether a problem concerns the whole file (its headers, its encoding) rather than one row. */
export const isFileLevel = (p: Problem): boolean => p.row === null || fileLevelCodes.has(p.code);

/**
 * A problem as the `--json` documents and reports give it (docs/importing.md, "Problem codes"): a file-level one has a null row and column,
 * the header it concerns (missing, repeated, unknown) being its value. Inside, header problems keep the header's
 * row and column, which the xlsx report colours.
 */
export function documented<P extends Problem>(p: P): P {
  if (!fileLevelCodes.has(p.code) || p.row === null) return p;
  return { ...p, row: null, column: null, value: p.value ?? p.column };
}
