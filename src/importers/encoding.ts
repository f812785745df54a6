import { isUtf8 } from 'node:buffer';
import fs from 'node:fs';

export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface EncodingChoice {
  encoding: TextEncoding;
  /** Bytes of byte order mark to skip before decoding. */
  bomLength: number;
  /** True when nothing in the file proves the encoding, so the user should be told what was assumed. */
  guessed: boolean;
}

export function bomEncoding(head: Uint8Array): EncodingChoice | null {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3, guessed: false };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2, guessed: false };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2, guessed: false };
  return null;
}

/**
 * UTF-16 text without a BOM: mostly Latin text has a zero in every other byte. Checked before calling a file
 * with zero bytes binary.
 */
export function utf16WithoutBom(sample: Uint8Array): 'utf-16le' | 'utf-16be' | null {
  const pairs = Math.floor(sample.length / 2);
  if (pairs < 2) return null;
  let zeroEven = 0;
  let zeroOdd = 0;
  for (let i = 0; i < pairs * 2; i += 2) {
    if (sample[i] === 0) zeroEven += 1;
    if (sample[i + 1] === 0) zeroOdd += 1;
  }
  if (zeroOdd > pairs * 0.6 && zeroEven < pairs * 0.05) return 'utf-16le';
  if (zeroEven > pairs * 0.6 && zeroOdd < pairs * 0.05) return 'utf-16be';
  return null;
}

/** Length of a multi-byte UTF-8 sequence cut off at the end of `bytes`, so it can be checked with the next chunk. */
function cutSequenceLength(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue;
    if (byte < 0xc0) return 0;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return length > back ? back : 0;
  }
  return 0;
}

/**
 * Whether the whole file (from `start`) is valid UTF-8. The whole file is checked, not a sample, because an export
 * is often plain ASCII for thousands of rows before the first accented name shows the real encoding.
 */
export async function isUtf8File(file: string, start: number): Promise<boolean> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of fs.createReadStream(file, { start, highWaterMark: 1 << 20 })) {
    const bytes: Buffer = carry.length > 0 ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
    const cut = cutSequenceLength(bytes);
    if (!isUtf8(bytes.subarray(0, bytes.length - cut))) return false;
    carry = Buffer.from(bytes.subarray(bytes.length - cut));
  }
  return carry.length === 0;
}

/** Decides the encoding of a text file: a BOM, else UTF-16 by its zero bytes, else UTF-8 if valid, else Windows-1252. */
export async function detectEncoding(file: string, head: Uint8Array): Promise<EncodingChoice> {
  const bom = bomEncoding(head);
  if (bom) return bom;
  const utf16 = utf16WithoutBom(head);
  if (utf16) return { encoding: utf16, bomLength: 0, guessed: true };
  if (await isUtf8File(file, 0)) return { encoding: 'utf-8', bomLength: 0, guessed: false };
  return { encoding: 'windows-1252', bomLength: 0, guessed: true };
}
