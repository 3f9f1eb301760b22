import {
  adChannelChart,
  adRoiCpcChart,
  adRoiTrendChart,
  type ChartSpec,
  lossByProductChart,
  modelComparisonChart,
  personaHeatmapChart,
  revenueVsPayoutChart,
  roasByPlatformChart,
  weeklyTrendChart,
} from './charts.ts';
import type { DigestData } from './digest-data.ts';
import type { RenderedChart } from './render-chart.ts';
import type { InlineChart, OmittedChart } from './render-email.ts';
import { TREND_WEEKS } from './theme.ts';

export interface DigestCharts {
  inline: InlineChart[];
  omitted: OmittedChart[];
  images: { cid: string; filename: string; png: Buffer }[];
}

/**
 * The digest's chart specs, in mail order, each under the title the mail uses when it has to
 * leave the chart out (a null chart: nothing to draw). The influencer charts come with influencer
 * data, the ad charts with ad campaigns.
 */
export function digestChartSpecs(d: DigestData): { title: string; chart: ChartSpec | null }[] {
  const influencerCharts: { title: string; chart: ChartSpec | null }[] = [
    {
      title: 'ROAS by platform',
      chart: roasByPlatformChart(d.platforms.map((p) => ({ platform: p.key, roas: p.roas, revenue: p.revenue, payout: p.payout }))),
    },
    {
      title: 'Revenue vs payout',
      chart: revenueVsPayoutChart(
        d.influencers
          .filter((i) => i.payout > 0 || i.revenue > 0)
          .map((i) => ({ name: i.name, revenue: i.revenue, payout: i.payout, cluster: i.cluster })),
      ),
    },
    {
      title: `${TREND_WEEKS}-week trend`,
      chart: weeklyTrendChart(
        d.trend.filter((w) => w.influencers > 0).map((w) => ({ week: w.week, revenue: w.revenue, payout: w.payout, roas: w.roas })),
      ),
    },
    { title: 'ROAS by persona', chart: personaHeatmapChart(d.personas) },
    {
      title: 'Loss by product',
      chart: lossByProductChart(
        d.products.filter((p) => p.loss_makers > 0 && p.loss > 0).map((p) => ({ product: p.key, loss: p.loss, lossMakers: p.loss_makers })),
      ),
    },
  ];
  const adCharts: { title: string; chart: ChartSpec | null }[] = [
    {
      title: 'Ad channels: ROI and CPA',
      chart: adChannelChart(d.adChannels.map((c) => ({ channel: c.channel, roi: c.roi, cpa: c.cpa, spend: c.spend }))),
    },
    {
      title: 'Ad ROI by week',
      chart: adRoiTrendChart(d.trend.filter((w) => w.ad_campaigns > 0).map((w) => ({ week: w.week, roi: w.ad_roi, spend: w.ad_spend }))),
    },
    // (segments exist once the clusters stage has run: without them there is nothing to leave out)
    ...(d.adSegmentPoints.length > 0 ? [{ title: 'Ad segments: ROI against CPC', chart: adRoiCpcChart(d.adSegmentPoints) }] : []),
  ];
  const modelCharts =
    d.modelCandidates.length > 0 ? [{ title: 'Models against their baselines', chart: modelComparisonChart(d.modelCandidates) }] : [];
  return [...(d.influencers.length > 0 ? influencerCharts : []), ...(d.adCampaigns.length > 0 ? adCharts : []), ...modelCharts];
}

/**
 * Builds the digest's charts from its data and has them drawn (`render`: by the renderer process,
 * src/report/renderer.ts); empty ones are listed as omitted.
 */
export async function digestCharts(
  d: DigestData,
  render: (charts: ChartSpec[]) => Promise<Omit<ChartSpec & RenderedChart, 'spec' | 'svg'>[]>,
): Promise<DigestCharts> {
  const candidates = digestChartSpecs(d);
  const out: DigestCharts = { inline: [], omitted: [], images: [] };
  for (const { title, chart } of candidates) if (!chart) out.omitted.push({ title, reason: 'no data for it yet' });
  // rendered together: one chart's rasterising (libuv's pool) overlaps the next one's layout
  for (const chart of await render(candidates.flatMap((c) => (c.chart ? [c.chart] : [])))) {
    const cid = `${chart.id}@campaign-pulse`;
    out.inline.push({ cid, title: chart.title, alt: chart.alt, width: chart.width, height: chart.height });
    // (from the renderer process, a Buffer arrives as a Uint8Array)
    out.images.push({ cid, filename: `${chart.id}.png`, png: Buffer.from(chart.png) });
  }
  return out;
}
