/**
 * Reading PDFs back in the tests with Debian's poppler-utils (pdftotext, pdffonts, pdfinfo, pdfimages). A missing tool throws:
 * a test that cannot read the PDF must fail, not pass.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function run(tool: string, args: string[]): string {
  try {
    return execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(`${tool} is not installed: the PDF cannot be read back (install poppler-utils: apt-get install -y poppler-utils)`);
    }
    throw error;
  }
}

/** A PDF written to a temporary file, read by the poppler tools. */
export class PdfProbe {
  readonly file: string;

  constructor(bytes: Buffer) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-pdf-'));
    this.file = path.join(dir, 'document.pdf');
    fs.writeFileSync(this.file, bytes);
  }

  /** The text as laid out (`pdftotext -layout`), pages separated by form feeds. */
  text(): string {
    return run('pdftotext', ['-layout', '-enc', 'UTF-8', this.file, '-']);
  }

  /** The text in the order it was drawn (`pdftotext -raw`): a block's lines stay together. */
  rawText(): string {
    return run('pdftotext', ['-raw', '-enc', 'UTF-8', this.file, '-']);
  }

  pages(): string[] {
    return this.text().split('\f').filter((page) => page.trim() !== '');
  }

  /** `pdffonts`: one row per font, with whether it is embedded. */
  fonts(): { name: string; type: string; embedded: boolean }[] {
    const lines = run('pdffonts', [this.file]).split('\n').slice(2).filter((l) => l.trim() !== '');
    return lines.map((line) => {
      const columns = line.trim().split(/\s+/);
      // name type [type...] encoding emb sub uni object ID: emb is the 5th column from the end
      return { name: columns[0]!, type: columns[1]!, embedded: columns[columns.length - 5] === 'yes' };
    });
  }

  /** `pdfimages -list`: one row per image drawn, its width and height in pixels. */
  images(): { width: number; height: number }[] {
    const rows = run('pdfimages', ['-list', this.file]).split('\n').slice(2).filter((l) => l.trim() !== '');
    return rows.map((row) => {
      const columns = row.trim().split(/\s+/);
      return { width: Number(columns[3]), height: Number(columns[4]) };
    });
  }

  /** `pdfinfo`'s fields: Pages, Page size, Title, ... */
  info(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of run('pdfinfo', [this.file]).split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    return out;
  }

  /** Every word with its box, in points (`pdftotext -bbox`), page by page. */
  words(): { page: number; pageWidth: number; xMin: number; xMax: number; yMin: number; text: string }[] {
    const html = run('pdftotext', ['-bbox', '-enc', 'UTF-8', this.file, '-']);
    const words: { page: number; pageWidth: number; xMin: number; xMax: number; yMin: number; text: string }[] = [];
    let page = 0;
    let pageWidth = 0;
    for (const match of html.matchAll(/<page width="([\d.]+)"|<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)<\/word>/g)) {
      if (match[1] !== undefined) {
        page += 1;
        pageWidth = Number(match[1]);
      } else {
        words.push({ page, pageWidth, xMin: Number(match[2]), xMax: Number(match[4]), yMin: Number(match[3]), text: unescapeXml(match[5]!) });
      }
    }
    return words;
  }

  remove(): void {
    fs.rmSync(path.dirname(this.file), { recursive: true, force: true });
  }
}

const unescapeXml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;|&apos;/g, "'").replace(/&amp;/g, '&');
