/**
 * Reading a Factur-X PDF back in the tests: the embedded file as poppler's pdfdetach extracts it, the XMP as pdfinfo
 * prints it, the document information, the fonts, and the PDF's objects themselves (the catalog, the file
 * specification, the embedded file stream, inflated with zlib), read from the file's bytes.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import SaxonJS from 'saxon-js';
import { PdfProbe } from './poppler.js';

export interface PdfObject {
  id: number;
  /** the object's dictionary (or value) as written */
  dict: string;
  /** its stream, inflated when FlateDecode */
  stream: Buffer | null;
}

/** Every object of a PDF written without object streams (as PDFKit writes), by number. */
export function pdfObjects(bytes: Buffer): Map<number, PdfObject> {
  const text = bytes.toString('latin1');
  const objects = new Map<number, PdfObject>();
  const header = /(?:^|\n)(\d+) 0 obj\n/g;
  for (let match = header.exec(text); match !== null; match = header.exec(text)) {
    const start = match.index + match[0].length;
    const streamAt = text.indexOf('\nstream\n', start);
    const endAt = text.indexOf('\nendobj', start);
    if (streamAt !== -1 && streamAt < endAt) {
      const dict = text.slice(start, streamAt);
      const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
      const raw = bytes.subarray(streamAt + 8, streamAt + 8 + length);
      const stream = dict.includes('/FlateDecode') ? zlib.inflateSync(raw) : Buffer.from(raw);
      objects.set(Number(match[1]), { id: Number(match[1]), dict, stream });
      header.lastIndex = streamAt + 8 + length;
    } else {
      objects.set(Number(match[1]), { id: Number(match[1]), dict: text.slice(start, endAt), stream: null });
    }
  }
  return objects;
}

/** The object numbers a dictionary's entry refers to: `/AF [12 0 R]` gives [12]. */
export function refs(dict: string, key: string): number[] {
  const entry = new RegExp(`/${key} (\\[[^\\]]*\\]|\\d+ 0 R)`).exec(dict);
  return entry ? [...entry[1]!.matchAll(/(\d+) 0 R/g)].map((m) => Number(m[1])) : [];
}

function run(tool: string, args: string[]): string {
  try {
    return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${tool} is not installed (install poppler-utils: apt-get install -y poppler-utils)`);
    throw error;
  }
}

export interface FacturxReading {
  /** the files pdfdetach lists and saves, by name */
  attachments: Map<string, Buffer>;
  /** the XMP packet, as pdfinfo -meta prints it */
  xmp: string;
  /** pdfinfo -isodates */
  info: Record<string, string>;
  fonts: { name: string; type: string; embedded: boolean }[];
  objects: Map<number, PdfObject>;
  /** the file's first line: %PDF-1.7 */
  version: string;
}

/** Everything the Factur-X tests check, read from the PDF's bytes. */
export function readFacturx(bytes: Buffer): FacturxReading {
  const probe = new PdfProbe(bytes);
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-detach-'));
  try {
    run('pdfdetach', ['-saveall', '-o', out, probe.file]);
    const attachments = new Map(fs.readdirSync(out).map((name) => [name, fs.readFileSync(path.join(out, name))]));
    const info: Record<string, string> = {};
    for (const line of run('pdfinfo', ['-isodates', probe.file]).split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) info[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return {
      attachments,
      xmp: run('pdfinfo', ['-meta', probe.file]),
      info,
      fonts: probe.fonts(),
      objects: pdfObjects(bytes),
      version: bytes.subarray(0, bytes.indexOf(10)).toString('latin1'),
    };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
    probe.remove();
  }
}

const xmpNamespaces = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  pdfaid: 'http://www.aiim.org/pdfa/ns/id/',
  fx: 'urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#',
  pdfaExtension: 'http://www.aiim.org/pdfa/ns/extension/',
  pdfaSchema: 'http://www.aiim.org/pdfa/ns/schema#',
  pdfaProperty: 'http://www.aiim.org/pdfa/ns/property#',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  dc: 'http://purl.org/dc/elements/1.1/',
  pdf: 'http://ns.adobe.com/pdf/1.3/',
};

/** The string values an XPath selects in the XMP packet (parsed as XML: a malformed packet throws). */
export function xmpValues(xmp: string, expression: string): string[] {
  // the packet's processing instructions stay; the text before the first one (none from PDFKit) would not parse
  const xml = xmp.slice(xmp.indexOf('<'));
  return SaxonJS.XPath.evaluate(`parse-xml($xml) ! (${expression}) ! string(.)`, null, {
    namespaceContext: xmpNamespaces,
    params: { xml },
    resultForm: 'array',
  }) as string[];
}

/** The checks every Factur-X file passes; returns the embedded XML. Each failure names what is wrong. */
export function facturxProblems(reading: FacturxReading): string[] {
  const problems: string[] = [];
  const expect = (ok: boolean, what: string) => {
    if (!ok) problems.push(what);
  };
  expect(reading.version === '%PDF-1.7', `version ${reading.version}`);
  expect([...reading.attachments.keys()].join() === 'factur-x.xml', `attachments ${[...reading.attachments.keys()].join()}`);
  const v = (expression: string) => xmpValues(reading.xmp, expression).join('|');
  expect(v('//pdfaid:part') === '3', `pdfaid:part ${v('//pdfaid:part')}`);
  expect(v('//pdfaid:conformance') === 'B', `pdfaid:conformance ${v('//pdfaid:conformance')}`);
  const fx = v('//rdf:Description/(fx:DocumentType, fx:DocumentFileName, fx:Version, fx:ConformanceLevel)');
  expect(fx === 'INVOICE|factur-x.xml|1.0|EN 16931', `fx fields ${fx}`);
  const schema = '//pdfaExtension:schemas/rdf:Bag/rdf:li';
  expect(v(`${schema}/(pdfaSchema:namespaceURI, pdfaSchema:prefix)`) === `${xmpNamespaces.fx}|fx`, `extension schema ${v(`${schema}/(pdfaSchema:namespaceURI, pdfaSchema:prefix)`)}`);
  const properties = v(`${schema}/pdfaSchema:property/rdf:Seq/rdf:li/pdfaProperty:name`);
  expect(properties === 'DocumentFileName|DocumentType|Version|ConformanceLevel', `extension properties ${properties}`);
  expect(v(`${schema}/pdfaSchema:property/rdf:Seq/rdf:li/pdfaProperty:valueType`) === 'Text|Text|Text|Text', 'property value types');
  // the document information and the XMP say the same
  expect(v('//dc:title/rdf:Alt/rdf:li') === reading.info.Title, `dc:title ${v('//dc:title/rdf:Alt/rdf:li')} vs Title ${reading.info.Title}`);
  expect(v('//dc:creator/rdf:Seq/rdf:li') === reading.info.Author, `dc:creator ${v('//dc:creator/rdf:Seq/rdf:li')} vs Author ${reading.info.Author}`);
  expect(v('//xmp:CreatorTool') === reading.info.Creator, 'xmp:CreatorTool vs Creator');
  expect(v('//pdf:Producer') === reading.info.Producer, 'pdf:Producer vs Producer');
  expect(v('//xmp:CreateDate') === reading.info.CreationDate, `xmp:CreateDate ${v('//xmp:CreateDate')} vs CreationDate ${reading.info.CreationDate}`);
  expect(v('//xmp:ModifyDate') === reading.info.ModDate, `xmp:ModifyDate ${v('//xmp:ModifyDate')} vs ModDate ${reading.info.ModDate}`);
  for (const font of reading.fonts) expect(font.embedded, `font ${font.name} not embedded`);
  expect(reading.fonts.length > 0, 'no font');

  // the catalog: /AF lists the file specification, which the EmbeddedFiles name tree names too
  const catalog = [...reading.objects.values()].find((o) => o.dict.includes('/Type /Catalog'));
  if (catalog === undefined) return [...problems, 'no catalog'];
  const af = refs(catalog.dict, 'AF');
  expect(af.length === 1, `/AF ${af.join()}`);
  const spec = reading.objects.get(af[0] ?? -1);
  expect(spec?.dict.includes('/Type /Filespec') === true, 'the /AF entry is no Filespec');
  expect(spec?.dict.includes('/AFRelationship /Alternative') === true, 'AFRelationship is not Alternative');
  expect(spec?.dict.includes('/F (factur-x.xml)') === true && spec?.dict.includes('/UF (factur-x.xml)') === true, 'Filespec /F and /UF');
  const names = reading.objects.get(refs(catalog.dict, 'Names')[0] ?? -1);
  expect(names !== undefined && new RegExp(`/EmbeddedFiles <<[\\s\\S]*\\(factur-x\\.xml\\) ${af[0]} 0 R`).test(names.dict), 'EmbeddedFiles does not name factur-x.xml');
  const embedded = reading.objects.get(refs(spec?.dict ?? '', 'F')[0] ?? -1);
  expect(embedded?.dict.includes('/Type /EmbeddedFile') === true, 'no EmbeddedFile stream');
  expect(embedded?.dict.includes('/Subtype /text#2Fxml') === true, 'the embedded file is not text/xml');
  expect(/\/ModDate \(D:\d{14}Z\)/.test(embedded?.dict ?? ''), 'the embedded file has no ModDate');
  expect(embedded?.stream?.equals(reading.attachments.get('factur-x.xml') ?? Buffer.alloc(0)) === true, 'the stream is not what pdfdetach saved');
  // an sRGB output intent with its ICC profile
  const intent = reading.objects.get(refs(catalog.dict, 'OutputIntents')[0] ?? -1);
  expect(intent?.dict.includes('/S /GTS_PDFA1') === true && intent?.dict.includes('sRGB IEC61966-2.1') === true, 'no sRGB output intent');
  const profile = reading.objects.get(refs(intent?.dict ?? '', 'DestOutputProfile')[0] ?? -1);
  expect(profile?.stream?.subarray(36, 40).toString('latin1') === 'acsp', 'the output intent has no ICC profile');
  // the XMP stream is the catalog's /Metadata, uncompressed
  const metadata = reading.objects.get(refs(catalog.dict, 'Metadata')[0] ?? -1);
  expect(metadata?.dict.includes('/Type /Metadata') === true && !metadata.dict.includes('/Filter'), 'the XMP stream is compressed or missing');
  return problems;
}
