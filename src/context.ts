import type { Db } from './db/connect.js';
import { usageError } from './errors.js';
import type { Output } from './output.js';

export interface GlobalOptions {
  db?: string;
  json: boolean;
  yes: boolean;
  today?: string;
  quiet: boolean;
  verbose: boolean;
  color: boolean;
}

/** What every command handler gets: options, output, and a database opened (and migrated) on first use. */
export class Context {
  readonly options: GlobalOptions;
  readonly out: Output;
  readonly env: NodeJS.ProcessEnv;
  private opened: Promise<Db> | null = null;
  private todayValue: string | null = null;

  constructor(options: GlobalOptions, out: Output, env: NodeJS.ProcessEnv = process.env) {
    this.options = options;
    this.out = out;
    this.env = env;
  }

  get dbUrl(): string {
    return this.options.db ?? this.env.MEMBERCTL_DB ?? './memberctl.db';
  }

  /** Opens the database and brings a new or older schema up to date; refuses a newer one (78). */
  db(): Promise<Db> {
    this.opened ??= (async () => {
      const { openDb } = await import('./db/connect.js');
      const db = await openDb(this.dbUrl);
      try {
        const { migrateToLatest } = await import('./db/migrate.js');
        const applied = await migrateToLatest(db);
        if (applied.length > 0) this.out.debug(`migrated ${db.label}: ${applied.join(', ')}`);
      } catch (error) {
        await db.close();
        throw error;
      }
      return db;
    })();
    return this.opened;
  }

  /** Opens the database without migrating it (for `db status`). */
  rawDb(): Promise<Db> {
    this.opened ??= import('./db/connect.js').then(({ openDb }) => openDb(this.dbUrl));
    return this.opened;
  }

  /**
   * The error a command failed with, as the user should see it: a full disk or a read-only database (which the
   * database reports in its own terms) becomes a UserError naming the database.
   */
  async explain(error: unknown): Promise<unknown> {
    const db = await this.opened?.catch(() => null);
    if (!db) return error;
    const { databaseEnvironmentError } = await import('./db/environment-errors.js');
    return databaseEnvironmentError(error, db.label) ?? error;
  }

  /** The date the command acts as of: --today, else MEMBERCTL_TODAY, else today in the organisation's time zone. */
  async today(): Promise<string> {
    if (this.todayValue) return this.todayValue;
    const { isIsoDate, todayInTimeZone } = await import('./core/kernel/dates.js');
    const given = this.options.today ?? this.env.MEMBERCTL_TODAY;
    if (given !== undefined) {
      if (!isIsoDate(given)) {
        const source = this.options.today !== undefined ? '--today' : 'MEMBERCTL_TODAY';
        throw usageError(`${source}: "${given}" is not a date; use YYYY-MM-DD`);
      }
      this.todayValue = given;
      return given;
    }
    const { getSetting } = await import('./core/kernel/settings.js');
    const db = await this.db();
    this.todayValue = todayInTimeZone(await getSetting(db.kysely, 'timezone'));
    return this.todayValue;
  }

  /** Prompts are allowed only on a terminal, without --yes, outside CI. */
  get interactive(): boolean {
    return !this.options.yes && !this.options.json && Boolean(process.stdin.isTTY && process.stdout.isTTY) && !this.env.CI;
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    const pending = this.opened;
    this.opened = null;
    const db = await pending.catch(() => null);
    await db?.close();
  }
}
