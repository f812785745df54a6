import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dbSecrets, hideSecrets, maskDbUrl } from '../../src/db/url-mask.js';

describe('maskDbUrl', () => {
  it.each([
    ['postgres://u:secretpw@db.example.org:5432/members', 'postgres://u:***@db.example.org:5432/members'],
    ['postgres://u:Pa@ssLeak2@host/x', 'postgres://u:***@host/x'],
    ['postgres://:pwLeak3@host/x', 'postgres://:***@host/x'],
    ['postgres://u@host/x?password=QLeak4', 'postgres://u@host/x?password=***'],
    ['postgres://u@host/x?sslmode=require&password=QLeak4&application_name=me', 'postgres://u@host/x?sslmode=require&password=***&application_name=me'],
    ['postgres://host/x?PASSWORD=a&sslpassword=b', 'postgres://host/x?PASSWORD=***&sslpassword=***'],
    ['postgresql://u:P%40ssLeak5@host/x', 'postgresql://u:***@host/x'],
    ['POSTGRES://u:Leak6@host/x', 'POSTGRES://u:***@host/x'],
    ['postgres://u:Leak7@[::1:1/x', 'postgres://u:***@[::1:1/x'],
    ['postgres://u:12/Leak8@host/x', 'postgres://u:***@host/x'],
    ['postgres://u:p?Leak9@host/x', 'postgres://u:***@host/x'],
    ['postgres://u:p#Leak9@host/x', 'postgres://u:***@host/x'],
    ['postgres://u:pw@host/x?application_name=me@home', 'postgres://u:***@host/x?application_name=me@home'],
    ['postgres://u@host:5432/x?application_name=me@home', 'postgres://u@host:5432/x?application_name=me@home'],
    ['postgres://user@domain@host/x', 'postgres://user@domain@host/x'],
    ['postgres://[::1]:5432/x', 'postgres://[::1]:5432/x'],
    ['mysql://u:Leak10@h/x', 'mysql://u:***@h/x'],
    ['./members.db', './members.db'],
    ['/srv/a:b@c.db', '/srv/a:b@c.db'],
  ])('%s -> %s', (url, masked) => {
    expect(maskDbUrl(url)).toBe(masked);
  });

  it('never shows a password written in the user-info part, raw or percent-encoded, whatever it holds', () => {
    const char = fc.constantFrom(...'abcXYZ0189@/?#:%&=+ é!$'.split(''));
    fc.assert(
      fc.property(fc.array(char, { minLength: 4, maxLength: 16 }).map((cs) => `Z${cs.join('')}Q`), fc.boolean(), (password, encoded) => {
        const written = encoded ? encodeURIComponent(password) : password;
        const url = `postgres://admin:${written}@db.example.org:5432/members`;
        const masked = maskDbUrl(url);
        expect(masked).not.toContain(written);
        expect(masked).not.toContain(password);
        expect(masked).toContain('db.example.org');
      }),
    );
  });
});

describe('dbSecrets and hideSecrets', () => {
  it('find the password of every form, as written and decoded, and hide it anywhere in a text', () => {
    const url = 'postgresql://u:P%40ssLeak5@host/x?sslpassword=KeyLeak6';
    const text = 'connect failed for P%40ssLeak5 (P@ssLeak5), key KeyLeak6\n    at Client.connect (pg.js:1:1)';
    expect(hideSecrets(text, dbSecrets(url))).toBe('connect failed for *** (***), key ***\n    at Client.connect (pg.js:1:1)');
    expect(hideSecrets('Pa@ssLeak2 and pwLeak3', dbSecrets('postgres://u:Pa@ssLeak2@host/x'))).toBe('*** and pwLeak3');
    expect(hideSecrets('pwLeak3', dbSecrets(' postgres://:pwLeak3@host/x '))).toBe('***');
    expect(hideSecrets('QLeak4', dbSecrets('postgres://u@host/x?password=QLeak4'))).toBe('***');
    expect(hideSecrets('u:Leak7@[', dbSecrets('postgres://u:Leak7@[::1:1/x'))).toBe('u:***@[');
  });

  it('leave file paths and short passwords alone (the URL itself is masked whatever the length)', () => {
    expect(dbSecrets('./members.db')).toEqual([]);
    expect(dbSecrets(undefined)).toEqual([]);
    expect(dbSecrets('postgres://u:ab@host/x')).toEqual([]);
    expect(maskDbUrl('postgres://u:ab@host/x')).toBe('postgres://u:***@host/x');
  });
});
