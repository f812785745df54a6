import { describe, expect, it } from 'vitest';
import { pgDumpCommand, shellQuoted } from '../../src/db/backup.js';

describe('pgDumpCommand', () => {
  it.each([
    ['postgres://admin:s3cretLeak@db.example.org/members', 'b.dump', 'pg_dump --format=custom --file=b.dump postgres://admin@db.example.org/members'],
    ['postgres://db.example.org:5433/members', '/srv/b.dump', 'pg_dump --format=custom --file=/srv/b.dump postgres://db.example.org:5433/members'],
    ['postgresql://u:P%40ssLeak@host/x?sslmode=verify-full', 'b', "pg_dump --format=custom --file=b 'postgresql://u@host/x?sslmode=verify-full'"],
    ['postgres://u@host/x?password=QLeak&application_name=me', 'b', "pg_dump --format=custom --file=b 'postgres://u@host/x?application_name=me'"],
    ['postgres://u@host/x?sslmode=no-verify', 'b', "pg_dump --format=custom --file=b 'postgres://u@host/x?sslmode=require'"],
    ['postgres://u@host/x?sslmode=require&uselibpqcompat=true', 'b', "pg_dump --format=custom --file=b 'postgres://u@host/x?sslmode=require'"],
    ['postgres://u@host/x?application_name=a b', "it's.dump", `pg_dump --format=custom --file='it'\\''s.dump' 'postgres://u@host/x?application_name=a%20b'`],
  ])('%s into %s: %s', (url, file, command) => {
    expect(pgDumpCommand(url, file)).toBe(command);
    expect(pgDumpCommand(url, file)).not.toMatch(/Leak/);
  });
});

describe('shellQuoted', () => {
  it.each([
    ['plain-name_1.db', 'plain-name_1.db'],
    ['two words', "'two words'"],
    ['$(rm -rf ~)', "'$(rm -rf ~)'"],
    ["it's", `'it'\\''s'`],
    ['a&b?c', "'a&b?c'"],
  ])('%s -> %s', (value, quoted) => {
    expect(shellQuoted(value)).toBe(quoted);
  });
});
