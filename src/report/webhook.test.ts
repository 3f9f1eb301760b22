// The webhook's pure parts: which URLs it posts to, the signature check, and the Slack messages.
// Messages are built from a digest model the digest itself would build (buildDigestModel over a
// small week), and checked against Block Kit's shapes and limits.
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { parsePeriod } from '../pipeline/shared/calendar.ts';
import type { DigestData, InfluencerRow, LossMakerRow, WeekRow } from './digest-data.ts';
import { buildDigestModel } from './digest-model.ts';
import { alertWebhookMessage, checkWebhookUrl, digestWebhookMessage, verifySignature, type WebhookMessage } from './webhook.ts';

describe('checkWebhookUrl', () => {
  it('takes https anywhere and http on loopback hosts only', () => {
    expect(checkWebhookUrl('https://hooks.slack.com/x').host).toBe('hooks.slack.com');
    expect(checkWebhookUrl('http://127.0.0.1:9/x').port).toBe('9');
    expect(checkWebhookUrl('http://127.8.9.10/x').hostname).toBe('127.8.9.10');
    expect(checkWebhookUrl('http://localhost/x').hostname).toBe('localhost');
    expect(checkWebhookUrl('http://[::1]:8080/x').hostname).toBe('[::1]');
  });

  it('refuses http elsewhere, other schemes and non-URLs, saying what is allowed and never the secret path', () => {
    for (const url of [
      'http://example.com/x',
      'ftp://files.example.com/x',
      'http://128.0.0.1/x',
      'http://localhost.example.com/x',
      'http://127.0.0.1.nip.io/x',
      'file:///etc/passwd',
      'hooks.slack.com/services/T0/B0/SECRETPATH',
    ]) {
      expect(() => checkWebhookUrl(url), url).toThrow(InputError);
      expect(() => checkWebhookUrl(url), url).toThrow(
        /must start with https:\/\/, or http:\/\/ on a loopback host \(127\.0\.0\.0\/8, ::1, localhost\)/,
      );
    }
    expect(() => checkWebhookUrl('http://example.com/services/T0/B0/SECRETPATH')).toThrow(/^webhook URL http:\/\/example\.com refused/);
    expect(() => checkWebhookUrl('http://example.com/services/T0/B0/SECRETPATH')).not.toThrow(/SECRETPATH/);
  });
});

describe('verifySignature', () => {
  const secret = 'webhook-secret-0123456789';
  const body = '{"text":"Week 46"}';
  const header = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

  it('accepts the HMAC-SHA256 of the exact body, as string or bytes', () => {
    expect(verifySignature(body, header, secret)).toBe(true);
    expect(verifySignature(Buffer.from(body), header, secret)).toBe(true);
    expect(verifySignature(body, header.toUpperCase().replace('SHA256=', 'sha256='), secret)).toBe(true);
  });

  it('rejects another body, another secret, a missing, malformed or padded header', () => {
    expect(verifySignature(`${body} `, header, secret)).toBe(false);
    expect(verifySignature(body, header, `${secret}x`)).toBe(false);
    expect(verifySignature(body, undefined, secret)).toBe(false);
    expect(verifySignature(body, header.slice(7), secret)).toBe(false);
    expect(verifySignature(body, `${header}zz`, secret)).toBe(false);
    expect(verifySignature(body, header.slice(0, -2), secret)).toBe(false);
    expect(verifySignature(body, `sha1=${header.slice(7)}`, secret)).toBe(false);
  });
});

// A week with five influencers, three of them loss-makers (one with a name holding mrkdwn's
// control characters), and the week before for the tiles' changes.
const week = (label: string, revenue: number, payout: number): WeekRow => ({
  week: label,
  week_start: parsePeriod(label).start,
  influencers: 5,
  orders: revenue / 100,
  revenue,
  payout,
  roas: revenue / payout,
  iroas_baseline: null,
  ad_campaigns: 0,
  ad_spend: 0,
  ad_revenue: null,
  ad_conversions: 0,
  ad_roi: null,
  ad_cpa: null,
  ad_spend_change: null,
  ad_revenue_change: null,
  ad_roi_change: null,
  ad_cpa_change: null,
});
const influencer = (id: string, name: string, revenue: number, payout: number): InfluencerRow => ({
  influencer_id: id,
  name,
  platform: 'Instagram',
  category: 'Fitness',
  gender: null,
  tier: null,
  orders: revenue / 100,
  revenue,
  payout,
  payout_basis: 'post',
  payout_rate: null,
  roas: revenue / payout,
  roi: (revenue - payout) / payout,
  engagement_rate: null,
  cost_per_order: null,
  iroas: null,
  iroas_method: null,
  iroas_baseline: null,
  iroas_holdout: null,
  iroas_holdout_low: null,
  iroas_holdout_high: null,
  holdout_status: 'none',
  is_loss_maker: revenue < payout,
  loss_reasons: revenue < payout ? ['roas_below_1'] : [],
  break_even_rate_per_order: null,
  cluster: null,
  p_profitable: null,
});
const hostileName = 'Tom & Jerry <!channel> <https://evil.example|click>';
const influencers = [
  influencer('i1', 'Asha', 90_000, 10_000),
  influencer('i2', 'Bilal', 40_000, 20_000),
  influencer('i3', hostileName, 5_000, 12_000),
  influencer('i4', 'Chen', 3_000, 9_000),
  influencer('i5', 'Dana', 1_000, 2_000),
];
const lossMakers: LossMakerRow[] = influencers
  .filter((i) => i.is_loss_maker)
  .sort((a, b) => b.payout - b.revenue - (a.payout - a.revenue))
  .map((i) => ({
    ...i,
    recommended_action: 'Switch to pay-per-order at ≤ break-even rate',
  }));
const data: DigestData = {
  period: parsePeriod('2026-W46'),
  scope: { label: '', creators: true, ads: true, totals: null, note: null },
  latestWeek: '2026-W46',
  week: week('2026-W46', 139_000, 53_000),
  previous: week('2026-W45', 120_000, 50_000),
  trend: [],
  influencers,
  lossMakers,
  adCampaigns: [],
  adChannels: [],
  platforms: [],
  categories: [],
  products: [],
  personas: [],
  quality: { files: 3, rows_loaded: 1390, rows_rejected: 0, rows_duplicate: 0, last_run: null, skipped_files: 0 },
  models: [],
  modelCandidates: [],
  clusters: [],
  adSegments: [],
  adSegmentPoints: [],
  next: { testPlans: [], budgetMoves: [], budgetSummary: null },
};

/** Block Kit's rules for the blocks these messages use; the problems found, [] when valid. */
function blockProblems(m: WebhookMessage): string[] {
  const out: string[] = [];
  const text = (t: unknown, at: string, types: string[], max: number) => {
    const o = t as { type?: unknown; text?: unknown };
    if (!types.includes(o?.type as string)) out.push(`${at}: text type ${String(o?.type)}`);
    if (typeof o?.text !== 'string' || o.text.length === 0 || o.text.length > max) out.push(`${at}: text length ${String(o?.text).length}`);
  };
  if (m.blocks.length === 0 || m.blocks.length > 50) out.push(`${m.blocks.length} blocks`);
  m.blocks.forEach((b, i) => {
    const block = b as { type?: unknown; text?: unknown; fields?: unknown[] };
    if (block.type === 'header') text(block.text, `block ${i}`, ['plain_text'], 150);
    else if (block.type === 'section') {
      if (block.text === undefined && block.fields === undefined) out.push(`block ${i}: section without text or fields`);
      if (block.text !== undefined) text(block.text, `block ${i}`, ['mrkdwn', 'plain_text'], 3000);
      if (block.fields !== undefined) {
        if (block.fields.length === 0 || block.fields.length > 10) out.push(`block ${i}: ${block.fields.length} fields`);
        block.fields.forEach((f, j) => text(f, `block ${i} field ${j}`, ['mrkdwn', 'plain_text'], 2000));
      }
    } else out.push(`block ${i}: type ${String(block.type)}`);
  });
  return out;
}

const texts = (m: WebhookMessage) => JSON.stringify(m.blocks);
const mrkdwnTexts = (m: WebhookMessage): string[] =>
  m.blocks.flatMap((b) => {
    const block = b as { text?: { type: string; text: string }; fields?: { text: string }[] };
    return [...(block.text?.type === 'mrkdwn' ? [block.text.text] : []), ...(block.fields ?? []).map((f) => f.text)];
  });

describe('digestWebhookMessage', () => {
  const model = buildDigestModel(data, { minWinnerSpend: 1000 });

  it('sends the subject as text and header, the tiles as fields, the loss-makers and the link', () => {
    expect(model.subject).toMatch(/^Week 46: ROAS 2\.6× .*3 loss-makers$/);
    const m = digestWebhookMessage(model, { link: 'https://pulse.example.com/digests/2026-W46?view=full&x=1' });
    expect(blockProblems(m)).toEqual([]);
    expect(m.text).toContain(model.subject);
    expect(m.blocks[0]).toEqual({ type: 'header', text: { type: 'plain_text', text: model.subject } });
    expect(m.blocks[1]).toMatchObject({
      type: 'section',
      fields: model.tiles.map((t) => ({ type: 'mrkdwn', text: expect.stringContaining(`*${t.label}*\n${t.value}`) })),
    });
    expect((m.blocks[1] as { fields: unknown[] }).fields).toHaveLength(4);
    const lossText = mrkdwnTexts(m).find((t) => t.startsWith('*Loss-makers*'))!;
    expect(lossText.split('\n')).toHaveLength(4);
    for (const name of ['Chen', 'Dana'])
      expect(lossText).toMatch(new RegExp(`• \\*${name}\\* \\(Instagram\\): ROAS below 1, loss [\\d,]+\\. Switch to pay-per-order`));
    expect(texts(m)).toContain('<https://pulse.example.com/digests/2026-W46?view=full&amp;x=1|Open the full digest>');
  });

  it('escapes names, so a name can neither mention a channel nor forge a link', () => {
    const all = mrkdwnTexts(digestWebhookMessage(model)).join('\n');
    expect(all).toContain('Tom &amp; Jerry &lt;!channel&gt; &lt;https://evil.example|click&gt;');
    expect(all).not.toMatch(/<!channel>|<https:\/\/evil/);
    expect(texts(digestWebhookMessage(model))).not.toContain('Open the full digest');
  });

  it('shows 5 loss-makers of many with the count, and keeps Block Kit limits for long text', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ ...model.lossMakers[0]!, name: `${'Creator & Co '.repeat(60)}${i}` }));
    const long = { ...model, subject: `${model.subject} ${'and more '.repeat(40)}`, lossMakers: many, lossMakersTotal: 40 };
    const m = digestWebhookMessage(long);
    expect(blockProblems(m)).toEqual([]);
    const lossText = mrkdwnTexts(m).find((t) => t.startsWith('*Loss-makers*'))!;
    expect(lossText).toMatch(/^\*Loss-makers\* \(5 of 40\)/);
    expect(lossText.length).toBeLessThanOrEqual(3000);
    expect(lossText.length).toBeGreaterThan(2990);
    expect(lossText).toMatch(/…$/);
    expect(lossText).not.toMatch(/&[a-z]{0,3}…$/);
    expect((m.blocks[0] as { text: { text: string } }).text.text).toHaveLength(150);
  });

  it('an empty week: the notice, no tiles and no loss-makers', () => {
    const empty = buildDigestModel(
      { ...data, week: undefined, previous: undefined, influencers: [], lossMakers: [] },
      { minWinnerSpend: 1000 },
    );
    const m = digestWebhookMessage(empty);
    expect(blockProblems(m)).toEqual([]);
    expect(m.blocks).toHaveLength(2);
    expect(mrkdwnTexts(m)[0]).toMatch(/^No orders, posts, payouts or ad-campaign rows were loaded for 2026-W46/);
  });

  it('refuses a link that is no http(s) URL', () => {
    expect(() => digestWebhookMessage(model, { link: 'javascript:alert(1)' })).toThrow(InputError);
    expect(() => digestWebhookMessage(model, { link: 'not a url' })).toThrow(InputError);
  });
});

describe('alertWebhookMessage', () => {
  it('has the title as header and text, the evidence as escaped lines, the link', () => {
    const m = alertWebhookMessage({
      title: 'Asha: incremental return likely negative',
      lines: ['iROAS -0.40× (95% CI -0.90 to -0.10)', 'payout 12,000 > revenue <5,000> & falling'],
      link: 'http://localhost:3000/creators/i1',
    });
    expect(blockProblems(m)).toEqual([]);
    expect(m.text).toBe('Asha: incremental return likely negative');
    expect(m.blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Asha: incremental return likely negative' } },
      {
        type: 'section',
        text: { type: 'mrkdwn', text: '• iROAS -0.40× (95% CI -0.90 to -0.10)\n• payout 12,000 &gt; revenue &lt;5,000&gt; &amp; falling' },
      },
      { type: 'section', text: { type: 'mrkdwn', text: '<http://localhost:3000/creators/i1|Open in campaign-pulse>' } },
    ]);
  });

  it('without lines or link: the header alone (Slack refuses an empty section)', () => {
    const m = alertWebhookMessage({ title: 'No new data for 3 days', lines: [] });
    expect(m.blocks).toEqual([{ type: 'header', text: { type: 'plain_text', text: 'No new data for 3 days' } }]);
    expect(blockProblems(m)).toEqual([]);
  });
});
