import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createInflateRaw, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: number;
  compressedSize: number;
  /** Where the entry's local header starts. */
  offset: number;
}

export interface ZipDirectory {
  entries: ZipEntry[];
  /** Where the central directory starts: the end of the last entry's data. */
  directoryOffset: number;
  size: number;
}

const endOfDirectory = 0x06054b50;
const zip64Locator = 0x07064b50;
const zip64EndOfDirectory = 0x06064b50;
const directoryHeader = 0x02014b50;
const localHeader = 0x04034b50;
const unset32 = 0xffffffff;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

/** Values the entry left at 0xFFFFFFFF are in its zip64 extra field, in this order. */
function zip64Values(extra: Buffer, wanted: { size: boolean; compressed: boolean; offset: boolean }) {
  let at = 0;
  while (at + 4 <= extra.length) {
    const id = extra.readUInt16LE(at);
    const length = extra.readUInt16LE(at + 2);
    if (id === 0x0001) {
      let field = at + 4;
      const next = () => {
        const value = Number(extra.readBigUInt64LE(field));
        field += 8;
        return value;
      };
      const size = wanted.size ? next() : undefined;
      const compressed = wanted.compressed ? next() : undefined;
      const offset = wanted.offset ? next() : undefined;
      return { size, compressed, offset };
    }
    at += 4 + length;
  }
  return {};
}

/**
 * The entries listed in a zip file's central directory, in the order they are stored. Returns null when the file
 * has no readable central directory (damaged or not a zip).
 */
export async function readZipDirectory(handle: FileHandle, size: number): Promise<ZipDirectory | null> {
  const tailLength = Math.min(size, 22 + 0xffff);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let end = -1;
  for (let at = tail.length - 22; at >= 0; at -= 1) {
    if (tail.readUInt32LE(at) === endOfDirectory) {
      end = at;
      break;
    }
  }
  if (end < 0) return null;
  let count = tail.readUInt16LE(end + 10);
  let directorySize = tail.readUInt32LE(end + 12);
  let directoryOffset = tail.readUInt32LE(end + 16);
  if (directoryOffset === unset32 || directorySize === unset32 || count === 0xffff) {
    const locatorAt = size - tailLength + end - 20;
    const locator = locatorAt >= 0 ? await readAt(handle, locatorAt, 20) : Buffer.alloc(0);
    if (locator.length < 20 || locator.readUInt32LE(0) !== zip64Locator) return null;
    const record = await readAt(handle, Number(locator.readBigUInt64LE(8)), 56);
    if (record.length < 56 || record.readUInt32LE(0) !== zip64EndOfDirectory) return null;
    count = Number(record.readBigUInt64LE(32));
    directorySize = Number(record.readBigUInt64LE(40));
    directoryOffset = Number(record.readBigUInt64LE(48));
  }
  if (directoryOffset + directorySize > size) return null;
  const directory = await readAt(handle, directoryOffset, directorySize);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let i = 0; i < count; i += 1) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== directoryHeader) return null;
    const nameLength = directory.readUInt16LE(at + 28);
    const extraLength = directory.readUInt16LE(at + 30);
    const commentLength = directory.readUInt16LE(at + 32);
    let compressedSize = directory.readUInt32LE(at + 20);
    const uncompressedSize = directory.readUInt32LE(at + 24);
    let offset = directory.readUInt32LE(at + 42);
    const name = directory.toString('utf8', at + 46, at + 46 + nameLength);
    const extra = directory.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength);
    const big = zip64Values(extra, {
      size: uncompressedSize === unset32,
      compressed: compressedSize === unset32,
      offset: offset === unset32,
    });
    compressedSize = big.compressed ?? compressedSize;
    offset = big.offset ?? offset;
    entries.push({ name, method: directory.readUInt16LE(at + 10), compressedSize, offset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  entries.sort((a, b) => a.offset - b.offset);
  return { entries, directoryOffset, size };
}

/** The uncompressed content of a small entry (workbook.xml and the like); null if its method is not supported. */
export async function readZipEntry(handle: FileHandle, entry: ZipEntry): Promise<Buffer | null> {
  const dataAt = await entryDataStart(handle, entry);
  if (dataAt === null) return null;
  const data = await readAt(handle, dataAt, entry.compressedSize);
  if (entry.method === 0) return data;
  if (entry.method === 8) return inflateRawSync(data);
  return null;
}

/** Where the data of `entry` starts (after its local header); null if the local header is not there. */
export async function entryDataStart(handle: FileHandle, entry: ZipEntry): Promise<number | null> {
  const header = await readAt(handle, entry.offset, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== localHeader) return null;
  return entry.offset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
}

/** Where an entry's data lies in the file and how it is compressed, as `entryDataStart` and the directory say. */
export interface EntryData {
  start: number;
  compressedSize: number;
  /** 0 stored, 8 deflated. */
  method: number;
}

/**
 * The entry's content as text, decoded as UTF-8 while it is inflated: a character whose bytes are split between two
 * chunks is carried over to the next one, never decoded by halves. `chunkBytes` reads and decodes the data in
 * pieces of that size (tests use it to split characters on purpose). Reading stops, and the file is closed, when
 * the caller stops iterating.
 */
export async function* entryText(file: string, data: EntryData, chunkBytes?: number): AsyncGenerator<string> {
  if (data.compressedSize === 0) return;
  const input = fs.createReadStream(file, { start: data.start, end: data.start + data.compressedSize - 1, highWaterMark: chunkBytes ?? 256 * 1024 });
  const inflated = data.method === 8 ? pipeline(input, createInflateRaw(), () => {}) : input;
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of inflated as AsyncIterable<Buffer>) {
      if (chunkBytes === undefined) {
        const text = decoder.write(chunk);
        if (text !== '') yield text;
        continue;
      }
      for (let at = 0; at < chunk.length; at += chunkBytes) {
        const text = decoder.write(chunk.subarray(at, at + chunkBytes));
        if (text !== '') yield text;
      }
    }
    const rest = decoder.end();
    if (rest !== '') yield rest;
  } finally {
    input.destroy();
    if (inflated !== input) inflated.destroy();
  }
}
