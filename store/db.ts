/**
 * The procedure record's database: PostgreSQL in production (JUECE_DATABASE_URL), PGlite (Postgres compiled to
 * WebAssembly, no server) on embedded defaults. Both speak the same SQL; this is the only file that knows which.
 */
import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import pg from 'pg';
import { MIGRATIONS } from './schema';

export type Row = Record<string, unknown>;

export interface Queryable {
  query<T extends Row = Row>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Db extends Queryable {
  /** Runs `fn` in one transaction: all of it is stored, or none. */
  tx<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** 'postgres' or 'pglite', for messages. */
  readonly kind: string;
}

/** Opens the database (a postgres:// URL, or a folder for PGlite) and brings its schema up to date. */
export async function openDb(target: { url: string } | { dir: string }): Promise<Db> {
  const db = 'url' in target ? await openPostgres(target.url) : await openPglite(target.dir);
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}

async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 8 });
  // A server that is down must fail here with its address, not later with a pool timeout.
  try {
    (await pool.connect()).release();
  } catch (err) {
    await pool.end();
    throw new Error(`Cannot reach PostgreSQL at ${redact(url)}: ${(err as Error).message}`);
  }
  pool.on('error', () => {}); // an idle client lost with the server; the next query reconnects
  return {
    kind: 'postgres',
    async query<T extends Row>(sql: string, params: unknown[] = []) {
      return (await pool.query(sql, params)).rows as T[];
    },
    async tx<T>(fn: (q: Queryable) => Promise<T>) {
      const client = await pool.connect();
      // The server lost mid-transaction: the query in flight fails with it; the client's own error event must not
      // take the process down (the pool listens only to idle clients).
      let lost: Error | undefined;
      const onError = (err: Error) => void (lost = err);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await fn({ query: async <R extends Row>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as R[] });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.off('error', onError);
        client.release(lost); // a broken connection is discarded, not returned to the pool
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dir: string): Promise<Db> {
  mkdirSync(dir, { recursive: true });
  const lite = await PGlite.create(dir);
  return {
    kind: 'pglite',
    async query<T extends Row>(sql: string, params: unknown[] = []) {
      return (await lite.query<T>(sql, params)).rows;
    },
    tx<T>(fn: (q: Queryable) => Promise<T>) {
      return lite.transaction((t) => fn({ query: async <R extends Row>(sql: string, params: unknown[] = []) => (await t.query<R>(sql, params)).rows }));
    },
    close: () => lite.close(),
  };
}

/** The advisory lock that lets one process at a time migrate a PostgreSQL record (any number: 'juece' in ASCII). */
const MIGRATION_LOCK = 0x6a75656365;

/**
 * Applies the migrations not yet applied, in order, each in its own transaction. Processes started together on one
 * PostgreSQL (APIs, projectors of several partitions) take turns: each transaction holds an advisory lock and looks
 * again whether its migration is done.
 */
async function migrate(db: Db): Promise<void> {
  const lock = (q: Queryable) => (db.kind === 'postgres' ? q.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]) : Promise.resolve([]));
  await db.tx(async (q) => {
    await lock(q);
    await q.query('CREATE TABLE IF NOT EXISTS schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
  });
  const done = new Set((await db.query<{ version: number }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version)));
  for (const [i, sql] of MIGRATIONS.entries()) {
    const version = i + 1;
    if (done.has(version)) continue;
    await db.tx(async (q) => {
      await lock(q);
      if ((await q.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version])).length) return; // another process applied it meanwhile
      for (const statement of sql.split(/;\s*\n/).map((s) => s.trim()).filter(Boolean)) await q.query(statement);
      await q.query('INSERT INTO schema_migrations (version) VALUES ($1) ON CONFLICT DO NOTHING', [version]);
    });
  }
}

const redact = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
