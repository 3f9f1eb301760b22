-- Issue 18: alerts. A condition (a creator turned loss-making, a weekly ROAS drop, stale data, a
-- failed run) is kept per subscription: when it becomes true it opens an occurrence, which is
-- delivered once per recipient; while it stays true nothing more is sent; when it is no longer
-- true it is cleared, and the next time it becomes true is the next occurrence.
CREATE TABLE ops.alerts (
  subscription  text NOT NULL,
  alert_key     text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('loss_maker', 'roas_drop', 'stale', 'run_failed')),
  subject       text NOT NULL,
  title         text NOT NULL,
  evidence      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(evidence) = 'array'),
  state         text NOT NULL CHECK (state IN ('active', 'cleared')),
  occurrence    integer NOT NULL DEFAULT 1 CHECK (occurrence >= 1),
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  since_at      timestamptz NOT NULL DEFAULT now(),
  last_seen_at  timestamptz NOT NULL DEFAULT now(),
  cleared_at    timestamptz,
  PRIMARY KEY (subscription, alert_key),
  CHECK ((state = 'cleared') = (cleared_at IS NOT NULL))
);

COMMENT ON TABLE ops.alerts IS 'One row per subscription and alert condition ever true for it: whether it is true now (active) or was and is no longer (cleared), and how often it became true. Written by the alerts stage.';
COMMENT ON COLUMN ops.alerts.subscription IS 'The subscription (ops.subscriptions.name) the condition was evaluated for, over its slice; DIGEST_TO for the DIGEST_TO setting when there are no subscriptions.';
COMMENT ON COLUMN ops.alerts.alert_key IS 'The condition: loss_maker:<influencer_id>, roas_drop:creator:<influencer_id>, roas_drop:channel:<channel>, stale, or run_failed:<run_id>.';
COMMENT ON COLUMN ops.alerts.kind IS 'loss_maker, roas_drop, stale or run_failed: the part of alert_key before the first colon.';
COMMENT ON COLUMN ops.alerts.subject IS 'What the alert is about, for people: a creator with platform, an ad channel, the data, a run.';
COMMENT ON COLUMN ops.alerts.title IS 'The one-line alert as sent (mail subject after "Alert: ", webhook header), from the newest evaluation that found it true.';
COMMENT ON COLUMN ops.alerts.evidence IS 'JSON array of lines: the figures behind the alert (ROAS, incremental ROAS with its method and interval, reasons, action; the week against the four before; newest data day; run error), from the newest evaluation that found it true.';
COMMENT ON COLUMN ops.alerts.state IS 'active: true at the newest evaluation; cleared: true once, not any more.';
COMMENT ON COLUMN ops.alerts.occurrence IS 'How many times the condition became true (1 the first time; each return after a clear adds one). Deliveries are per occurrence.';
COMMENT ON COLUMN ops.alerts.first_seen_at IS 'When the condition was first found true.';
COMMENT ON COLUMN ops.alerts.since_at IS 'When the current (or, once cleared, the last) occurrence became true.';
COMMENT ON COLUMN ops.alerts.last_seen_at IS 'The newest evaluation that found the condition true.';
COMMENT ON COLUMN ops.alerts.cleared_at IS 'When the condition was found no longer true; NULL while active.';

-- Claim, send, mark (as ops.digests): a retried job, a restarted process or a second worker
-- delivers each occurrence once per recipient.
CREATE TABLE ops.alert_deliveries (
  subscription text NOT NULL,
  alert_key    text NOT NULL,
  occurrence   integer NOT NULL,
  recipient    text NOT NULL,
  channel      text NOT NULL CHECK (channel IN ('email', 'webhook')),
  state        text NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
  run_id       text,
  message_id   text,
  attempts     integer NOT NULL DEFAULT 1,
  claimed_at   timestamptz NOT NULL DEFAULT now(),
  sent_at      timestamptz,
  error        text,
  PRIMARY KEY (subscription, alert_key, occurrence, recipient),
  FOREIGN KEY (subscription, alert_key) REFERENCES ops.alerts ON DELETE CASCADE
);

COMMENT ON TABLE ops.alert_deliveries IS 'One row per alert occurrence and recipient (an address or a webhook URL): the alert reaches each recipient once however often its job is retried.';
COMMENT ON COLUMN ops.alert_deliveries.subscription IS 'The subscription the alert is for (ops.alerts.subscription).';
COMMENT ON COLUMN ops.alert_deliveries.alert_key IS 'The condition (ops.alerts.alert_key).';
COMMENT ON COLUMN ops.alert_deliveries.occurrence IS 'Which time the condition became true (ops.alerts.occurrence at the time).';
COMMENT ON COLUMN ops.alert_deliveries.recipient IS 'Mail address, or the webhook URL.';
COMMENT ON COLUMN ops.alert_deliveries.channel IS 'email (recipient is an address) or webhook (recipient is the webhook URL).';
COMMENT ON COLUMN ops.alert_deliveries.state IS 'sending (claimed), sent, or failed (the next run or retry tries again).';
COMMENT ON COLUMN ops.alert_deliveries.run_id IS 'The run (ops.pipeline_runs.run_id) that claimed the delivery. A claim in state sending is taken over when its run is no longer running, by a later attempt of the same run, or after 15 minutes.';
COMMENT ON COLUMN ops.alert_deliveries.message_id IS 'Message-ID of the mail that carried it (several alerts of one run can share a summary mail); NULL for a webhook.';
COMMENT ON COLUMN ops.alert_deliveries.attempts IS 'Claims made, the first included.';
COMMENT ON COLUMN ops.alert_deliveries.claimed_at IS 'When the newest claim was made.';
COMMENT ON COLUMN ops.alert_deliveries.sent_at IS 'When it was delivered.';
COMMENT ON COLUMN ops.alert_deliveries.error IS 'Why the newest attempt failed.';
