import { describe, expect, it } from 'vitest';
import {
  AD_CAMPAIGN_COLUMNS,
  type AdFigures,
  adCampaignsCleaner,
  CONVERSIONS_EXCEED_CLICKS,
  channelOf,
  estimate,
  reportsViewConversions,
} from './clean-ad-campaigns.ts';
import { recogniseHeader } from './file-kinds.ts';
import type { CleanContext, Reject, Value } from './row-cleaner.ts';

const HEADER = [
  'ad_id',
  'campaign_name',
  'campaign_id',
  'channel',
  'category',
  'date',
  'impressions',
  'clicks',
  'spend',
  'conversions',
  'leads',
  'revenue',
  'cpc',
  'cpa',
  'roi',
  'age',
  'gender',
];
const good: Record<string, string> = {
  ad_id: '7',
  campaign_name: 'fb_tier1',
  campaign_id: '349043',
  channel: 'facebook',
  category: 'social',
  date: '2/1/2021',
  impressions: '148263',
  clicks: '1210',
  spend: '7307.37',
  conversions: '13',
  leads: '1',
  revenue: '4981',
  cpc: '',
  cpa: '',
  roi: '',
  age: '',
  gender: '',
};
const ctx: CleanContext = { now: new Date('2025-07-01T12:00:00Z'), knownInfluencers: new Set() };

function clean(cells: Record<string, string>, context = ctx): Value[] | Reject {
  const r = recogniseHeader(HEADER);
  if (!r.ok || r.file.kind !== 'ad_campaigns') throw new Error('not an ad-campaign header');
  const row = { ...good, ...cells };
  return adCampaignsCleaner(r.file, context).clean(HEADER.map((c) => row[c]!));
}

/** The cleaned row by column name. */
function cleaned(cells: Record<string, string>, context = ctx): Record<string, Value> {
  const row = clean(cells, context);
  if (!Array.isArray(row)) throw new Error(`rejected: ${JSON.stringify(row)}`);
  return Object.fromEntries(Object.keys(AD_CAMPAIGN_COLUMNS).map((c, i) => [c, row[i]!]));
}

describe('ad-campaign cleaner', () => {
  it('cleans a good row, stated amounts as read', () => {
    expect(cleaned({})).toEqual({
      ad_id: '7',
      campaign: 'fb_tier1',
      campaign_id: '349043',
      channel: 'Facebook',
      category: 'Social',
      day: '2021-02-01',
      impressions: 148263,
      clicks: 1210,
      conversions: 13,
      leads: 1,
      spend: '7307.37',
      revenue: '4981',
      spend_estimated: false,
      revenue_estimated: false,
      audience: null,
      spend_read: '7307.37',
      revenue_read: '4981',
      cpc: null,
      cpa: null,
      roi: null,
      quality_flag: null,
    });
  });

  it('needs a campaign name or an id', () => {
    expect(clean({ ad_id: ' ', campaign_name: '', campaign_id: '' })).toEqual({
      column: 'campaign_name',
      value: null,
      reason: 'is empty; a campaign name or id is required',
    });
    expect(cleaned({ ad_id: '', campaign_name: '' }).campaign_id).toBe('349043');
  });

  it('takes a missing date, not an unreadable or out-of-range one', () => {
    expect(cleaned({ date: '' }).day).toBeNull();
    expect(clean({ date: '31/1/2021' })).toEqual({
      column: 'date',
      value: '31/1/2021',
      reason: 'is not a date (use YYYY-MM-DD, M/D/YYYY or an ISO timestamp)',
    });
    expect(clean({ date: '2025-07-03' })).toEqual({
      column: 'date',
      value: '2025-07-03',
      reason: 'is out of range (2000-01-01 to tomorrow)',
    });
  });

  it('needs impressions and clicks; other figures may be missing but not unreadable', () => {
    expect(clean({ impressions: '' })).toEqual({ column: 'impressions', value: '', reason: 'is not a whole number' });
    expect(clean({ clicks: '1.5' })).toEqual({ column: 'clicks', value: '1.5', reason: 'is not a whole number' });
    expect(clean({ spend: 'lots' })).toEqual({ column: 'spend', value: 'lots', reason: 'is not a number' });
    expect(clean({ conversions: 'two' })).toEqual({ column: 'conversions', value: 'two', reason: 'is not a whole number' });
    expect(clean({ revenue: '?' })).toEqual({ column: 'revenue', value: '?', reason: 'is not a number' });
    expect(cleaned({ spend: '', conversions: '', revenue: '', leads: 'n/a' })).toMatchObject({
      spend: null,
      conversions: null,
      revenue: null,
      leads: null,
    });
  });

  it('rejects a negative figure, naming its column', () => {
    const rows: [string, string][] = [
      ['impressions', '-1'],
      ['clicks', '-1'],
      ['spend', '(3)'],
      ['conversions', '-1'],
      ['revenue', '-0.01'],
    ];
    for (const [column, value] of rows)
      expect(clean({ [column]: value })).toEqual({ column, value, reason: `is negative; ${column} must be 0 or more` });
    // nor may spend estimated from a negative rate be negative
    expect(clean({ spend: '', cpc: '-0.5' })).toEqual({
      column: 'spend',
      value: '',
      reason: "is estimated negative (-605) from the row's rates; spend must be 0 or more",
    });
  });

  it('rejects clicks without impressions, more clicks than impressions, more conversions than clicks', () => {
    expect(clean({ impressions: '0', clicks: '3' })).toEqual({
      column: 'clicks',
      value: '3',
      reason: 'are clicks without impressions (impressions is 0)',
    });
    expect(clean({ impressions: '10', clicks: '11' })).toEqual({
      column: 'clicks',
      value: '11',
      reason: 'is more than the impressions (10)',
    });
    expect(clean({ clicks: '12', conversions: '13' })).toEqual({
      column: 'conversions',
      value: '13',
      reason: 'is more than the clicks (12)',
    });
    // the limits themselves are fine, and conversions not exported are not compared
    expect(cleaned({ impressions: '0', clicks: '0', conversions: '0' }).quality_flag).toBeNull();
    expect(cleaned({ impressions: '12', clicks: '12', conversions: '12' }).quality_flag).toBeNull();
    expect(cleaned({ clicks: '0', conversions: '' }).conversions).toBeNull();
  });

  it("flags, not rejects, the KAG export's conversions without clicks", () => {
    const kag = [
      'ad_id',
      'xyz_campaign_id',
      'fb_campaign_id',
      'age',
      'gender',
      'interest',
      'Impressions',
      'Clicks',
      'Spent',
      'Total_Conversion',
      'Approved_Conversion',
    ];
    const r = recogniseHeader(['\uFEFFad_id', ...kag.slice(1)]);
    if (!r.ok || r.file.kind !== 'ad_campaigns') throw new Error('not an ad-campaign header');
    expect(reportsViewConversions(r.file)).toBe(true);
    const cleaner = adCampaignsCleaner(r.file, ctx);
    const row = (cells: string[]) => {
      const out = cleaner.clean(cells);
      if (!Array.isArray(out)) return out;
      return Object.fromEntries(Object.keys(AD_CAMPAIGN_COLUMNS).map((c, i) => [c, out[i]!]));
    };
    expect(row(['708820', '916', '103928', '30-34', 'F', '29', '1915', '0', '0', '2', '1'])).toMatchObject({
      clicks: 0,
      conversions: 2,
      quality_flag: CONVERSIONS_EXCEED_CLICKS,
    });
    expect(row(['708746', '916', '103916', '30-34', 'M', '15', '7350', '1', '1.429999948', '1', '1'])).toMatchObject({
      quality_flag: null,
    });
    // the other rules still hold there
    expect(row(['708746', '916', '103916', '30-34', 'M', '15', '0', '1', '1.43', '2', '1'])).toMatchObject({ column: 'Clicks' });
    // another export with the same figures is rejected
    const other = recogniseHeader(['ad_id', 'campaign_name', 'impressions', 'clicks', 'spend', 'conversions']);
    if (!other.ok) throw new Error('not recognised');
    expect(reportsViewConversions(other.file)).toBe(false);
    expect(adCampaignsCleaner(other.file, ctx).clean(['1', 'fb_x', '1915', '0', '0', '2'])).toMatchObject({ column: 'conversions' });
  });

  it('checks in the order the SQL did', () => {
    expect(clean({ date: 'x', impressions: '' })).toMatchObject({ column: 'date' });
    expect(clean({ impressions: '', clicks: '' })).toMatchObject({ column: 'impressions' });
    expect(clean({ spend: 'x', revenue: 'x' })).toMatchObject({ column: 'spend' });
    expect(clean({ revenue: 'x', impressions: '-1' })).toMatchObject({ column: 'revenue' });
  });

  it('estimates missing spend and revenue, rounded to cents, and flags them', () => {
    const fromCpc = cleaned({ spend: '', revenue: '', clicks: '3', conversions: '1', cpc: '0.005', roi: '1.5' });
    // 0.015 rounds half away from zero, as round(numeric, 2) did; revenue is 0.015 × 2.5
    expect(fromCpc).toMatchObject({
      spend: 0.02,
      revenue: 0.04,
      spend_estimated: true,
      revenue_estimated: true,
      spend_read: null,
      cpc: '0.005',
      roi: '1.5',
    });
    expect(cleaned({ spend: '', clicks: '10', cpa: '12.5', conversions: '4' })).toMatchObject({
      spend: 50,
      spend_estimated: true,
      revenue: '4981',
      revenue_estimated: false,
    });
    expect(cleaned({ spend: '', clicks: '10', conversions: '4', cpc: '1', cpa: '12.5' })).toMatchObject({ spend: 10 });
    expect(cleaned({ spend: '', revenue: '300', roi: '0.5' })).toMatchObject({ spend: 200, spend_estimated: true });
    expect(cleaned({ spend: '', revenue: '100', roi: '2' })).toMatchObject({ spend: 33.33 });
    expect(cleaned({ spend: '', revenue: '300', roi: '-1' })).toMatchObject({ spend: null, spend_estimated: false });
    expect(cleaned({ spend: '', revenue: '' })).toMatchObject({
      spend: null,
      revenue: null,
      spend_estimated: false,
      revenue_estimated: false,
    });
  });

  it('estimates revenue from conversions only at a configured value', () => {
    expect(cleaned({ revenue: '', conversions: '13' })).toMatchObject({ revenue: null, revenue_estimated: false });
    expect(cleaned({ revenue: '', conversions: '13' }, { ...ctx, revenuePerConversion: 40.005 })).toMatchObject({
      revenue: 520.07,
      revenue_estimated: true,
    });
    // a return on spend comes first
    expect(cleaned({ revenue: '', roi: '0.1' }, { ...ctx, revenuePerConversion: 40 })).toMatchObject({
      revenue: 8038.11,
      revenue_estimated: true,
    });
  });

  it('guesses the channel and joins the audience', () => {
    expect(cleaned({ channel: 'IG' }).channel).toBe('Instagram');
    expect(cleaned({ channel: '', campaign_name: 'yt_launch' }).channel).toBe('YouTube');
    expect(channelOf('', 'facebOOK_tier2')).toBe('Facebook');
    expect(channelOf(undefined, 'Summer Sale')).toBe('Summer');
    expect(channelOf('', ' fb_tier1')).toBeNull();
    expect(channelOf('', '2024 launch')).toBeNull();
    expect(cleaned({ age: ' 25-34 ', gender: 'M' }).audience).toBe('25-34 M');
    expect(cleaned({ age: '', gender: 'F' }).audience).toBe('F');
    expect(cleaned({ age: ' ', gender: '' }).audience).toBeNull();
  });
});

describe('estimate', () => {
  const none: AdFigures = {
    clicks: 0,
    conversions: null,
    spend: null,
    revenue: null,
    cpc: null,
    cpa: null,
    roi: null,
    revenuePerConversion: null,
  };

  it('prefers what is stated, then clicks, conversions, revenue', () => {
    expect(estimate({ ...none, spend: 5, clicks: 10, cpc: 1 })).toEqual({ spend: 5, revenue: null });
    expect(estimate({ ...none, clicks: 10, cpc: 1, cpa: 2, conversions: 3 })).toEqual({ spend: 10, revenue: null });
    expect(estimate({ ...none, cpa: 2, conversions: 3 })).toEqual({ spend: 6, revenue: null });
    expect(estimate({ ...none, cpa: 2 })).toEqual({ spend: null, revenue: null });
    expect(estimate({ ...none, revenue: 30, roi: 2 })).toEqual({ spend: 10, revenue: 30 });
  });

  it('takes revenue from the unrounded spend', () => {
    expect(estimate({ ...none, clicks: 3, cpc: 0.005, roi: 1 }).revenue).toBeCloseTo(0.03, 12);
    expect(estimate({ ...none, conversions: 4, revenuePerConversion: 2.5 }).revenue).toBe(10);
  });
});
