import { bomEncoding, utf16WithoutBom } from './encoding.js';
import { unsupportedFormat } from './file-error.js';

interface Signature {
  bytes: number[];
  describe: string;
}

const startsWith = (head: Uint8Array, bytes: number[]) => bytes.every((byte, i) => head[i] === byte);
const ascii = (text: string) => [...text].map((char) => char.charCodeAt(0));

// Files people pick by mistake, named so the message can say what to do instead.
const knownBinaries: Signature[] = [
  {
    bytes: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1],
    describe: 'is an Excel 97-2003 workbook (.xls) or a password-protected file: save it as .xlsx or CSV',
  },
  { bytes: ascii('%PDF-'), describe: 'is a PDF document, not a spreadsheet: export the members as .xlsx or CSV' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], describe: 'is a PNG image, not a spreadsheet' },
  { bytes: [0xff, 0xd8, 0xff], describe: 'is a JPEG image, not a spreadsheet' },
  { bytes: ascii('GIF8'), describe: 'is a GIF image, not a spreadsheet' },
  { bytes: [0x1f, 0x8b], describe: 'is a gzip archive: extract the spreadsheet first' },
  { bytes: ascii('Rar!'), describe: 'is a RAR archive: extract the spreadsheet first' },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], describe: 'is a 7-Zip archive: extract the spreadsheet first' },
];

/**
 * What kind of file `head` (its first bytes) starts: a zip container or text. Throws a UserError (exit 66)
 * naming the file for anything that is neither.
 */
export function sniffFormat(file: string, head: Uint8Array): 'zip' | 'text' {
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'zip';
  if (startsWith(head, [0x50, 0x4b, 0x05, 0x06])) throw unsupportedFormat(`${file} is an empty zip archive, not an .xlsx workbook`);
  for (const signature of knownBinaries) {
    if (startsWith(head, signature.bytes)) throw unsupportedFormat(`${file} ${signature.describe}`);
  }
  if (bomEncoding(head) || utf16WithoutBom(head)) return 'text';
  if (head.includes(0)) throw unsupportedFormat(`${file} is a binary file, not a spreadsheet: save it as .xlsx or CSV`);
  return 'text';
}
