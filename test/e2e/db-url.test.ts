import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, inject, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/db.js';

/** A port on 127.0.0.1 nothing listens on: a connection is refused at once. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Each way of writing a password into a URL, with the password strings that must never be printed. */
function passwordForms(hostPort: string, database: string) {
  return [
    { url: `postgres://postgres:Pa@ssLeak2@${hostPort}/${database}`, secrets: ['Pa@ssLeak2', 'ssLeak2'] },
    { url: `postgres://:pwLeak3@${hostPort}/${database}`, secrets: ['pwLeak3'] },
    { url: `postgres://postgres@${hostPort}/${database}?password=QLeak4`, secrets: ['QLeak4'] },
    { url: `postgresql://postgres:P%40ssLeak5@${hostPort}/${database}`, secrets: ['P%40ssLeak5', 'P@ssLeak5', 'ssLeak5'] },
    { url: `postgres://postgres:pw%2FLeak6@${hostPort}/${database}?sslmode=disable`, secrets: ['pw%2FLeak6', 'pw/Leak6', 'Leak6'] },
    { url: `postgres://postgres:12/Leak7@${hostPort}/${database}`, secrets: ['12/Leak7', 'Leak7'] },
    { url: `postgres://postgres:Leak8@[${hostPort}/${database}`, secrets: ['Leak8'] },
  ];
}

function expectNoSecret(output: string, secrets: string[]) {
  for (const secret of secrets) expect(output).not.toContain(secret);
}

describe('PostgreSQL passwords in the built CLI output', () => {
  it('are masked in every form when the server cannot be reached: db status, --json, --verbose', async () => {
    const port = await closedPort();
    for (const { url, secrets } of passwordForms(`127.0.0.1:${port}`, 'members')) {
      for (const args of [['db', 'status'], ['db', 'status', '--json'], ['--verbose', 'members', 'list']]) {
        const result = await runCli(args, { db: url });
        expect(result.code, `${url} ${args.join(' ')}: ${result.stderr}`).toBe(78);
        expect(result.stderr).toMatch(/^error: --db: /);
        expectNoSecret(result.stdout + result.stderr, secrets);
      }
    }
    const { url, secrets } = passwordForms(`127.0.0.1:${port}`, 'members')[0] ?? { url: '', secrets: [] };
    const fromEnv = await runCli(['--verbose', 'db', 'migrate'], { env: { MEMBERCTL_DB: url } });
    expect(fromEnv.code).toBe(78);
    expectNoSecret(fromEnv.stdout + fromEnv.stderr, secrets);
  });

  it('are masked in every form when the server refuses the password', async () => {
    const admin = new URL(inject('pgAdminUrl'));
    for (const { url, secrets } of passwordForms(admin.host, 'postgres')) {
      const result = await runCli(['--verbose', 'db', 'status', '--json'], { db: url });
      expect(result.code, `${url}: ${result.stderr}`).toBe(78);
      expectNoSecret(result.stdout + result.stderr, secrets);
    }
    const wrong = await runCli(['db', 'status'], { db: `postgres://postgres:Wrong%40Leak9@${admin.host}/postgres` });
    expect(wrong.stderr).toContain('password authentication failed');
    expect(wrong.stderr).toContain(`postgres://postgres:***@${admin.host}/postgres`);
    expectNoSecret(wrong.stderr, ['Wrong%40Leak9', 'Wrong@Leak9']);
  });

  it('are masked in what db status prints about a database it opened', async () => {
    const admin = new URL(inject('pgAdminUrl'));
    const url = `postgres://postgres:${admin.password}@${admin.host}/postgres?application_name=status-test`;
    const human = await runCli(['db', 'status'], { db: url });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`database: postgres://postgres:***@${admin.host}/postgres?application_name=status-test (postgres)`);
    const json = await runCli(['db', 'status', '--json'], { db: `postgres://postgres@${admin.host}/postgres?password=${admin.password}` });
    expect(json.code, json.stderr).toBe(0);
    expect(json.json().database).toBe(`postgres://postgres@${admin.host}/postgres?password=***`);
    expect(human.stdout + human.stderr + json.stdout + json.stderr).not.toContain(`:${admin.password}`);
  });
});

describe('sslmode in a PostgreSQL URL', () => {
  it('prints no warning on stderr, whatever the mode', async () => {
    const port = await closedPort();
    for (const mode of ['require', 'prefer', 'verify-full', 'disable', 'no-verify', 'verify-ca&sslrootcert=/nonexistent/ca.pem']) {
      const result = await runCli(['db', 'status'], { db: `postgres://u:pw@127.0.0.1:${port}/x?sslmode=${mode}` });
      expect(result.code).toBe(78);
      expect(result.stderr).not.toMatch(/warning/i);
      expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
    }
  });

  it('refuses verify-ca without a certificate authority and an unknown mode, saying what to write', async () => {
    const port = await closedPort();
    const verifyCa = await runCli(['db', 'status'], { db: `postgres://u:pw@127.0.0.1:${port}/x?sslmode=verify-ca` });
    expect(verifyCa.code).toBe(78);
    expect(verifyCa.stderr).toContain('sslrootcert=FILE');
    expect(verifyCa.stderr).not.toMatch(/warning/i);
    const unknown = await runCli(['db', 'status'], { db: `postgres://u:pw@127.0.0.1:${port}/x?sslmode=allow` });
    expect(unknown.code).toBe(78);
    expect(unknown.stderr).toContain('sslmode=allow is not supported');
  });

  it('require encrypts without checking the certificate; verify-full refuses a self-signed one', async () => {
    const dir = tempDir();
    const [key, cert] = [path.join(dir, 'key.pem'), path.join(dir, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=not-this-host', '-days', '1'], { stdio: 'ignore' });
    // a server that accepts the SSLRequest, and counts the connections that came through TLS with a startup message
    let encrypted = 0;
    const server = net.createServer((socket) => {
      socket.once('data', () => {
        socket.write('S');
        const secure = new tls.TLSSocket(socket, { isServer: true, key: fs.readFileSync(key), cert: fs.readFileSync(cert) });
        secure.on('error', () => {});
        secure.once('data', () => {
          encrypted++;
          secure.destroy();
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const url = (mode: string) => `postgres://u:pw@127.0.0.1:${port}/x?sslmode=${mode}`;
      const required = await runCli(['db', 'status'], { db: url('require') });
      expect(required.code).toBe(78);
      expect(encrypted).toBe(1);
      const verified = await runCli(['db', 'status'], { db: url('verify-full') });
      expect(verified.code).toBe(78);
      expect(verified.stderr).toMatch(/self[- ]signed certificate/);
      const withAuthority = await runCli(['db', 'status'], { db: `${url('verify-ca')}&sslrootcert=${encodeURIComponent(cert)}` });
      expect(withAuthority.code).toBe(78);
      // verify-ca trusts the certificate signed by sslrootcert whatever host name it bears
      expect(encrypted).toBe(2);
    } finally {
      server.close();
    }
  });
});
