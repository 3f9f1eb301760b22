// The connection under the typed database (src/db/database.ts): a pg pool, or one embedded
// PGlite, handing out sessions that run SQL text. No Kysely here: a command that only reads
// through statement files (`pulse status`) opens this alone and starts without loading it.
import { mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool } from 'kysely';
import pg from 'pg';

// Numeric and bigint come back as JS numbers: every figure we store fits a double,
// and the marts are read to be shown, not to do money arithmetic in JS.
const { NUMERIC, INT8, DATE } = pg.types.builtins;
pg.types.setTypeParser(NUMERIC, (v) => Number(v));
pg.types.setTypeParser(INT8, (v) => Number(v));
pg.types.setTypeParser(DATE, (v) => v);

/** The database as SQL text: sessions on a pool (Postgres) or on the embedded database. */
export interface Connection {
  kind: 'postgres' | 'pglite';
  /** Runs `fn` on one connection held for its whole duration (for a transaction around a COPY). */
  session<T>(fn: (s: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface Session {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Streams data in COPY text format (\N for NULL, newlines escaped) into a `COPY ... FROM STDIN`. */
  copyFrom(copySql: string, source: AsyncIterable<string | Buffer>): Promise<void>;
}

/** A connection and the pool Kysely's Postgres dialect runs on (its `end` is the connection's `close`). */
export type PooledConnection = Connection & { pool: PostgresPool };

export function openConnection(opts: { databaseUrl?: string; dataDir: string; poolSize?: number }): PooledConnection {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 4) : openPglite(opts.dataDir);
}

function openPostgres(connectionString: string, max: number): PooledConnection {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (restart, network) must not crash the process.
  pool.on('error', () => {});
  // Nor a checked-out one: pg also emits the loss as an 'error' event on the client (fatal
  // with no listener) besides failing its queries, which is how callers learn of it.
  pool.on('connect', (client) => client.on('error', () => {}));
  let ended: Promise<void> | undefined;
  const close = () => (ended ??= pool.end());
  return {
    kind: 'postgres',
    pool: { connect: () => pool.connect(), end: close },
    async session(fn) {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        return await fn({
          query: async (text, params) => (await client.query(text, params as unknown[])).rows,
          copyFrom: async (copySql, source) => pipeline(Readable.from(source), client.query((await copyStreams()).from(copySql))),
        });
      } catch (e) {
        // A connection left mid-COPY or mid-transaction is not handed to the next user.
        broken = e as Error;
        throw e;
      } finally {
        client.release(broken);
      }
    },
    close,
  };
}

const PGLITE_COPY_CHUNK = 16 * 1024 * 1024;

// Loaded when first used: commands that never copy, or use Postgres, do not pay for them.
const copyStreams = async () => (await import('pg-copy-streams')).default;

function openPglite(dataDir: string): PooledConnection {
  // The embedded database starts on first use (a WebAssembly Postgres: its module is loaded
  // then, so a process that never touches it does not pay for it).
  let started: Promise<PGlite> | undefined;
  const start = () =>
    (started ??= import('@electric-sql/pglite').then(({ PGlite }) => {
      mkdirSync(dataDir, { recursive: true });
      // Same value shapes as the pg driver above.
      return new PGlite(dataDir, { parsers: { [NUMERIC]: Number, [INT8]: Number, [DATE]: (v: string) => v } });
    }));
  const pool = pglitePool(start);
  let ended: Promise<void> | undefined;
  const close = () => (ended ??= started ? started.then((lite) => lite.close()) : Promise.resolve());
  return {
    kind: 'pglite',
    pool: { connect: pool.connect, end: close } as unknown as PostgresPool,
    async session(fn) {
      const c = await pool.connect();
      try {
        return await fn({
          query: async (text, params) => (await c.query(text, params)).rows as never[],
          copyFrom: async (copySql, source) => copyInChunks(await start(), copySql, source),
        });
      } finally {
        c.release();
      }
    },
    close,
  };
}

/**
 * PGlite reads COPY data from a Blob, so the stream goes in bounded chunks, each cut after a
 * newline: in COPY text format every newline ends a row (newlines in values are escaped).
 */
async function copyInChunks(lite: PGlite, copySql: string, source: AsyncIterable<string | Buffer>) {
  if (/FORMAT\s+csv/i.test(copySql)) throw new Error('embedded COPY takes text format only');
  const blobSql = copySql.replace(/FROM\s+STDIN/i, "FROM '/dev/blob'");
  let chunks: Buffer[] = [];
  let size = 0;
  const flush = async (buf: Buffer) => {
    if (buf.length > 0) await lite.query(blobSql, [], { blob: new Blob([new Uint8Array(buf)]) });
  };
  for await (const piece of source) {
    const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
    chunks.push(chunk);
    size += chunk.length;
    if (size < PGLITE_COPY_CHUNK) continue;
    const pending = Buffer.concat(chunks);
    const cut = pending.lastIndexOf(0x0a) + 1;
    await flush(pending.subarray(0, cut));
    chunks = [pending.subarray(cut)];
    size = pending.length - cut;
  }
  await flush(Buffer.concat(chunks));
}

/**
 * A pg.Pool look-alike over one PGlite instance. PGlite is a single session, so a
 * connection is handed to one user at a time (a transaction must not interleave
 * with another caller's statements).
 */
function pglitePool(start: () => Promise<PGlite>) {
  let queue: Promise<void> = Promise.resolve();
  const client = {
    async query(sql: string, params?: readonly unknown[]) {
      const lite = await start();
      const command = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
      // Without parameters use the simple protocol, which (like pg) allows several statements.
      const res = params?.length ? await lite.query(sql, [...params]) : (await lite.exec(sql)).at(-1);
      return { rows: res?.rows ?? [], rowCount: res?.affectedRows ?? res?.rows.length ?? 0, command };
    },
    release() {},
  };
  return {
    async connect() {
      let release!: () => void;
      const previous = queue;
      queue = new Promise<void>((r) => (release = r));
      await previous;
      return { ...client, release };
    },
  };
}
