import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { slug } from '../../src/reference.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const docs = ['README.md', ...fs.readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The anchors GitHub gives a Markdown file's headings (a repeated heading gets -1, -2...). */
function anchors(file: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  let fenced = false;
  for (const line of fs.readFileSync(path.join(root, file), 'utf8').split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = !fenced && /^#{1,6}\s+(.*)$/.exec(line);
    if (!heading) continue;
    const base = slug(heading[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** Every Markdown link of a file outside code blocks and code spans: its target as written. */
function links(file: string): string[] {
  const text = fs
    .readFileSync(path.join(root, file), 'utf8')
    .replace(/^```[\s\S]*?^```/gm, '')
    .replace(/`[^`\n]*`/g, '');
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

describe('the README and the guides', () => {
  it.each(docs)('%s: every relative link leads to a file, and every anchor to a heading, that exist', (file) => {
    const broken: string[] = [];
    for (const target of links(file)) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [relative, anchor] = target.split('#') as [string, string | undefined];
      const linked = relative === '' ? file : path.posix.normalize(path.posix.join(path.posix.dirname(file), relative));
      if (linked.startsWith('..') || !fs.existsSync(path.join(root, linked))) broken.push(`${target} (no file ${linked})`);
      else if (anchor !== undefined && linked.endsWith('.md') && !anchors(linked).has(anchor)) broken.push(`${target} (no heading #${anchor} in ${linked})`);
    }
    expect(broken).toEqual([]);
  });

  it('the README links to every guide', () => {
    const linked = new Set(links('README.md').map((t) => t.split('#')[0]));
    expect(docs.filter((f) => f !== 'README.md' && !linked.has(f))).toEqual([]);
  });

  it('the README stays a short front door', () => {
    expect(fs.readFileSync(path.join(root, 'README.md'), 'utf8').split('\n').length).toBeLessThanOrEqual(200);
  });

  it('no file of the repository refers to a file outside it', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' })
      .split('\0')
      .filter((f) => f !== '' && fs.existsSync(path.join(root, f)));
    // the names are split so that this file does not match itself
    const outside = new RegExp(['\\.\\./shared', 'cli\\.md', 'domain\\.md', 'formats\\.md'].join('|'));
    const offending = files.filter((f) => {
      const content = fs.readFileSync(path.join(root, f));
      if (content.includes(0)) return false;
      return outside.test(content.toString('utf8'));
    });
    expect(offending).toEqual([]);
  });
});
