import { Chalk } from 'chalk';
import { describe, expect, it } from 'vitest';
import { Output, renderTable } from '../../src/output.js';
import { escapeControls, joinLines, terminalColors, terminalText } from '../../src/terminal-text.js';

describe('escapeControls', () => {
  it.each([
    ['plain text', 'Chloé Dubois', 'Chloé Dubois'],
    ['an OSC 8 hyperlink', '\x1b]8;;http://evil\x07click\x1b]8;;\x07', '\\x1b]8;;http://evil\\x07click\\x1b]8;;\\x07'],
    ['a screen clear', '\x1b[2J', '\\x1b[2J'],
    ['a colour', '\x1b[31mred', '\\x1b[31mred'],
    ['a carriage return', 'safe\rforged', 'safe\\rforged'],
    ['a line feed', 'two\nlines', 'two\\nlines'],
    ['a tab', 'a\tb', 'a\\tb'],
    ['NUL and backspace', 'a\x00b\x08', 'a\\x00b\\x08'],
    ['DEL', 'a\x7fb', 'a\\x7fb'],
    ['C1 controls (8-bit CSI, NEL)', '\u009b2J\u0085', '\\x9b2J\\x85'],
    ['a right-to-left override', 'invoice\u202Efdp.exe', 'invoice\\u202efdp.exe'],
    ['every bidi control', '\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069', '\\u061c\\u200e\\u200f\\u202a\\u202b\\u202c\\u202d\\u2066\\u2067\\u2068\\u2069'],
    ['line and paragraph separators', 'a\u2028b\u2029', 'a\\u2028b\\u2029'],
    ['backslashes, emoji, CJK and a zero-width joiner', 'C:\\x 漢字 👩‍💻', 'C:\\x 漢字 👩‍💻'],
  ])('%s', (_, input, shown) => {
    expect(escapeControls(input)).toBe(shown);
    // escaping twice changes nothing more
    expect(escapeControls(shown)).toBe(shown);
  });

  it('keeps line feeds, and only them, when asked', () => {
    expect(escapeControls('one\ntwo\r\n\x1b[2J', { keepLineFeeds: true })).toBe('one\ntwo\\r\n\\x1b[2J');
  });
});

describe('terminal text', () => {
  const red = new Chalk({ level: 1 }).red;
  const colors = terminalColors(new Chalk({ level: 1 }));

  it('colours a value after escaping it, so that only its own codes reach the terminal', () => {
    expect(colors.red('\x1b[2Jx').text).toBe(red('\\x1b[2Jx'));
    expect(terminalText`${colors.bold('\x07')}: ${'\x1b]8;;'} ${3}`.text).toBe(`${new Chalk({ level: 1 }).bold('\\x07')}: \\x1b]8;; 3`);
    expect(joinLines([colors.red('a'), 'b\rc\nd']).text).toBe(`${red('a')}\nb\\rc\nd`);
  });

  it('Output escapes plain text on stdout and stderr and keeps its colours; JSON stays exact', () => {
    let stdout = '';
    let stderr = '';
    const sink = (append: (s: string) => void) =>
      ({
        write(s: string) {
          append(s);
          return true;
        },
      }) as unknown as NodeJS.WriteStream;
    const options = { json: false, quiet: false, verbose: false, color: true };
    const previous = process.env.FORCE_COLOR;
    process.env.FORCE_COLOR = '1';
    try {
      const out = new Output(options, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
      out.print('a\x1b[2J\nb');
      out.result({}, () => out.color.green('\x1b[31m'));
      out.warn('\x07');
      expect(stdout).toBe(`a\\x1b[2J\nb\n${new Chalk({ level: 1 }).green('\\x1b[31m')}\n`);
      expect(stderr).toBe(`${new Chalk({ level: 1 }).yellow('warning:')} \\x07\n`);
      stdout = '';
      new Output({ ...options, json: true }, { stdout: sink((s) => (stdout += s)), stderr: sink(() => {}) }).result({ name: '\x1b[2J\u202e' }, () => 'unused');
      expect(JSON.parse(stdout)).toEqual({ name: '\x1b[2J\u202e' });
    } finally {
      if (previous === undefined) delete process.env.FORCE_COLOR;
      else process.env.FORCE_COLOR = previous;
    }
  });

  it('a table keeps each value on one line and pads to the escaped width', () => {
    const table = renderTable([{ name: 'a\nb\x1b' }, { name: 'long name' }], [{ header: 'name', value: (r) => r.name }]);
    expect(table.split('\n')).toEqual(['name', 'a\\nb\\x1b', 'long name']);
  });
});
