-- What to do next (issue 17): test plans for creators whose holdout verdict is inconclusive, and
-- budget moves from creators likely losing money to those with the best sure return. Both are
-- rebuilt by the kpis stage from mart.influencer_kpis (src/db/decisions-repo.ts; the arithmetic
-- is src/pipeline/kpis/test-plan.ts and budget.ts).
CREATE TABLE mart.test_plans (
  influencer_id text PRIMARY KEY,
  name text NOT NULL,
  holdout_status text NOT NULL,
  iroas_holdout double precision,
  iroas_holdout_low double precision,
  iroas_holdout_high double precision,
  control_users bigint NOT NULL,
  exposed_users bigint NOT NULL,
  effect_per_user double precision NOT NULL,
  effect_basis text NOT NULL,
  assumed_iroas double precision,
  control_users_needed bigint NOT NULL,
  exposed_users_needed bigint NOT NULL,
  power double precision NOT NULL,
  users_per_week double precision,
  weeks_needed integer,
  feasible boolean NOT NULL,
  reason text
);
COMMENT ON TABLE mart.test_plans IS 'One row per creator whose holdout verdict is inconclusive: a holdout with a standard error (ok or underpowered) that is neither a loss-maker (is_loss_maker false, so P(iROAS < 0) is below loss_evidence_level) nor confidently profitable (iroas_holdout_low <= 0, or the holdout is underpowered). The size of a new holdout test, started now, that tells its incremental ROAS from zero with 80 % power in a two-sided Welch test at 5 %, keeping its control/exposed ratio and its observed per-user revenue variances, and the weeks that takes at its current pace. Creators without a control group or with fewer than 2 users in a group have no plan (no variances to size from).';
COMMENT ON COLUMN mart.test_plans.influencer_id IS 'Influencer id.';
COMMENT ON COLUMN mart.test_plans.name IS 'Influencer name or handle.';
COMMENT ON COLUMN mart.test_plans.holdout_status IS 'ok or underpowered (mart.influencer_kpis.holdout_status).';
COMMENT ON COLUMN mart.test_plans.iroas_holdout IS 'Current holdout incremental ROAS.';
COMMENT ON COLUMN mart.test_plans.iroas_holdout_low IS 'Lower end of its 95 % Welch interval.';
COMMENT ON COLUMN mart.test_plans.iroas_holdout_high IS 'Upper end of its 95 % Welch interval.';
COMMENT ON COLUMN mart.test_plans.control_users IS 'Control users so far.';
COMMENT ON COLUMN mart.test_plans.exposed_users IS 'Exposed users so far.';
COMMENT ON COLUMN mart.test_plans.effect_per_user IS 'The revenue-per-user difference (exposed - control) the test is sized to detect: |rpu_exposed - rpu_control|, or, when that is smaller, the minimum effect worth detecting, an incremental ROAS of 0.5 at the current exposed users and payout (0.5 x payout / exposed_users; PLAN_MIN_IROAS): half the payout back in incremental revenue. Sizing for an estimate near zero would ask for tests no creator can run, and smaller effects do not change what to do with the creator.';
COMMENT ON COLUMN mart.test_plans.effect_basis IS 'estimate (the current per-user difference) or minimum (the stated minimum effect, when the estimate is nearer zero).';
COMMENT ON COLUMN mart.test_plans.assumed_iroas IS 'effect_per_user as an incremental ROAS: effect_per_user x exposed_users / payout (0.5 when effect_basis is minimum); NULL without payout.';
COMMENT ON COLUMN mart.test_plans.control_users_needed IS 'Control users the test needs: ceil(exposed_users_needed x control_users / exposed_users).';
COMMENT ON COLUMN mart.test_plans.exposed_users_needed IS 'Exposed users the test needs: the fewest that give 80 % power at effect_per_user with the observed variances (power from the Welch t with Welch-Satterthwaite degrees of freedom shifted by effect / se; checked by simulation in src/pipeline/kpis/test-plan.test.ts), and never fewer than make both groups reach MIN_HOLDOUT_USERS (a smaller test would come out underpowered).';
COMMENT ON COLUMN mart.test_plans.power IS 'Power of the planned test at effect_per_user (at least 0.8; more when the MIN_HOLDOUT_USERS floor sets the size).';
COMMENT ON COLUMN mart.test_plans.users_per_week IS 'Current pace: (control_users + exposed_users) / weeks in which the creator had orders.';
COMMENT ON COLUMN mart.test_plans.weeks_needed IS 'Weeks a new test of that size takes at that pace: ceil((control_users_needed + exposed_users_needed) / users_per_week).';
COMMENT ON COLUMN mart.test_plans.feasible IS 'true when weeks_needed is at most 12.';
COMMENT ON COLUMN mart.test_plans.reason IS 'Why the plan is not feasible ("not feasible within 12 weeks: needs N users, W weeks at P users a week"); NULL when feasible.';

CREATE TABLE mart.budget_moves (
  move integer PRIMARY KEY,
  from_id text NOT NULL,
  from_name text NOT NULL,
  to_id text NOT NULL,
  to_name text NOT NULL,
  amount numeric(16, 2) NOT NULL,
  from_iroas double precision NOT NULL,
  to_iroas double precision NOT NULL,
  to_iroas_low double precision,
  expected_gain double precision NOT NULL,
  expected_gain_low double precision,
  expected_gain_high double precision,
  basis text NOT NULL,
  assumption text NOT NULL
);
COMMENT ON TABLE mart.budget_moves IS 'Where to move money: payout taken from creators likely losing money and given to creators with the highest sure incremental return, one row per (giver, receiver) amount. Givers: loss-makers whose verdict rests on incrementality evidence (P(iROAS < 0) >= loss_evidence_level from the holdout, or a negative baseline incremental ROAS without a control group), their whole payout, the likeliest loss first. Receivers: not loss-makers, with an ok holdout (at least MIN_HOLDOUT_USERS per group: an underpowered interval rests on too few users to put more money behind) and iroas_holdout_low > 0, highest lower bound first, then, after every such creator, creators without a control group by a positive baseline incremental ROAS; each may grow by at most 50 % of its payout (room to grow). Amounts fill the receivers in that order; what finds no room stays unmoved (mart.budget_summary).';
COMMENT ON COLUMN mart.budget_moves.move IS 'Order of the move: 1 is the likeliest loss-maker to the best receiver.';
COMMENT ON COLUMN mart.budget_moves.from_id IS 'Influencer id of the giver.';
COMMENT ON COLUMN mart.budget_moves.from_name IS 'Name of the giver.';
COMMENT ON COLUMN mart.budget_moves.to_id IS 'Influencer id of the receiver.';
COMMENT ON COLUMN mart.budget_moves.to_name IS 'Name of the receiver.';
COMMENT ON COLUMN mart.budget_moves.amount IS 'Payout moved from the giver to the receiver.';
COMMENT ON COLUMN mart.budget_moves.from_iroas IS 'Giver''s incremental ROAS estimate: holdout (ok or underpowered), or baseline without a control group.';
COMMENT ON COLUMN mart.budget_moves.to_iroas IS 'Receiver''s incremental ROAS estimate: holdout, or baseline without a control group.';
COMMENT ON COLUMN mart.budget_moves.to_iroas_low IS 'Lower end of the receiver''s 95 % holdout interval (what ranks receivers); NULL for a baseline receiver.';
COMMENT ON COLUMN mart.budget_moves.expected_gain IS 'Expected change in incremental revenue: amount x (to_iroas - from_iroas), returns constant at current scale.';
COMMENT ON COLUMN mart.budget_moves.expected_gain_low IS 'Lower end of its 95 % interval: variance amount^2 x (se_to^2 + se_from^2), each se the holdout incremental_revenue_se / payout, t quantile at the Welch-Satterthwaite degrees of freedom of the two. A baseline estimate has no sampling error to add (stated in assumption).';
COMMENT ON COLUMN mart.budget_moves.expected_gain_high IS 'Upper end of that interval.';
COMMENT ON COLUMN mart.budget_moves.basis IS 'holdout when both estimates come from holdouts (the interval holds both uncertainties), baseline when either comes from the baseline estimate of a creator without a control group (its sampling error is unknown and left out of the interval).';
COMMENT ON COLUMN mart.budget_moves.assumption IS 'What the expected gain assumes: each creator''s incremental return per unit of payout stays what it is at its current scale (constant returns), within the 50 % growth limit.';

CREATE TABLE mart.budget_summary (
  givers bigint NOT NULL,
  receivers bigint NOT NULL,
  moves bigint NOT NULL,
  amount_moved numeric(16, 2) NOT NULL,
  amount_unplaced numeric(16, 2) NOT NULL,
  expected_gain double precision,
  expected_gain_low double precision,
  expected_gain_high double precision,
  assumption text NOT NULL
);
COMMENT ON TABLE mart.budget_summary IS 'One row: every move of mart.budget_moves together. Its interval adds the variances of each creator''s net amount (a creator in several moves counts once, with the sum of its amounts), so it is not the sum of the moves'' intervals.';
COMMENT ON COLUMN mart.budget_summary.givers IS 'Creators money is taken from.';
COMMENT ON COLUMN mart.budget_summary.receivers IS 'Creators money is given to.';
COMMENT ON COLUMN mart.budget_summary.moves IS 'Rows of mart.budget_moves.';
COMMENT ON COLUMN mart.budget_summary.amount_moved IS 'Payout moved in all.';
COMMENT ON COLUMN mart.budget_summary.amount_unplaced IS 'Givers'' payout no receiver had room for: not moved anywhere (the expected gain leaves it out).';
COMMENT ON COLUMN mart.budget_summary.expected_gain IS 'Expected change in incremental revenue of all moves: sum over creators of net amount x incremental ROAS (NULL without moves).';
COMMENT ON COLUMN mart.budget_summary.expected_gain_low IS 'Lower end of its 95 % interval: variance sum of net amount^2 x se^2, t quantile at the Welch-Satterthwaite degrees of freedom.';
COMMENT ON COLUMN mart.budget_summary.expected_gain_high IS 'Upper end of that interval.';
COMMENT ON COLUMN mart.budget_summary.assumption IS 'As mart.budget_moves.assumption.';

GRANT SELECT ON mart.test_plans, mart.budget_moves, mart.budget_summary TO pulse_bi;
