// The claim rule shared by ops.digests and ops.alert_deliveries: a delivery is claimed ('sending')
// by a run before it is sent, then marked sent or failed by that run. A claim that failed, or that
// is 'sending' but abandoned, may be taken again: its run has ended (a killed inline run is marked
// failed by the next start), it is a later attempt of the same run (a job retried after its worker
// died), or the claim is older than STALE_CLAIM_MINUTES.
import { type RawBuilder, sql } from 'kysely';

const STALE_CLAIM_MINUTES = 15;

/** True for a row `d` (with state, run_id, claimed_at) that run `runId` may claim. */
export const claimable = (runId: string): RawBuilder<boolean> => sql<boolean>`(
  d.state = 'failed'
  OR (d.state = 'sending' AND (d.run_id = ${runId}
        OR d.claimed_at < now() - make_interval(mins => ${STALE_CLAIM_MINUTES})
        OR NOT EXISTS (SELECT 1 FROM ops.pipeline_runs r WHERE r.run_id = d.run_id AND r.state = 'running'))))`;
