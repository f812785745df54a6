/**
 * The official EN 16931 validation, run in the tests: the CEN business rules (Schematron compiled for SaxonJS) for
 * CII and UBL, and the UN/CEFACT CII D16B schema with xmllint. The artefacts are in test/fixtures/en16931 (see its
 * README); nothing here is a copy of a rule, so a document these accept is one the official tools accept.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SaxonJS from 'saxon-js';

export const en16931Dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/en16931');
const ciiSchema = path.join(en16931Dir, 'cii-d16b-xsd/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd');

export type Syntax = 'cii' | 'ubl';

export interface FailedAssert {
  /** the rule's id: BR-CO-17, BR-S-08, ... */
  id: string;
  flag: 'fatal' | 'warning';
  text: string;
  location: string;
}

const stylesheetFiles: Record<Syntax, string> = {
  cii: 'EN16931-CII-validation.sef.json',
  ubl: 'EN16931-UBL-validation.sef.json',
};

// each stylesheet is 5-7 MB of JSON: read and parsed once per test file, not once per document
const stylesheets = new Map<Syntax, unknown>();
function stylesheet(syntax: Syntax): unknown {
  let sef = stylesheets.get(syntax);
  if (sef === undefined) {
    sef = JSON.parse(fs.readFileSync(path.join(en16931Dir, stylesheetFiles[syntax]), 'utf8'));
    stylesheets.set(syntax, sef);
  }
  return sef;
}

const svrl = { svrl: 'http://purl.oclc.org/dsdl/svrl' };

/** Every failed assert of the EN 16931 rules on `xml`, fatal ones and warnings. Throws if the XML does not parse. */
export function validateEn16931(xml: string, syntax: Syntax): FailedAssert[] {
  const { principalResult } = SaxonJS.transform(
    { stylesheetInternal: stylesheet(syntax), sourceText: xml, destination: 'document' },
    'sync',
  );
  const asserts = SaxonJS.XPath.evaluate(
    '//svrl:failed-assert ! map { "id": string(@id), "flag": string(@flag), "text": normalize-space(svrl:text), "location": string(@location) }',
    principalResult,
    { namespaceContext: svrl, resultForm: 'array' },
  ) as Array<Map<string, string> | Record<string, string>>;
  return asserts.map((entry) => {
    const get = (key: string) => (entry instanceof Map ? entry.get(key) : entry[key]) ?? '';
    const flag = get('flag');
    if (flag !== 'fatal' && flag !== 'warning') throw new Error(`unexpected flag ${JSON.stringify(flag)} on ${get('id')}`);
    return { id: get('id'), flag, text: get('text'), location: get('location') };
  });
}

/** The fatal failed asserts only: an invoice with any is invalid. */
export function fatalAsserts(xml: string, syntax: Syntax): FailedAssert[] {
  return validateEn16931(xml, syntax).filter((a) => a.flag === 'fatal');
}

const documentNamespaces = {
  rsm: 'urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100',
  ram: 'urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100',
  udt: 'urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100',
  qdt: 'urn:un:unece:uncefact:data:standard:QualifiedDataType:100',
  cac: 'urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2',
  cbc: 'urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2',
  inv: 'urn:oasis:names:specification:ubl:schema:xsd:Invoice-2',
  cn: 'urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2',
};

/**
 * The string values an XPath 3.1 expression selects in `xml` (prefixes rsm, ram, udt, qdt for CII; cac, cbc,
 * inv, cn for UBL): what a receiving system reads from the document, escaping undone.
 */
export function xpathValues(xml: string, expression: string): string[] {
  const result = SaxonJS.XPath.evaluate(`parse-xml($xml) ! (${expression}) ! string(.)`, null, {
    namespaceContext: documentNamespaces,
    params: { xml },
    resultForm: 'array',
  });
  return result as string[];
}

export interface SchemaResult {
  valid: boolean;
  /** xmllint's messages, one per line */
  errors: string[];
}

/**
 * `xml` checked against the CII D16B schema by xmllint (Debian: libxml2-utils). Throws when xmllint is missing:
 * a test that cannot run the check must fail, not pass.
 */
export function validateCiiSchema(xml: string): SchemaResult {
  try {
    execFileSync('xmllint', ['--noout', '--nonet', '--schema', ciiSchema, '-'], { input: xml, stdio: ['pipe', 'pipe', 'pipe'] });
    return { valid: true, errors: [] };
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { status?: number | null; stderr?: Buffer };
    if (e.code === 'ENOENT') {
      throw new Error('xmllint is not installed: the CII schema cannot be checked (install it: apt-get install -y libxml2-utils)');
    }
    const errors = String(e.stderr ?? '')
      .split('\n')
      .filter((line) => line.trim() !== '' && !/ validates$| fails to validate$/.test(line));
    return { valid: false, errors };
  }
}
