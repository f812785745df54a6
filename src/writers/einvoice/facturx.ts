/**
 * Factur-X 1.0, profile EN 16931: the invoice PDF as PDF/A-3b, with the CII XML of the same document embedded as
 * `factur-x.xml` (AFRelationship Alternative, MIME text/xml, in the catalog's /AF array and its EmbeddedFiles name
 * tree) and the Factur-X XMP metadata.
 *
 * PDFKit does most of PDF/A-3b itself when given `subset: 'PDF/A-3b'`: the pdfaid part and conformance in the XMP,
 * the sRGB output intent, a file identifier; `file()` embeds with an AFRelationship and lists the file in /AF.
 * What it does not do is escape the XMP it writes from the document information (an organisation named "Dupont &
 * Fils" would make the metadata unreadable XML, and the file no PDF/A), nor write xmp:ModifyDate or the Factur-X
 * extension schema: `writeXmp` replaces its `_addInfo` (PDFKit's MetadataMixin, called once by `end()` before the
 * packet is closed) with one that writes every field escaped, matching the document information dictionary.
 */
import type { InvoiceDocument } from '../../core/documents/invoice-document.js';
import { type PdfFonts, renderInvoicePdf } from '../pdf/invoice-pdf.js';
import { writeCii } from './cii.js';

/** The embedded file's name, fixed by the Factur-X specification. */
export const facturxFileName = 'factur-x.xml';
export const facturxNamespace = 'urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#';
export const facturxConformanceLevel = 'EN 16931';

export interface FacturxOptions {
  /** the fonts, loaded once for many documents */
  fonts?: PdfFonts;
  /** the creation and modification time written in the document information and the XMP (default: now) */
  now?: Date;
  /** PDFKit's stream compression (default true); false writes every object readable, for inspection */
  compress?: boolean;
}

/** The Factur-X PDF of `document`, whole in memory; its embedded XML is exactly `writeCii(document)`. */
export function renderFacturx(document: InvoiceDocument, options: FacturxOptions = {}): Promise<Buffer> {
  const xml = writeCii(document);
  // PDF dates carry whole seconds: the XMP says the same second
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  return renderInvoicePdf(document, {
    fonts: options.fonts,
    pdf: {
      subset: 'PDF/A-3b',
      pdfVersion: '1.7',
      compress: options.compress ?? true,
      info: { CreationDate: now, ModDate: now, Subject: `Factur-X ${facturxConformanceLevel}` },
    },
    beforeEnd: (pdf) => {
      // PDFKit 0.20 takes `relationship` (its types, older, do not list it)
      const attachment: PDFKit.Mixins.PDFAttachmentOptions & { relationship: string } = {
        name: facturxFileName,
        type: 'text/xml',
        relationship: 'Alternative',
        description: `Factur-X invoice ${document.number}, profile ${facturxConformanceLevel}`,
        creationDate: now,
        modifiedDate: now,
      };
      pdf.file(Buffer.from(xml, 'utf8'), attachment);
      writeXmp(pdf);
    },
  });
}

type MetadataInternals = PDFKit.PDFDocument & { _addInfo?: () => void; info: PDFKit.DocumentInfo };

function writeXmp(pdf: PDFKit.PDFDocument): void {
  const internals = pdf as MetadataInternals;
  // a PDFKit without it would write its own, unescaped, and no Factur-X fields: refuse rather than write a bad file
  if (typeof internals._addInfo !== 'function') throw new Error('PDFKit has no MetadataMixin._addInfo: the Factur-X metadata cannot be written');
  internals._addInfo = () => pdf.appendXML(facturxXmp(internals.info));
}

/** XML text: the five special characters escaped, and the characters XML 1.0 forbids dropped. */
export function xmlText(value: string): string {
  return value
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const xmpDate = (date: Date) => `${date.toISOString().split('.')[0]}Z`;

/** The Factur-X extension schema's properties: name and description (all external Text). */
const facturxProperties: [string, string][] = [
  ['DocumentFileName', 'The name of the embedded XML document'],
  ['DocumentType', 'The type of the hybrid document in capital letters, e.g. INVOICE or ORDER'],
  ['Version', 'The actual version of the standard applying to the embedded XML document'],
  ['ConformanceLevel', 'The conformance level of the embedded XML document'],
];

/**
 * The XMP descriptions of the document information (each one the same value as its entry in the information
 * dictionary, as PDF/A requires), the Factur-X fields and the PDF/A extension schema describing them. PDFKit adds
 * the pdfaid description and the packet around them.
 */
export function facturxXmp(info: PDFKit.DocumentInfo): string {
  const parts: string[] = [];
  const dates = [
    info.CreationDate ? `<xmp:CreateDate>${xmpDate(info.CreationDate)}</xmp:CreateDate>` : '',
    info.ModDate ? `<xmp:ModifyDate>${xmpDate(info.ModDate)}</xmp:ModifyDate>` : '',
    info.ModDate ? `<xmp:MetadataDate>${xmpDate(info.ModDate)}</xmp:MetadataDate>` : '',
    info.Creator ? `<xmp:CreatorTool>${xmlText(info.Creator)}</xmp:CreatorTool>` : '',
  ].join('');
  parts.push(`<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">${dates}</rdf:Description>`);
  const dc = [
    info.Title ? `<dc:title><rdf:Alt><rdf:li xml:lang="x-default">${xmlText(info.Title)}</rdf:li></rdf:Alt></dc:title>` : '',
    info.Author ? `<dc:creator><rdf:Seq><rdf:li>${xmlText(info.Author)}</rdf:li></rdf:Seq></dc:creator>` : '',
    info.Subject ? `<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${xmlText(info.Subject)}</rdf:li></rdf:Alt></dc:description>` : '',
  ].join('');
  if (dc !== '') parts.push(`<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:format>application/pdf</dc:format>${dc}</rdf:Description>`);
  const producer = [
    info.Producer ? `<pdf:Producer>${xmlText(info.Producer)}</pdf:Producer>` : '',
    info.Keywords ? `<pdf:Keywords>${xmlText(info.Keywords)}</pdf:Keywords>` : '',
  ].join('');
  parts.push(`<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">${producer}</rdf:Description>`);
  parts.push(
    `<rdf:Description rdf:about="" xmlns:fx="${facturxNamespace}">` +
      '<fx:DocumentType>INVOICE</fx:DocumentType>' +
      `<fx:DocumentFileName>${facturxFileName}</fx:DocumentFileName>` +
      '<fx:Version>1.0</fx:Version>' +
      `<fx:ConformanceLevel>${facturxConformanceLevel}</fx:ConformanceLevel>` +
      '</rdf:Description>',
  );
  const properties = facturxProperties
    .map(
      ([name, description]) =>
        '<rdf:li rdf:parseType="Resource">' +
        `<pdfaProperty:name>${name}</pdfaProperty:name>` +
        '<pdfaProperty:valueType>Text</pdfaProperty:valueType>' +
        '<pdfaProperty:category>external</pdfaProperty:category>' +
        `<pdfaProperty:description>${description}</pdfaProperty:description>` +
        '</rdf:li>',
    )
    .join('');
  parts.push(
    '<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/" ' +
      'xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">' +
      '<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">' +
      '<pdfaSchema:schema>Factur-X PDFA Extension Schema</pdfaSchema:schema>' +
      `<pdfaSchema:namespaceURI>${facturxNamespace}</pdfaSchema:namespaceURI>` +
      '<pdfaSchema:prefix>fx</pdfaSchema:prefix>' +
      `<pdfaSchema:property><rdf:Seq>${properties}</rdf:Seq></pdfaSchema:property>` +
      '</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>',
  );
  return parts.join('\n');
}
