// ops.subscriptions: who gets the digest of which slice, and alerts (issue 18). The CLI and the
// HTTP API both add through `addSubscription`, so both refuse the same things in the same words.
import { sql } from 'kysely';
import { z } from 'zod';
import { timeZone } from '../config.ts';
import { InputError } from '../errors.ts';
import { checkSlice, DIGEST_TO_NAME, isSliceKey, type Slice, type SliceKey, sliceKeys } from '../pipeline/shared/slice.ts';
import { checkWebhookUrl, urlOrigin } from '../pipeline/shared/webhook-url.ts';
import type { DbOrTrx } from './database.ts';

export const cadences = ['weekly', 'alerts', 'both'] as const;
export type Cadence = (typeof cadences)[number];

export interface Subscription {
  name: string;
  recipients: string[];
  slice: Slice;
  cadence: Cadence;
  timezone: string;
  webhook_url: string | null;
}

const sliceValues = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).transform((v) => (Array.isArray(v) ? v : v.split(',')));

/** What a new subscription is made of; the CLI and the HTTP API validate with this. */
export const subscriptionInput = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lower-case letters, digits, - and _ (at most 63), starting with a letter or digit'),
    to: z.array(z.email('must be an e-mail address')).default([]),
    where: z
      .record(z.string(), sliceValues)
      .default({})
      .superRefine((w, ctx) => {
        for (const k of Object.keys(w))
          if (!isSliceKey(k)) ctx.addIssue({ code: 'custom', message: `unknown key ${k}; keys are ${sliceKeys.join(', ')}` });
      }),
    cadence: z.enum(cadences, { message: `must be one of ${cadences.join(', ')}` }).default('weekly'),
    timezone: timeZone.optional(),
    webhook: z
      .string()
      .optional()
      .superRefine((u, ctx) => {
        if (u === undefined) return;
        try {
          checkWebhookUrl(u);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message });
        }
      }),
  })
  .strict()
  .refine((s) => s.to.length > 0 || s.webhook, { message: 'give recipients (to) or a webhook', path: ['to'] });
export type SubscriptionInput = z.input<typeof subscriptionInput>;

/** While no subscription is stored, DIGEST_TO is one unfiltered subscription, for the digest and the alerts. */
export const digestToSubscription = (
  config: { DIGEST_TO: string[]; PULSE_TIMEZONE: string },
  recipients = config.DIGEST_TO,
): Subscription => ({
  name: DIGEST_TO_NAME,
  recipients,
  slice: {},
  cadence: 'both',
  timezone: config.PULSE_TIMEZONE,
  webhook_url: null,
});

/** Every value each slice key has in the marts (what a subscription may ask for). */
export async function knownSliceValues(db: DbOrTrx): Promise<Record<SliceKey, string[]>> {
  const r = await sql<{ key: SliceKey; values: string[] | null }>`
    SELECT 'platform' AS key, array_agg(platform ORDER BY platform) AS values FROM mart.platform_kpis
    UNION ALL SELECT 'category', array_agg(category ORDER BY category) FROM mart.category_kpis
    UNION ALL SELECT 'gender', array_agg(DISTINCT gender ORDER BY gender) FROM mart.persona_kpis
    UNION ALL SELECT 'tier', array_agg(DISTINCT tier ORDER BY tier) FROM mart.influencer_kpis WHERE tier IS NOT NULL
    UNION ALL SELECT 'product', array_agg(product ORDER BY product) FROM mart.product_kpis
    UNION ALL SELECT 'campaign', array_agg(DISTINCT campaign ORDER BY campaign)
              FROM (SELECT campaign FROM mart.campaign_kpis UNION SELECT campaign FROM mart.ad_campaign_totals) c
    UNION ALL SELECT 'channel', array_agg(channel ORDER BY channel) FROM mart.ad_channel_kpis`.execute(db);
  const known = Object.fromEntries(sliceKeys.map((k) => [k, [] as string[]])) as Record<SliceKey, string[]>;
  for (const row of r.rows) known[row.key] = row.values ?? [];
  return known;
}

/** Validates and stores a subscription; InputError for anything wrong (each problem named). */
export async function addSubscription(db: DbOrTrx, input: unknown, defaultTimezone: string): Promise<Subscription> {
  const parsed = subscriptionInput.safeParse(input);
  if (!parsed.success)
    throw new InputError(`subscription: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}`);
  const s = parsed.data;
  const checked = checkSlice(s.where as Slice, await knownSliceValues(db));
  if ('problems' in checked) throw new InputError(`subscription ${s.name}: ${checked.problems.join('; ')}`);
  const row = await db
    .insertInto('ops.subscriptions')
    .values({
      name: s.name,
      recipients: [...new Set(s.to)],
      slice: JSON.stringify(checked.slice),
      cadence: s.cadence,
      timezone: s.timezone ?? defaultTimezone,
      webhook_url: s.webhook ?? null,
    })
    .onConflict((oc) => oc.column('name').doNothing())
    .returning(['name'])
    .executeTakeFirst();
  if (!row) throw new InputError(`subscription ${s.name} exists; remove it first to change it`);
  return (await listSubscriptions(db, { name: s.name }))[0]!;
}

export async function listSubscriptions(db: DbOrTrx, opts: { name?: string } = {}): Promise<Subscription[]> {
  let q = db.selectFrom('ops.subscriptions').select(['name', 'recipients', 'slice', 'cadence', 'timezone', 'webhook_url']).orderBy('name');
  if (opts.name !== undefined) q = q.where('name', '=', opts.name);
  return (await q.execute()).map((r) => ({ ...r, slice: r.slice as Slice, cadence: r.cadence as Cadence }));
}

/** True when it existed. Its digest history in ops.digests stays; its alert state (and alert deliveries) go. */
export async function removeSubscription(db: DbOrTrx, name: string): Promise<boolean> {
  await db.deleteFrom('ops.alerts').where('subscription', '=', name).execute();
  const r = await db.deleteFrom('ops.subscriptions').where('name', '=', name).executeTakeFirst();
  return r.numDeletedRows > 0n;
}

/** What the HTTP API shows of a subscription: a webhook's path is its credential, so only its origin. */
export const publicView = (s: Subscription) => ({ ...s, webhook_url: s.webhook_url ? urlOrigin(new URL(s.webhook_url)) : null });
