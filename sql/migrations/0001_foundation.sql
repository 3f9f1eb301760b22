-- Schemas, cleaning functions, core tables and run history.
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS mart;
CREATE SCHEMA IF NOT EXISTS ops;

-- Cleaning functions: each returns NULL for blank input and for input it cannot read;
-- the caller tells the two apart (blank raw value vs. NULL result) to write a reject.
CREATE FUNCTION staging.blank(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT t IS NULL OR btrim(t) = '' $$;

-- '₹1,200.50', '$102.82', ' 22.0 ', '1 200', '(12.5)' (accounting negative) -> numeric.
-- Plain SQL, no exception handler: these run once per cell, and a plpgsql EXCEPTION block
-- would open a subtransaction for every call. The pattern admits only what numeric accepts.
CREATE FUNCTION staging.num_text(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT regexp_replace(
           regexp_replace(t, '(^\s*(₹|Rs\.?|INR|\$|USD|€|EUR|£|GBP)\s*)|(\s*(₹|INR|USD|EUR|GBP)\s*$)|[,\s _]', '', 'gi'),
           '^\((.*)\)$', '-\1')
$$;

CREATE FUNCTION staging.num(t text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN t ~ '^-?[0-9]{1,15}(\.[0-9]{1,12})?$' THEN t::numeric
    WHEN staging.num_text(t) ~ '^[-+]?([0-9]{1,30}\.?[0-9]{0,30}|\.[0-9]{1,30})([eE][-+]?[0-9]{1,3})?$' THEN staging.num_text(t)::numeric
  END
$$;

-- integers written as floats ('22.0') are accepted; '22.5' is not an integer
CREATE FUNCTION staging.int(t text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN t ~ '^-?[0-9]{1,15}$' THEN t::bigint
    WHEN staging.num(t) = trunc(staging.num(t)) AND abs(staging.num(t)) < 9e15 THEN staging.num(t)::bigint
  END
$$;

-- A date from year, month and day parts, or NULL when they name no day (2025-02-30).
CREATE FUNCTION staging.ymd(y int, m int, d int) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN y BETWEEN 1 AND 9999 AND m BETWEEN 1 AND 12 AND d BETWEEN 1 AND 31
                   AND extract(month FROM make_date(y, m, 1) + (d - 1)) = m
              THEN make_date(y, m, 1) + (d - 1) END
$$;

-- M/D/YYYY, D.M.YYYY, YYYY/MM/DD and ISO forms with spaces around: the slow path of staging.day.
CREATE FUNCTION staging.day_slow(t text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN t ~ '^\s*\d{4}[-/]\d{1,2}[-/]\d{1,2}([ T].*)?\s*$' THEN
      staging.ymd(split_part(x, '-', 1)::int, split_part(x, '-', 2)::int, split_part(x, '-', 3)::int)
    WHEN t ~ '^\s*\d{1,2}/\d{1,2}/\d{4}( .*)?\s*$' THEN
      staging.ymd(split_part(x, '-', 3)::int, split_part(x, '-', 1)::int, split_part(x, '-', 2)::int)
    WHEN t ~ '^\s*\d{1,2}\.\d{1,2}\.\d{4}\s*$' THEN
      staging.ymd(split_part(x, '-', 3)::int, split_part(x, '-', 2)::int, split_part(x, '-', 1)::int)
  END
  FROM (SELECT translate(split_part(split_part(btrim(t), ' ', 1), 'T', 1), '/.', '--') AS x) s
$$;

-- ISO dates and ISO timestamps (time dropped) on the fast path, other forms by day_slow.
-- Written as one expression so the planner inlines it (a non-inlined SQL function costs
-- ~15 µs a call, which is most of a load's time).
CREATE FUNCTION staging.day(t text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN t ~ '^\d{4}-\d{2}-\d{2}([ T][0-9:.]*(Z|[+-][0-9:]+)?)?$'
      THEN staging.ymd(substr(t, 1, 4)::int, substr(t, 6, 2)::int, substr(t, 9, 2)::int)
    ELSE staging.day_slow(t)
  END
$$;

CREATE FUNCTION staging.bool(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE lower(btrim(t))
    WHEN 'y' THEN true WHEN 'yes' THEN true WHEN 'true' THEN true WHEN 't' THEN true WHEN '1' THEN true
    WHEN 'n' THEN false WHEN 'no' THEN false WHEN 'false' THEN false WHEN 'f' THEN false WHEN '0' THEN false
  END
$$;

-- 'IG', 'insta', 'facebOOK_tier2', 'yt' -> canonical platform names (slow path of staging.platform)
CREATE FUNCTION staging.platform_slow(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE
    WHEN s = '' THEN NULL
    WHEN s IN ('ig', 'insta') OR s LIKE 'instagram%' THEN 'Instagram'
    WHEN s = 'yt' OR s LIKE 'youtube%' THEN 'YouTube'
    WHEN s IN ('tw', 'x') OR s LIKE 'twitter%' THEN 'Twitter'
    WHEN s IN ('fb', 'meta') OR s LIKE 'facebook%' THEN 'Facebook'
    WHEN s LIKE 'tiktok%' OR s = 'tt' THEN 'TikTok'
    WHEN s LIKE 'google%' OR s = 'adwords' THEN 'Google'
    ELSE initcap(s)
  END
  FROM (SELECT lower(regexp_replace(btrim(coalesce(t, '')), '[\s_-]+', '', 'g')) AS s) x
$$;

-- Canonical names pass straight through (inlined); other spellings go to platform_slow.
CREATE FUNCTION staging.platform(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN t IN ('Instagram', 'YouTube', 'Twitter', 'Facebook', 'TikTok', 'Google') THEN t
              ELSE staging.platform_slow(t) END
$$;

-- 'fitness ', 'FITNESS' -> 'Fitness'; keeps multi-word labels readable
CREATE FUNCTION staging.label(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT NULLIF(initcap(regexp_replace(btrim(coalesce(t, '')), '\s+', ' ', 'g')), '')
$$;

CREATE FUNCTION staging.text(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT NULLIF(btrim(t), '') $$;

-- ---------------------------------------------------------------- core
CREATE TABLE core.influencers (
  influencer_id   text PRIMARY KEY,
  name            text NOT NULL,
  platform        text,
  category        text,
  gender          text,
  tier            text,
  followers       bigint,
  file_id         bigint NOT NULL,
  updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE core.posts (
  post_key        bigint PRIMARY KEY,
  influencer_id   text NOT NULL REFERENCES core.influencers,
  platform        text,
  post_date       date NOT NULL,
  url             text,
  caption         text,
  reach           bigint,
  likes           bigint,
  comments        bigint,
  file_id         bigint NOT NULL,
  line            bigint NOT NULL
);
CREATE INDEX ON core.posts (influencer_id, post_date);

CREATE TABLE core.payouts (
  influencer_id   text PRIMARY KEY REFERENCES core.influencers,
  basis           text NOT NULL CHECK (basis IN ('post', 'order')),
  rate            numeric(14, 2),
  orders          bigint,
  total_payout    numeric(14, 2) NOT NULL,
  file_id         bigint NOT NULL,
  line            bigint NOT NULL
);

-- One row per tracked order line; row_key is a hash of the cleaned row (the natural key:
-- the exports carry no order id), so a row seen twice is stored once.
CREATE TABLE core.orders (
  row_key         bigint NOT NULL,
  influencer_id   text NOT NULL,
  source          text,
  campaign        text,
  user_id         text,
  product         text,
  order_date      date NOT NULL,
  orders          integer NOT NULL,
  revenue         numeric(14, 2) NOT NULL,
  grp             smallint,
  file_id         bigint NOT NULL,
  line            bigint NOT NULL
);
CREATE UNIQUE INDEX orders_row_key ON core.orders (row_key);

-- Aggregates kept up to date by each load, from the rows it inserted, so KPIs never rescan
-- every order: per day (weekly marts), per product and per campaign (dimension marts), per user
-- (holdout), and running sums per influencer and group for the holdout statistics.
CREATE TABLE core.orders_daily (
  order_date      date NOT NULL,
  influencer_id   text NOT NULL,
  grp             smallint NOT NULL, -- -1 = no group column
  rows            bigint NOT NULL,
  orders          bigint NOT NULL,
  revenue         numeric(16, 2) NOT NULL,
  PRIMARY KEY (order_date, influencer_id, grp)
);

CREATE TABLE core.orders_product (
  influencer_id   text NOT NULL,
  product         text NOT NULL,
  orders          bigint NOT NULL,
  revenue         numeric(16, 2) NOT NULL,
  PRIMARY KEY (influencer_id, product)
);

CREATE TABLE core.orders_campaign (
  influencer_id   text NOT NULL,
  campaign        text NOT NULL,
  orders          bigint NOT NULL,
  revenue         numeric(16, 2) NOT NULL,
  PRIMARY KEY (influencer_id, campaign)
);

CREATE TABLE core.order_users (
  influencer_id   text NOT NULL,
  grp             smallint NOT NULL,
  user_id         text NOT NULL,
  orders          bigint NOT NULL,
  revenue         numeric(16, 2) NOT NULL,
  PRIMARY KEY (influencer_id, grp, user_id)
);

-- users, sum and sum of squares of revenue per user: mean and variance without a rescan.
CREATE TABLE core.holdout_stats (
  influencer_id   text NOT NULL,
  grp             smallint NOT NULL,
  users           bigint NOT NULL,
  revenue         numeric NOT NULL,
  revenue_sq      numeric NOT NULL,
  PRIMARY KEY (influencer_id, grp)
);

-- The same over the whole portfolio, where a user bought through two influencers is one user.
CREATE TABLE core.group_users (
  grp             smallint NOT NULL,
  user_id         text NOT NULL,
  revenue         numeric(16, 2) NOT NULL,
  PRIMARY KEY (grp, user_id)
);

CREATE TABLE core.group_stats (
  grp             smallint PRIMARY KEY,
  users           bigint NOT NULL,
  revenue         numeric NOT NULL,
  revenue_sq      numeric NOT NULL
);

CREATE TABLE core.ad_campaigns (
  ad_key            text PRIMARY KEY,
  campaign          text NOT NULL,
  channel           text,
  category          text,
  day               date,
  impressions       bigint,
  clicks            bigint,
  conversions       bigint,
  leads             bigint,
  spend             numeric(14, 2),
  revenue           numeric(14, 2),
  spend_estimated   boolean NOT NULL DEFAULT false,
  revenue_estimated boolean NOT NULL DEFAULT false,
  audience          text,
  file_id           bigint NOT NULL,
  line              bigint NOT NULL
);

-- ---------------------------------------------------------------- ops
CREATE TABLE ops.ingest_files (
  file_id        bigserial PRIMARY KEY,
  sha256         text NOT NULL UNIQUE,
  file_name      text NOT NULL,
  kind           text NOT NULL,
  bytes          bigint NOT NULL,
  rows_total     bigint NOT NULL,
  rows_loaded    bigint NOT NULL,
  rows_duplicate bigint NOT NULL,
  rows_rejected  bigint NOT NULL,
  min_date       date,
  max_date       date,
  run_id         text,
  loaded_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ops.rejects (
  file_id     bigint NOT NULL REFERENCES ops.ingest_files ON DELETE CASCADE,
  line        bigint NOT NULL,
  column_name text,
  value       text,
  reason      text NOT NULL
);
CREATE INDEX ON ops.rejects (file_id);

-- Files that could not be loaded at all (unrecognised header, unreadable): kept for status.
CREATE TABLE ops.skipped_files (
  file_name   text NOT NULL,
  sha256      text,
  reason      text NOT NULL,
  moved_to    text,
  seen_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ops.pipeline_runs (
  run_id      text PRIMARY KEY,
  trigger     text NOT NULL,
  state       text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed')),
  period      text,
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error       text
);

CREATE TABLE ops.stage_runs (
  run_id      text NOT NULL REFERENCES ops.pipeline_runs ON DELETE CASCADE,
  stage       text NOT NULL,
  state       text NOT NULL CHECK (state IN ('running', 'succeeded', 'failed', 'skipped')),
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  rows        bigint,
  detail      jsonb,
  error       text,
  PRIMARY KEY (run_id, stage)
);

CREATE TABLE ops.kpi_dirty_weeks (
  week_start date PRIMARY KEY
);

-- One row per period and recipient: a retry or a second trigger finds 'sent' and sends nothing.
CREATE TABLE ops.digests (
  period       text NOT NULL,
  recipient    text NOT NULL,
  state        text NOT NULL CHECK (state IN ('sending', 'sent', 'failed', 'skipped')),
  subject      text,
  html         text,
  message_id   text,
  error        text,
  attempts     integer NOT NULL DEFAULT 0,
  claimed_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  PRIMARY KEY (period, recipient)
);
