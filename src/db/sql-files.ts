// The one loader for the statement files under sql/ (fold/, kpis/, load/, ops/; migrations have
// their own runner). A file is read once and kept. Its header names its parameters:
//   -- @param $1 first_file: the first load to fold
// and callers pass values by those names, bound as parameters: nothing is ever pasted into
// SQL text. A file may hold several statements; each is sent the parameters $1..$n it uses.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Session } from './connection.ts';
import type { DbOrTrx } from './database.ts';
import { sqlDir } from './migrate.ts';

export interface SqlStatement {
  text: string;
  /** The highest $n the statement uses (0: none, sent without parameters). */
  arity: number;
}

export interface SqlFile {
  name: string;
  /** Parameter names by position: names[0] is $1. */
  names: string[];
  statements: SqlStatement[];
}

const cache = new Map<string, SqlFile>();

/** A statement file, parsed once per process. `name` is relative to sql/ ("kpis/2_weekly_kpis.sql"). */
export function sqlFile(name: string): SqlFile {
  let file = cache.get(name);
  if (!file) {
    file = parseSqlFile(name, readFileSync(join(sqlDir, name), 'utf8'));
    cache.set(name, file);
  }
  return file;
}

export function parseSqlFile(name: string, text: string): SqlFile {
  const names: string[] = [];
  for (const m of text.matchAll(/^--\s*@param\s+\$(\d+)\s+([a-z_][a-z0-9_]*)/gim)) names[Number(m[1]) - 1] = m[2]!;
  const statements = text
    .replace(/^\s*--.*$/gm, '')
    // statements end with a semicolon at the end of a line (none of ours has one inside a line)
    .split(/;\s*\n/)
    .map((t) => t.trim().replace(/;$/, ''))
    .filter(Boolean)
    .map((t) => ({ text: t, arity: Math.max(0, ...[...t.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]))) }));
  // Postgres types a parameter from its use: one a statement is sent but does not use fails (42P18)
  for (const s of statements) {
    const seen = new Set([...s.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
    for (let n = 1; n <= s.arity; n++)
      if (!seen.has(n))
        throw new Error(`${name}: a statement uses $${s.arity} but not $${n}; each statement must use $1..$n without a gap`);
  }
  const used = Math.max(0, ...statements.map((s) => s.arity));
  for (let i = 0; i < used; i++) if (!names[i]) throw new Error(`${name}: $${i + 1} is used but has no "-- @param $${i + 1} name" line`);
  return { name, names, statements };
}

/** The positional values of a file's parameters, from values by name; a missing name is an error. */
export function bind(file: SqlFile, values: Record<string, unknown>): unknown[] {
  return file.names.map((n) => {
    if (!(n in values)) throw new Error(`${file.name}: no value for parameter ${n}`);
    return values[n];
  });
}

/** Runs every statement of a file in order through `exec`; returns the rows of the last. */
async function runStatements<R>(
  name: string,
  values: Record<string, unknown>,
  exec: (text: string, params: unknown[]) => Promise<R[]>,
): Promise<R[]> {
  const file = sqlFile(name);
  const params = bind(file, values);
  let rows: R[] = [];
  for (const s of file.statements) rows = await exec(s.text, params.slice(0, s.arity));
  return rows;
}

/** What a statement file runs on: the database or a transaction, or a session (of a connection opened without Kysely, as `pulse status` does). */
export type SqlTarget = DbOrTrx | Session;

/** Runs a statement file on the database, a transaction or a session; returns the rows of its last statement. */
export async function runSqlFile<R = Record<string, unknown>>(
  db: SqlTarget,
  name: string,
  values: Record<string, unknown> = {},
): Promise<R[]> {
  if ('copyFrom' in db) return runSqlFileOn<R>(db, name, values);
  // Kysely is loaded already (it made `db`); importing it here, not above, keeps this module
  // and the repositories that read through it loadable without it.
  const { CompiledQuery } = await import('kysely');
  return runStatements<R>(name, values, async (text, parameters) => (await db.executeQuery<R>(CompiledQuery.raw(text, parameters))).rows);
}

/** The same on a session (a connection held for a COPY and its transaction). */
export function runSqlFileOn<R = Record<string, unknown>>(
  session: Session,
  name: string,
  values: Record<string, unknown> = {},
): Promise<R[]> {
  // without parameters a statement goes by the simple protocol, as on the pool
  return runStatements<R>(name, values, (text, parameters) => session.query<R>(text, parameters.length ? parameters : undefined));
}
