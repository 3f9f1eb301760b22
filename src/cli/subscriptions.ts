// pulse subscriptions add | list | remove: who gets the digest of which slice (ops.subscriptions).
import { config } from '../config.ts';
import { openApp } from '../db/open.ts';
import { addSubscription, listSubscriptions, removeSubscription, type Subscription } from '../db/subscriptions-repo.ts';
import { InputError } from '../errors.ts';
import { sliceFromWhere, sliceLabel } from '../pipeline/shared/slice.ts';
import { urlOrigin } from '../pipeline/shared/webhook-url.ts';

const out = (s: string) => process.stdout.write(`${s}\n`);

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export async function addCommand(o: {
  name: string;
  to?: string;
  where?: string[];
  cadence?: string;
  timezone?: string;
  webhook?: string;
}) {
  const cfg = config();
  let slice: ReturnType<typeof sliceFromWhere>;
  try {
    slice = sliceFromWhere(o.where ?? []);
  } catch (e) {
    throw new InputError(`--where ${(e as Error).message}`);
  }
  if (o.webhook && !cfg.PULSE_WEBHOOK_SECRET) throw new InputError('--webhook: set PULSE_WEBHOOK_SECRET first (posts are signed with it)');
  const store = await openApp(cfg);
  try {
    const sub = await addSubscription(
      store.db,
      { name: o.name, to: list(o.to), where: slice, cadence: o.cadence, timezone: o.timezone, webhook: o.webhook },
      cfg.PULSE_TIMEZONE,
    );
    out(`subscription ${sub.name} added: ${describe(sub)}`);
    await syncSchedules(store);
  } finally {
    await store.close();
  }
}

export async function listCommand() {
  const store = await openApp(config());
  try {
    const subs = await listSubscriptions(store.db);
    if (!subs.length) out('no subscriptions: the digest goes to DIGEST_TO, unfiltered; add one with `pulse subscriptions add`');
    for (const s of subs) out(`${s.name.padEnd(20)} ${describe(s)}`);
  } finally {
    await store.close();
  }
}

export async function removeCommand(name: string) {
  const store = await openApp(config());
  try {
    if (!(await removeSubscription(store.db, name))) throw new InputError(`no subscription named ${name}`);
    out(`subscription ${name} removed`);
    await syncSchedules(store);
  } finally {
    await store.close();
  }
}

const describe = (s: Subscription) =>
  [
    sliceLabel(s.slice) || 'everything',
    s.cadence,
    s.timezone,
    s.recipients.join(', ') || 'no mail',
    ...(s.webhook_url ? [`webhook ${urlOrigin(new URL(s.webhook_url))}`] : []),
  ].join(' · ');

/** With REDIS_URL and schedules in place, each time zone's digest schedule follows the subscriptions. */
async function syncSchedules(store: Awaited<ReturnType<typeof openApp>>) {
  const cfg = config();
  if (!cfg.REDIS_URL) {
    out('(without REDIS_URL no schedules were touched: in service mode, `pulse schedule` makes one digest schedule per time zone)');
    return;
  }
  const { openQueues } = await import('../jobs/queues.ts');
  const { syncSchedules: sync } = await import('../jobs/scheduler.ts');
  const queues = await openQueues(cfg, { role: 'command' });
  try {
    const zones = [...new Set((await listSubscriptions(store.db)).map((s) => s.timezone))];
    if (await sync(queues, cfg, zones)) out(`digest schedules updated for ${zones.join(', ') || cfg.PULSE_TIMEZONE}`);
  } finally {
    await queues.close();
  }
}
