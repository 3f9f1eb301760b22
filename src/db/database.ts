import { mkdirSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, type PostgresPool, type Transaction } from 'kysely';
import pg from 'pg';
import copyStreams from 'pg-copy-streams';

// Numeric and bigint come back as JS numbers: every figure we store fits a double,
// and the marts are read to be shown, not to do money arithmetic in JS.
const { NUMERIC, INT8, DATE } = pg.types.builtins;
pg.types.setTypeParser(NUMERIC, (v) => Number(v));
pg.types.setTypeParser(INT8, (v) => Number(v));
pg.types.setTypeParser(DATE, (v) => v);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = Kysely<any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DbOrTrx = Kysely<any> | Transaction<any>;

/** A database plus the one thing Kysely cannot do: COPY ... FROM STDIN. */
export interface Store {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Streams CSV bytes into `copySql` (a `COPY ... FROM STDIN` statement). */
  copyFrom(copySql: string, source: Readable): Promise<void>;
  close(): Promise<void>;
}

export function openStore(opts: { databaseUrl?: string; dataDir: string; poolSize?: number }): Store {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, opts.poolSize ?? 4) : openPglite(opts.dataDir);
}

function openPostgres(connectionString: string, max: number): Store {
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000 });
  // An idle client losing its server (restart, network) must not crash the process.
  pool.on('error', () => {});
  // Nor a checked-out one: pg also emits the loss as an 'error' event on the client (fatal
  // with no listener) besides failing its queries, which is how callers learn of it.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db: Db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    async copyFrom(copySql, source) {
      const client = await pool.connect();
      try {
        await pipeline(source, client.query(copyStreams.from(copySql)));
      } finally {
        client.release();
      }
    },
    close: () => db.destroy(),
  };
}

const PGLITE_COPY_CHUNK = 16 * 1024 * 1024;

function openPglite(dataDir: string): Store {
  mkdirSync(dataDir, { recursive: true });
  const lite = new PGlite(dataDir, {
    // Same value shapes as the pg driver above.
    parsers: { [NUMERIC]: Number, [INT8]: Number, [DATE]: (v: string) => v },
  });
  const pool = pglitePool(lite);
  const db: Db = new Kysely({ dialect: new PostgresDialect({ pool: async () => pool as unknown as PostgresPool }) });
  return {
    db,
    kind: 'pglite',
    async copyFrom(copySql, source) {
      // PGlite reads COPY data from a Blob, so the stream goes in bounded chunks, each cut at
      // the end of a CSV record (a newline outside quotes).
      const sqlNoHeader = copySql.replace(/,?\s*HEADER\s+true/i, '');
      let chunks: Buffer[] = [];
      let size = 0;
      let first = true;
      const flush = async (buf: Buffer) => {
        if (buf.length === 0) return;
        const sql = first ? copySql : sqlNoHeader;
        first = false;
        await pool.run(sql.replace(/FROM\s+STDIN/i, "FROM '/dev/blob'"), new Blob([new Uint8Array(buf)]));
      };
      for await (const chunk of source) {
        chunks.push(chunk as Buffer);
        size += (chunk as Buffer).length;
        if (size < PGLITE_COPY_CHUNK) continue;
        const pending = Buffer.concat(chunks);
        const cut = lastRecordEnd(pending);
        if (cut === 0) continue;
        await flush(pending.subarray(0, cut));
        chunks = [pending.subarray(cut)];
        size = pending.length - cut;
      }
      await flush(Buffer.concat(chunks));
    },
    close: async () => {
      await db.destroy();
      await lite.close();
    },
  };
}

/** Index just past the last newline that ends a CSV record (quotes balanced before it); 0 if none. */
export function lastRecordEnd(buf: Buffer): number {
  let inQuotes = false;
  let end = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i];
    if (b === 0x22) inQuotes = !inQuotes;
    else if (b === 0x0a && !inQuotes) end = i + 1;
  }
  return end;
}

/**
 * A pg.Pool look-alike over one PGlite instance. PGlite is a single session, so a
 * connection is handed to one user at a time (a transaction must not interleave
 * with another caller's statements).
 */
function pglitePool(lite: PGlite) {
  let queue: Promise<void> = Promise.resolve();
  const client = {
    async query(sql: string, params?: readonly unknown[]) {
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
    async end() {},
    async run(sql: string, blob: Blob) {
      const c = await this.connect();
      try {
        await lite.query(sql, [], { blob });
      } finally {
        c.release();
      }
    },
  };
}
