import { lossByProductChart, personaHeatmapChart, revenueVsPayoutChart, roasByPlatformChart, weeklyTrendChart } from './charts.ts';
import type { DigestData } from './digest-data.ts';
import { renderCharts } from './render-chart.ts';
import type { InlineChart, OmittedChart } from './render-email.ts';
import { TREND_WEEKS } from './theme.ts';

export interface DigestCharts {
  inline: InlineChart[];
  omitted: OmittedChart[];
  images: { cid: string; filename: string; png: Buffer }[];
}

/** Builds the digest's charts from its data and renders them to PNG; empty ones are listed as omitted. */
export async function digestCharts(d: DigestData): Promise<DigestCharts> {
  const candidates = [
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
      chart: weeklyTrendChart(d.trend.map((w) => ({ week: w.week, revenue: w.revenue, payout: w.payout, roas: w.roas }))),
    },
    { title: 'ROAS by persona', chart: personaHeatmapChart(d.personas) },
    {
      title: 'Loss by product',
      chart: lossByProductChart(
        d.products.filter((p) => p.loss_makers > 0 && p.loss > 0).map((p) => ({ product: p.key, loss: p.loss, lossMakers: p.loss_makers })),
      ),
    },
  ];
  const out: DigestCharts = { inline: [], omitted: [], images: [] };
  for (const { title, chart } of candidates) if (!chart) out.omitted.push({ title, reason: 'no data for it yet' });
  // rendered together: one chart's rasterising (libuv's pool) overlaps the next one's layout
  for (const chart of await renderCharts(candidates.flatMap((c) => (c.chart ? [c.chart] : [])))) {
    const cid = `${chart.id}@campaign-pulse`;
    out.inline.push({ cid, title: chart.title, alt: chart.alt, width: chart.width, height: chart.height });
    out.images.push({ cid, filename: `${chart.id}.png`, png: chart.png });
  }
  return out;
}
