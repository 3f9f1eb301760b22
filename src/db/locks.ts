// The advisory locks every process of this project shares (any constants will do; they only
// have to be the same everywhere). Transaction-scoped: released at commit or rollback.
// No Kysely import: migrations take their lock on a session, in commands that never load it.
import type { Session } from './connection.ts';
import type { DbOrTrx } from './database.ts';

/** Migrations: two processes starting at once apply each file exactly once. */
const MIGRATION_LOCK = 7_245_118_301;

/**
 * Loads and KPI recomputes: "was this file loaded?" and the load happen under it, so two runs
 * never load the same content twice; and an ingest cannot commit rows into a week a recompute
 * has already read (and then lose that week's dirty mark).
 */
const LOAD_LOCK = 7_245_118_302;

/** Alert state: two runs judging the same subscription at once count a new occurrence once. */
const ALERTS_LOCK = 7_245_118_303;

/** The migration lock on a session's open transaction (migrations run on a session). */
export async function takeMigrationLockOn(session: Session): Promise<void> {
  await session.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
}

export async function takeAlertsLock(trx: DbOrTrx): Promise<void> {
  await trx.selectNoFrom((eb) => eb.fn('pg_advisory_xact_lock', [eb.val(ALERTS_LOCK)]).as('locked')).execute();
}

export async function takeLoadLock(trx: DbOrTrx): Promise<void> {
  await trx.selectNoFrom((eb) => eb.fn('pg_advisory_xact_lock', [eb.val(LOAD_LOCK)]).as('locked')).execute();
}

/** The load lock on a session's open transaction (a load's COPY runs on a session). */
export async function takeLoadLockOn(session: Session): Promise<void> {
  await session.query('SELECT pg_advisory_xact_lock($1)', [LOAD_LOCK]);
}
