import { describe, expect, it } from 'vitest';
import {
  type Condition,
  type DropRule,
  failedRunCondition,
  type LossMakerRow,
  lossMakerCondition,
  roasDropCondition,
  staleCondition,
  transitions,
  trueConditions,
  type WeeklyRoasRow,
} from './conditions.ts';

const lossMaker: LossMakerRow = {
  influencer_id: '17',
  name: '@ana',
  platform: 'Instagram',
  orders: 120,
  revenue: 41_000.4,
  payout: 50_000,
  roas: 0.820008,
  iroas: -0.35,
  iroas_method: 'holdout',
  iroas_holdout: -0.35,
  holdout_status: 'ok',
  iroas_holdout_low: -0.9,
  iroas_holdout_high: 0.2,
  loss_reasons: ['roas_below_1', 'likely losing money: 93 % one-sided P(iROAS < 0), holdout'],
  recommended_action: 'switch to pay-per-order at or below 341.67 per order',
};

// 25 orders a week at 4× for four weeks, then a week at 1.5×.
const week: WeeklyRoasRow = {
  entity: 'creator',
  id: '17',
  name: '@ana (Instagram)',
  week_orders: 12,
  week_revenue: 1_500,
  week_spend: 1_000,
  trailing_weeks: 4,
  trailing_min_orders: 25,
  trailing_revenue: 16_000,
  trailing_spend: 4_000,
  complete: true,
};
const rule: DropRule = { drop: 0.5, minOrders: 20, week: '2026-W46', trailingFrom: '2026-W42' };

describe('a creator turned loss-making', () => {
  it('keys on the creator and carries the evidence: ROAS with its sums, incremental ROAS with method and interval, reasons, action', () => {
    expect(lossMakerCondition(lossMaker)).toEqual({
      key: 'loss_maker:17',
      kind: 'loss_maker',
      subject: '@ana (Instagram)',
      title: 'Loss-maker: @ana (Instagram)',
      evidence: [
        'ROAS 0.82×: revenue 41,000 on payout 50,000, 120 orders',
        'Incremental ROAS -0.35× (holdout, 95 % interval -0.90× to 0.20×)',
        'Why: ROAS below 1; likely losing money: 93 % one-sided P(iROAS < 0), holdout',
        'Action: switch to pay-per-order at or below 341.67 per order',
      ],
    });
  });

  it('shows a ratio just below zero as such, not as -0.00×', () => {
    const baseline = { ...lossMaker, iroas_method: 'baseline', iroas_holdout: null, holdout_status: 'no_control' };
    expect(lossMakerCondition({ ...baseline, iroas: -0.00312 }).evidence[1]).toBe('Incremental ROAS -0.0031× (baseline)');
    expect(lossMakerCondition({ ...baseline, iroas: 0 }).evidence[1]).toBe('Incremental ROAS 0.00× (baseline)');
  });

  it('an underpowered holdout: its estimate and interval, said to be underpowered', () => {
    const c = lossMakerCondition({ ...lossMaker, iroas: null, iroas_method: null, holdout_status: 'underpowered', iroas_holdout: -0.6 });
    expect(c.evidence[1]).toBe('Incremental ROAS -0.60× (holdout, underpowered, 95 % interval -0.90× to 0.20×)');
  });

  it('says when the baseline decided (no control group), with no interval', () => {
    const c = lossMakerCondition({
      ...lossMaker,
      roas: 1.4,
      iroas: -0.1,
      iroas_method: 'baseline',
      iroas_holdout: null,
      holdout_status: 'no_control',
      iroas_holdout_low: null,
      iroas_holdout_high: null,
      loss_reasons: ['negative_incremental_roas'],
    });
    expect(c.evidence.slice(1, 3)).toEqual([
      'Incremental ROAS -0.10× (baseline)',
      'Why: incremental ROAS below 0 (baseline estimate: no control group)',
    ]);
  });
});

describe('weekly ROAS below a share of the four weeks before', () => {
  it('fires below drop × the trailing ratio of sums, with both weeks in the evidence', () => {
    const c = roasDropCondition(week, rule)!;
    expect(c.key).toBe('roas_drop:creator:17');
    expect(c.title).toBe('ROAS drop: @ana (Instagram), 1.50× in 2026-W46 against 4.00× before');
    expect(c.evidence).toEqual([
      '2026-W46: ROAS 1.50×, revenue 1,500 on payout 1,000, 12 orders',
      '2026-W42 to the week before: ROAS 4.00×, revenue 16,000 on payout 4,000, at least 25 orders every week',
      '38 % of its ROAS over the 4 weeks before; the alert is below 50 % (ALERT_DROP 0.5)',
    ]);
  });

  it('not at or above the share: 2.00× against 4.00× is exactly half', () => {
    expect(roasDropCondition({ ...week, week_revenue: 2_000 }, rule)).toBeNull();
    expect(roasDropCondition({ ...week, week_revenue: 1_999 }, rule)).not.toBeNull();
  });

  it('needs each of the four weeks before to have the minimum orders, not the week itself', () => {
    expect(roasDropCondition({ ...week, trailing_min_orders: 19 }, rule)).toBeNull();
    expect(roasDropCondition({ ...week, trailing_min_orders: 20 }, rule)).not.toBeNull();
    expect(roasDropCondition({ ...week, trailing_weeks: 3 }, rule)).toBeNull();
    expect(roasDropCondition({ ...week, trailing_min_orders: null, trailing_weeks: 0 }, rule)).toBeNull();
    // a week of no orders at all, still paid for: ROAS 0, the clearest drop
    expect(roasDropCondition({ ...week, week_orders: 0, week_revenue: 0 }, rule)?.title).toMatch(/0\.00× in 2026-W46/);
  });

  it('needs spend in the week and before, a positive trailing ROAS, and complete ad rows', () => {
    expect(roasDropCondition({ ...week, week_spend: 0, week_revenue: 0 }, rule)).toBeNull();
    expect(roasDropCondition({ ...week, trailing_spend: 0 }, rule)).toBeNull();
    expect(roasDropCondition({ ...week, trailing_revenue: 0 }, rule)).toBeNull();
    expect(roasDropCondition({ ...week, complete: false }, rule)).toBeNull();
  });

  it('names an ad channel with spend and conversions', () => {
    const c = roasDropCondition({ ...week, entity: 'channel', id: 'Facebook', name: 'Facebook' }, rule)!;
    expect(c.key).toBe('roas_drop:channel:Facebook');
    expect(c.subject).toBe('ad channel Facebook');
    expect(c.evidence[0]).toBe('2026-W46: ROAS 1.50×, revenue 1,500 on spend 1,000, 12 conversions');
  });
});

describe('no new data', () => {
  const days = { orders: '2026-11-15', posts: '2026-11-14', ads: null };
  it('after more than ALERT_STALE_DAYS whole days past the newest day', () => {
    expect(staleCondition(days, '2026-11-18', 3, 'UTC')).toBeNull();
    const c = staleCondition(days, '2026-11-19', 3, 'Europe/Berlin')!;
    expect(c).toEqual({
      key: 'stale',
      kind: 'stale',
      subject: 'the data',
      title: 'No new data since 2026-11-15',
      evidence: [
        'Newest day in the data: 2026-11-15 (orders 2026-11-15, posts 2026-11-14, ad campaigns –)',
        'Today (Europe/Berlin): 2026-11-19, 3 days without data; the alert is after 3 days (ALERT_STALE_DAYS)',
      ],
    });
  });

  it('the newest of any kind counts; nothing loaded is not stale', () => {
    expect(staleCondition({ orders: '2026-10-01', posts: null, ads: '2026-11-17' }, '2026-11-19', 3, 'UTC')).toBeNull();
    expect(staleCondition({ orders: null, posts: null, ads: null }, '2026-11-19', 3, 'UTC')).toBeNull();
    expect(staleCondition(days, '2026-11-17', 1, 'UTC')?.evidence[1]).toMatch(/1 day without data; the alert is after 1 day/);
  });
});

describe('a failed run', () => {
  it('keys on the run, with its trigger and times; the error stays in pulse status', () => {
    const c = failedRunCondition({
      run_id: 'r-1',
      trigger: 'schedule:etl',
      error: 'kpis: connection refused',
      started_at: '2026-11-17T02:00:04.120Z',
      finished_at: '2026-11-17T02:03:10.000Z',
    });
    expect(c).toEqual({
      key: 'run_failed:r-1',
      kind: 'run_failed',
      subject: 'run r-1',
      title: 'Run failed: schedule:etl, 2026-11-17 02:03 UTC',
      evidence: [
        'Run r-1 (schedule:etl) started 2026-11-17 02:00 UTC, failed 2026-11-17 02:03 UTC',
        'What failed and why: `pulse status` (or GET /runs/r-1)',
      ],
    });
  });
});

describe('trueConditions', () => {
  it('every kind, in a fixed order', () => {
    const got = trueConditions(
      {
        lossMakers: [lossMaker, { ...lossMaker, influencer_id: '03' }],
        weekly: [week, { ...week, id: '18', week_revenue: 3_000 }],
        dataDays: { orders: '2026-11-01', posts: null, ads: null },
        failedRuns: [{ run_id: 'r-1', trigger: 't', error: null, started_at: '2026-11-17T02:00:00Z', finished_at: '2026-11-17T02:01:00Z' }],
      },
      { ...rule, staleDays: 3, today: '2026-11-19', timeZone: 'UTC' },
    );
    expect(got.map((c) => c.key)).toEqual(['loss_maker:03', 'loss_maker:17', 'roas_drop:creator:17', 'stale', 'run_failed:r-1']);
  });
});

describe('transitions', () => {
  const c = (key: string): Condition => ({ key, kind: 'loss_maker', subject: key, title: key, evidence: [] });
  it('new → opened once; still true → kept; gone → cleared; back → the next occurrence', () => {
    const first = transitions([], [c('a'), c('b')]);
    expect(first.opened.map((o) => [o.condition.key, o.occurrence])).toEqual([
      ['a', 1],
      ['b', 1],
    ]);
    const again = transitions(
      [
        { key: 'a', state: 'active', occurrence: 1 },
        { key: 'b', state: 'active', occurrence: 1 },
      ],
      [c('a')],
    );
    expect(again).toEqual({ opened: [], kept: [c('a')], cleared: ['b'] });
    const back = transitions(
      [
        { key: 'a', state: 'active', occurrence: 1 },
        { key: 'b', state: 'cleared', occurrence: 1 },
      ],
      [c('a'), c('b')],
    );
    expect(back.opened.map((o) => [o.condition.key, o.occurrence])).toEqual([['b', 2]]);
    expect(back.kept.map((k) => k.key)).toEqual(['a']);
  });

  it('a cleared condition that stays false is left alone', () => {
    expect(transitions([{ key: 'a', state: 'cleared', occurrence: 3 }], [])).toEqual({ opened: [], kept: [], cleared: [] });
  });
});
