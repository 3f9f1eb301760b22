import { cleanDay, cleanDecimal, cleanInt, cleanLabel, cleanPlatform, cleanText, toCents } from './clean-values.ts';
import { normaliseHeader, type Recognised } from './file-kinds.ts';
import { type CleanContext, columnsOf, EARLIEST_DAY, type RowCleaner, reject, tomorrow, type Value } from './row-cleaner.ts';

/**
 * An ad-campaign row as sql/load/ad_campaigns.sql reads it from load_rows. The ad key is
 * computed there, as earlier loads computed it: from the campaign, id and values as read
 * (spend_read … roi, decimal text, so numeric keeps their scale), so a row sent again finds
 * its stored self.
 */
export const AD_CAMPAIGN_COLUMNS = {
  ad_id: 'text',
  campaign: 'text',
  campaign_id: 'text',
  channel: 'text',
  category: 'text',
  day: 'date',
  impressions: 'bigint',
  clicks: 'bigint',
  conversions: 'bigint',
  leads: 'bigint',
  spend: 'numeric(14, 2)',
  revenue: 'numeric(14, 2)',
  spend_estimated: 'boolean',
  revenue_estimated: 'boolean',
  audience: 'text',
  spend_read: 'numeric',
  revenue_read: 'numeric',
  cpc: 'numeric',
  cpa: 'numeric',
  roi: 'numeric',
  quality_flag: 'text',
} as const;

/** The data-quality flag of a row loaded although it breaks the conversions ≤ clicks rule. */
export const CONVERSIONS_EXCEED_CLICKS = 'conversions_exceed_clicks';

/**
 * Whether the file is the KAG (Kaggle "sales conversion optimisation") Facebook export, known to
 * count conversions attributed after a view, without a click (its header has xyz_campaign_id,
 * fb_campaign_id, Total_Conversion and Approved_Conversion): its rows with more conversions than
 * clicks are loaded with a flag rather than rejected.
 */
export function reportsViewConversions(file: Recognised): boolean {
  const names = new Set(file.header.map(normaliseHeader));
  return ['xyz_campaign_id', 'fb_campaign_id', 'total_conversion', 'approved_conversion'].every((n) => names.has(n));
}

export interface AdFigures {
  clicks: number;
  conversions: number | null;
  spend: number | null;
  revenue: number | null;
  cpc: number | null;
  cpa: number | null;
  roi: number | null;
  revenuePerConversion: number | null;
}

/**
 * Spend and revenue a row leaves out, estimated only from what it carries (seed 002): spend
 * from clicks at their cost, else conversions at theirs, else revenue less the return on it;
 * revenue from spend plus that return, else conversions at the configured value. Unrounded.
 */
export function estimate(r: AdFigures): { spend: number | null; revenue: number | null } {
  const spend =
    r.spend ??
    (r.cpc !== null ? r.cpc * r.clicks : null) ??
    (r.cpa !== null && r.conversions !== null ? r.cpa * r.conversions : null) ??
    (r.revenue !== null && r.roi !== null && 1 + r.roi !== 0 ? r.revenue / (1 + r.roi) : null);
  const revenue =
    r.revenue ??
    (spend !== null && r.roi !== null ? spend * (1 + r.roi) : null) ??
    (r.conversions !== null && r.revenuePerConversion !== null ? r.conversions * r.revenuePerConversion : null);
  return { spend, revenue };
}

/** The channel named, else the platform a campaign name starts with ('fb_tier1' → Facebook). */
export function channelOf(channel: string | undefined, campaign: string | undefined): string | null {
  return cleanPlatform(channel) ?? cleanPlatform(campaign === undefined ? undefined : /^[A-Za-z]+/.exec(campaign)?.[0]);
}

const num = (decimal: string | null) => (decimal === null ? null : Number(decimal));
const roundedCents = (n: number | null) => (n === null ? null : toCents(n) / 100);

/**
 * Cleans ad-campaign rows: a campaign name or id, a date in range if any, readable counts and
 * amounts none of them negative; no clicks without impressions, no more clicks than impressions,
 * no more conversions than clicks (where conversions are exported; the KAG export's rows that
 * break this are loaded with a data-quality flag instead, see reportsViewConversions); spend and
 * revenue a row lacks are estimated from its rates (and flagged as estimates), and an estimated
 * spend must not be negative either. Rules are checked in that order, the first that fails is
 * the reason.
 */
export function adCampaignsCleaner(file: Recognised, ctx: CleanContext): RowCleaner {
  const { at, label } = columnsOf(file);
  const [
    iAd,
    iCampaign,
    iCampaignId,
    iChannel,
    iCategory,
    iDate,
    iImpressions,
    iClicks,
    iSpend,
    iConversions,
    iLeads,
    iRevenue,
    iCpc,
    iCpa,
    iRoi,
    iAge,
    iGender,
  ] = [
    'ad_id',
    'campaign',
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
  ].map(at) as number[];
  const latest = tomorrow(ctx.now);
  const revenuePerConversion = ctx.revenuePerConversion ?? null;
  const viewConversions = reportsViewConversions(file);
  return {
    columns: AD_CAMPAIGN_COLUMNS,
    clean(f) {
      const adId = cleanText(f[iAd!]);
      const campaign = cleanText(f[iCampaign!]);
      const campaignId = cleanText(f[iCampaignId!]);
      if (campaign === null && campaignId === null && adId === null)
        return reject(label('campaign'), null, 'is empty; a campaign name or id is required');
      // a row may have no date (null), not an unreadable one (undefined)
      const day = cleanDay(f[iDate!]);
      if (day === undefined) return reject(label('date'), f[iDate!], 'is not a date (use YYYY-MM-DD, M/D/YYYY or an ISO timestamp)');
      if (day !== null && (day < EARLIEST_DAY || day > latest))
        return reject(label('date'), f[iDate!], `is out of range (${EARLIEST_DAY} to tomorrow)`);
      const impressions = cleanInt(f[iImpressions!]);
      if (impressions === null || impressions === undefined) return reject(label('impressions'), f[iImpressions!], 'is not a whole number');
      const clicks = cleanInt(f[iClicks!]);
      if (clicks === null || clicks === undefined) return reject(label('clicks'), f[iClicks!], 'is not a whole number');
      const spend = cleanDecimal(f[iSpend!]);
      if (spend === undefined) return reject(label('spend'), f[iSpend!], 'is not a number');
      const conversions = cleanInt(f[iConversions!]);
      if (conversions === undefined) return reject(label('conversions'), f[iConversions!], 'is not a whole number');
      const revenue = cleanDecimal(f[iRevenue!]);
      if (revenue === undefined) return reject(label('revenue'), f[iRevenue!], 'is not a number');
      const negative = (column: string, i: number) => reject(label(column), f[i], `is negative; ${column} must be 0 or more`);
      if (impressions < 0) return negative('impressions', iImpressions!);
      if (clicks < 0) return negative('clicks', iClicks!);
      if ((num(spend) ?? 0) < 0) return negative('spend', iSpend!);
      if ((conversions ?? 0) < 0) return negative('conversions', iConversions!);
      if ((num(revenue) ?? 0) < 0) return negative('revenue', iRevenue!);
      if (impressions === 0 && clicks > 0) return reject(label('clicks'), f[iClicks!], 'are clicks without impressions (impressions is 0)');
      if (clicks > impressions) return reject(label('clicks'), f[iClicks!], `is more than the impressions (${impressions})`);
      let qualityFlag: string | null = null;
      if (conversions !== null && conversions > clicks) {
        if (!viewConversions) return reject(label('conversions'), f[iConversions!], `is more than the clicks (${clicks})`);
        qualityFlag = CONVERSIONS_EXCEED_CLICKS;
      }
      // unreadable rates are ignored: they only feed estimates
      const cpc = cleanDecimal(f[iCpc!]) ?? null;
      const cpa = cleanDecimal(f[iCpa!]) ?? null;
      const roi = cleanDecimal(f[iRoi!]) ?? null;
      const est = estimate({
        clicks,
        conversions,
        spend: num(spend),
        revenue: num(revenue),
        cpc: num(cpc),
        cpa: num(cpa),
        roi: num(roi),
        revenuePerConversion,
      });
      if (est.spend !== null && est.spend < 0)
        return reject(
          label('spend'),
          f[iSpend!] ?? null,
          `is estimated negative (${roundedCents(est.spend)}) from the row's rates; spend must be 0 or more`,
        );
      const age = cleanText(f[iAge!]);
      const gender = cleanText(f[iGender!]);
      const row: Value[] = [
        adId,
        campaign,
        campaignId,
        channelOf(f[iChannel!], f[iCampaign!]),
        cleanLabel(f[iCategory!]),
        day,
        impressions,
        clicks,
        conversions,
        cleanInt(f[iLeads!]) ?? null,
        // a stated amount goes in as read (numeric(14, 2) rounds it); an estimate rounded here
        spend ?? roundedCents(est.spend),
        revenue ?? roundedCents(est.revenue),
        spend === null && est.spend !== null,
        revenue === null && est.revenue !== null,
        age === null && gender === null ? null : [age, gender].filter((s) => s !== null).join(' '),
        spend,
        revenue,
        cpc,
        cpa,
        roi,
        qualityFlag,
      ];
      return row;
    },
  };
}
