-- Schemas, cleaning functions, core tables and run history.
CREATE SCHEMA IF NOT EXISTS staging;
CREATE SCHEMA IF NOT EXISTS core;
CREATE SCHEMA IF NOT EXISTS mart;
CREATE SCHEMA IF NOT EXISTS ops;

-- Cleaning functions: each returns NULL for blank input and for input it cannot read;
-- the caller tells the two apart (blank raw value vs. NULL result) to write a reject.
CREATE FUNCTION staging.blank(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT t IS NULL OR btrim(t) = '' $$;

-- '₹1,200.50', '$102.82', ' 22.0 ', '1 200', '(12.5)' (accounting negative) -> numeric
CREATE FUNCTION staging.num(t text) RETURNS numeric
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE s text;
BEGIN
  IF t IS NULL THEN RETURN NULL; END IF;
  s := regexp_replace(t, '(^\s*(₹|Rs\.?|INR|\$|USD|€|EUR|£|GBP)\s*)|(\s*(₹|INR|USD|EUR|GBP)\s*$)|[,\s _]', '', 'gi');
  IF s ~ '^\(.*\)$' THEN s := '-' || substr(s, 2, length(s) - 2); END IF;
  IF s !~ '^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$' THEN RETURN NULL; END IF;
  RETURN s::numeric;
EXCEPTION WHEN others THEN RETURN NULL;
END $$;

-- integers written as floats ('22.0') are accepted; '22.5' is not an integer
CREATE FUNCTION staging.int(t text) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN n = trunc(n) AND abs(n) < 9e15 THEN n::bigint END FROM (SELECT staging.num(t) AS n) x
$$;

-- ISO dates, ISO timestamps (time dropped), M/D/YYYY, D.M.YYYY, YYYY/MM/DD
CREATE FUNCTION staging.day(t text) RETURNS date
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE s text := btrim(t); m text[];
BEGIN
  IF s IS NULL OR s = '' THEN RETURN NULL; END IF;
  m := regexp_match(s, '^(\d{4})[-/](\d{1,2})[-/](\d{1,2})([ T].*)?$');
  IF m IS NOT NULL THEN RETURN make_date(m[1]::int, m[2]::int, m[3]::int); END IF;
  m := regexp_match(s, '^(\d{1,2})/(\d{1,2})/(\d{4})( .*)?$');
  IF m IS NOT NULL THEN RETURN make_date(m[3]::int, m[1]::int, m[2]::int); END IF;
  m := regexp_match(s, '^(\d{1,2})\.(\d{1,2})\.(\d{4})$');
  IF m IS NOT NULL THEN RETURN make_date(m[3]::int, m[2]::int, m[1]::int); END IF;
  RETURN NULL;
EXCEPTION WHEN others THEN RETURN NULL;
END $$;

CREATE FUNCTION staging.bool(t text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE lower(btrim(t))
    WHEN 'y' THEN true WHEN 'yes' THEN true WHEN 'true' THEN true WHEN 't' THEN true WHEN '1' THEN true
    WHEN 'n' THEN false WHEN 'no' THEN false WHEN 'false' THEN false WHEN 'f' THEN false WHEN '0' THEN false
  END
$$;

-- 'IG', 'insta', 'facebOOK_tier2', 'yt' -> canonical platform names
CREATE FUNCTION staging.platform(t text) RETURNS text
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

-- Aggregates kept up to date by each load, so KPIs never rescan every order.
CREATE TABLE core.orders_daily (
  influencer_id   text NOT NULL,
  order_date      date NOT NULL,
  product         text NOT NULL,
  campaign        text NOT NULL,
  grp             smallint NOT NULL, -- -1 = no group column
  rows            bigint NOT NULL,
  orders          bigint NOT NULL,
  revenue         numeric(16, 2) NOT NULL,
  PRIMARY KEY (influencer_id, order_date, product, campaign, grp)
);

CREATE TABLE core.order_users (
  influencer_id   text NOT NULL,
  grp             smallint NOT NULL,
  user_id         text NOT NULL,
  orders          bigint NOT NULL,
  revenue         numeric(16, 2) NOT NULL,
  PRIMARY KEY (influencer_id, grp, user_id)
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
