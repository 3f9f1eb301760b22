-- Issue 18: subscriptions. Each has recipients (and or a webhook), a slice, a cadence and a time
-- zone; each gets the digest of its slice once per (period, subscription, recipient). With no
-- subscriptions, DIGEST_TO is one unfiltered subscription named 'DIGEST_TO' (upper case, so no
-- stored name can take it).
CREATE TABLE ops.subscriptions (
  name        text PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  recipients  text[] NOT NULL DEFAULT '{}',
  slice       jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(slice) = 'object'),
  cadence     text NOT NULL DEFAULT 'weekly' CHECK (cadence IN ('weekly', 'alerts', 'both')),
  timezone    text NOT NULL,
  webhook_url text,
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (cardinality(recipients) > 0 OR webhook_url IS NOT NULL)
);

COMMENT ON TABLE ops.subscriptions IS 'Who gets which digest and alerts: managed by `pulse subscriptions add|list|remove` and POST/GET/DELETE /subscriptions.';
COMMENT ON COLUMN ops.subscriptions.name IS 'Name: lower-case letters, digits, - and _, at most 63 characters.';
COMMENT ON COLUMN ops.subscriptions.recipients IS 'Mail addresses; may be empty when webhook_url is set.';
COMMENT ON COLUMN ops.subscriptions.slice IS 'The slice: an object from key (platform, category, gender, tier, product, campaign, channel) to the values kept, e.g. {"platform": ["Instagram"]}; {} is everything.';
COMMENT ON COLUMN ops.subscriptions.cadence IS 'weekly (the digest), alerts, or both.';
COMMENT ON COLUMN ops.subscriptions.timezone IS 'IANA time zone in which DIGEST_CRON fires for this subscription (alerts run on ALERT_CRON in PULSE_TIMEZONE for all); the ISO weeks of the data stay in PULSE_TIMEZONE.';
COMMENT ON COLUMN ops.subscriptions.webhook_url IS 'Slack incoming-webhook URL (https, or http on a loopback address) that also gets the digest summary and the alerts.';

ALTER TABLE ops.digests ADD COLUMN subscription text NOT NULL DEFAULT 'DIGEST_TO';
ALTER TABLE ops.digests ADD COLUMN channel text NOT NULL DEFAULT 'email' CHECK (channel IN ('email', 'webhook'));
ALTER TABLE ops.digests ADD COLUMN run_id text;
ALTER TABLE ops.digests DROP CONSTRAINT digests_pkey;
ALTER TABLE ops.digests ADD PRIMARY KEY (period, subscription, recipient);

COMMENT ON COLUMN ops.digests.subscription IS 'The subscription (ops.subscriptions.name) the digest was for; DIGEST_TO for the unfiltered list of the DIGEST_TO setting.';
COMMENT ON COLUMN ops.digests.run_id IS 'The run (ops.pipeline_runs.run_id) that claimed the delivery. A claim in state sending is taken over when its run is no longer running (a killed process: its run is marked failed), by a later attempt of the same run, or after 15 minutes.';
COMMENT ON COLUMN ops.digests.channel IS 'email (recipient is an address) or webhook (recipient is the webhook URL).';
