import type { Command } from 'commander';
import { type Action, examples } from '../command-kit.js';
import { ExitCode, inputError, usageError } from '../errors.js';
import { renderTable } from '../output.js';

export function registerDb(program: Command, action: Action): void {
  const db = program.command('db').description('create, upgrade and inspect the database');

  examples(
    db
      .command('migrate')
      .description('create or upgrade the schema (safe to run again)')
      .action(
        action(async (ctx) => {
          const { migrateToLatest, schemaState } = await import('../db/migrate.js');
          const handle = await ctx.rawDb();
          const applied = await migrateToLatest(handle);
          const state = await schemaState(handle);
          ctx.out.result({ database: handle.label, applied, version: state.version }, () =>
            applied.length === 0
              ? `${handle.label}: schema up to date (${state.version})`
              : `${handle.label}: applied ${applied.join(', ')}`,
          );
        }),
      ),
    ['memberctl db migrate', 'memberctl --db postgres://admin:secret@localhost/members db migrate'],
  );

  examples(
    db
      .command('status')
      .description('schema version, pending migrations and row counts')
      .action(
        action(async (ctx) => {
          const { schemaState } = await import('../db/migrate.js');
          const handle = await ctx.rawDb();
          const state = await schemaState(handle);
          const tables = (await handle.kysely.introspection.getTables())
            .map((t) => t.name)
            .filter((n) => !n.startsWith('kysely_'))
            .sort();
          const counts: Record<string, number> = {};
          for (const table of tables) {
            const row = await (handle.kysely as any)
              .selectFrom(table)
              .select((eb: any) => eb.fn.countAll().as('n'))
              .executeTakeFirst();
            counts[table] = Number(row?.n ?? 0);
          }
          const data = {
            database: handle.label,
            dialect: handle.dialect,
            version: state.version,
            pending: state.pending,
            newerThanProgram: state.unknown,
            rows: counts,
          };
          ctx.out.result(data, () => {
            const lines = [
              `database: ${handle.label} (${handle.dialect})`,
              `schema:   ${state.version ?? 'empty'}${state.pending.length ? `, ${state.pending.length} pending (${state.pending.join(', ')}); run \`memberctl db migrate\`` : state.unknown.length ? '' : ', up to date'}`,
            ];
            if (state.unknown.length) lines.push(`newer than this program: ${state.unknown.join(', ')}; upgrade memberctl before using this database`);
            if (tables.length) {
              lines.push('', renderTable(Object.entries(counts), [
                { header: 'table', value: ([t]) => t },
                { header: 'rows', value: ([, n]) => n, align: 'right' },
              ]));
            }
            return lines.join('\n');
          });
          // every other command refuses such a database (78): so does its status, after showing it
          return state.unknown.length > 0 ? ExitCode.config : 0;
        }),
      ),
    ['memberctl db status', 'memberctl db status --json'],
  );

  examples(
    db
      .command('backup')
      .description('copy a SQLite database into FILE, while other commands go on using it')
      .argument('<file>', 'the backup to write (a new file, unless --force)')
      .option('--force', 'replace FILE if it exists')
      .action(
        action(async (ctx, file: string, opts: { force?: boolean }) => {
          const { parseDbUrl } = await import('../db/connect.js');
          const { backupSqlite, pgDumpCommand } = await import('../db/backup.js');
          const target = parseDbUrl(ctx.dbUrl);
          if (target.dialect === 'postgres') {
            throw usageError(
              'db backup copies SQLite databases; back up a PostgreSQL database with pg_dump (it asks for the password, or reads PGPASSWORD or ~/.pgpass):',
              pgDumpCommand(target.url, file),
            );
          }
          const fs = await import('node:fs');
          // a backup of a database that does not exist would create an empty one first
          if (!fs.existsSync(target.file)) throw inputError(`db backup: there is no database ${target.file}`, 'name it with --db FILE or MEMBERCTL_DB');
          const handle = await ctx.rawDb();
          const result = await backupSqlite(handle, target.file, file, { force: Boolean(opts.force) });
          ctx.out.result(result, () => `Backed up ${result.database} to ${result.file}: ${sizeInWords(result.bytes)} (${result.pages.toLocaleString('en')} pages)`);
        }),
      ),
    ['memberctl db backup /srv/backups/members-$(date +%F).db', 'memberctl --db members.db db backup members.backup.db --force --json'],
  );

  examples(
    db
      .command('unlock')
      .description('show who holds a job or import lock; remove the record a dead holder left')
      .argument('<name>', 'the lock, as named by the exit-75 message: jobs or import')
      .action(
        action(async (ctx, name: string) => {
          const { describeHolder, inspectLock, lockNames, removeStaleLock } = await import('../core/kernel/lock.js');
          if (!(lockNames as readonly string[]).includes(name)) {
            throw usageError(`db unlock: no lock named "${name}"`, `the locks are ${lockNames.join(', ')}`);
          }
          const handle = await ctx.db();
          let state = await inspectLock(handle, name);
          if (!state.held && state.holder) {
            if (ctx.interactive) {
              const { confirm } = await import('../prompt.js');
              const question = `Remove the "${name}" lock left by ${describeHolder(state.holder)}? That process no longer runs.`;
              if (!(await confirm({ interactive: true }, question, false))) {
                ctx.out.info('Nothing was removed.');
                return 0;
              }
            }
            const { auditSource } = await import('../core/kernel/audit.js');
            state = await removeStaleLock(handle, name, auditSource(ctx.env), state.holder);
          }
          ctx.out.result(state, () =>
            state.held
              ? null
              : state.removed
                ? `Removed the stale "${name}" lock left by ${describeHolder(state.holder)}.`
                : `The "${name}" lock is free: nothing to remove.`,
          );
          if (!state.held) return 0;
          ctx.out.error(`the "${name}" lock is held by ${describeHolder(state.holder)}, which is still running: it cannot be removed`);
          ctx.out.stderrStream.write('  the lock is freed as soon as that process ends, even if it is killed: stop it, or let it finish\n');
          return ExitCode.tempFail;
        }),
      ),
    ['memberctl db unlock jobs', 'memberctl db unlock import --yes --json'],
  );
}

/** A size as people read it: bytes, kB, MB or GB (powers of 1000, as `ls -h --si`), one decimal from kB on. */
export function sizeInWords(bytes: number): string {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
