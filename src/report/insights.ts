import { costText } from './charts.ts';
import type { DigestData } from './digest-data.ts';
import { fmtMoney, fmtPct, fmtRatio } from './format.ts';

/**
 * Plain-language findings computed from the marts (seed 000's insights engine): best and
 * worst performers, where losses cluster, and the week's moves. Each sentence is only
 * said when the numbers behind it exist.
 */
export function insights(d: DigestData): string[] {
  const out: string[] = [];
  const paid = d.influencers.filter((i) => i.payout > 0 && i.roas !== null);
  if (paid.length > 0) {
    const best = paid.reduce((a, b) => (b.roas! > a.roas! ? b : a));
    const worst = paid.reduce((a, b) => (b.roas! < a.roas! ? b : a));
    out.push(
      `${best.name} (${best.platform ?? 'unknown platform'}) returns the most per rupee paid: ROAS ${fmtRatio(best.roas)}${best.iroas !== null ? `, incremental ROAS ${fmtRatio(best.iroas)} (${best.iroas_method})` : ''}.`,
    );
    if (worst !== best) out.push(`${worst.name} returns the least: ROAS ${fmtRatio(worst.roas)} on a payout of ${fmtMoney(worst.payout)}.`);
  }
  const top = [...d.influencers].sort((a, b) => b.revenue - a.revenue)[0];
  if (top && top.revenue > 0)
    out.push(`${top.name} brings the most revenue (${fmtMoney(top.revenue)} from ${top.orders.toLocaleString('en-US')} orders).`);
  if (d.lossMakers.length > 0) {
    const by = (key: 'platform' | 'category') => {
      const counts = new Map<string, number>();
      for (const l of d.lossMakers) counts.set(l[key] ?? 'Unknown', (counts.get(l[key] ?? 'Unknown') ?? 0) + 1);
      return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    };
    const platforms = by('platform')
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    const [topCategory] = by('category');
    const lost = d.lossMakers.reduce((s, l) => s + Math.max(l.payout - l.revenue, 0), 0);
    out.push(
      `${d.lossMakers.length} loss-maker${d.lossMakers.length === 1 ? '' : 's'} (${platforms})${lost > 0 ? ` cost ${fmtMoney(lost)} more than they returned` : ''}${topCategory && topCategory[1] > 1 ? `; ${topCategory[0]} accounts for ${topCategory[1]} of them` : ''}.`,
    );
    const products = d.products
      .filter((p) => p.loss_makers > 0)
      .sort((a, b) => b.loss_makers - a.loss_makers || b.loss - a.loss)
      .slice(0, 5);
    if (products.length > 0) out.push(`Products sold by loss-makers: ${products.map((p) => p.key).join(', ')}.`);
  } else if (paid.length > 0) {
    out.push(
      'No influencer is a loss-maker: every paid influencer returns ROAS ≥ 1, and none is likely to lose money on incremental revenue.',
    );
  }
  const platforms = d.platforms.filter((p) => p.roas !== null);
  if (platforms.length > 1) {
    const sorted = [...platforms].sort((a, b) => b.roas! - a.roas!);
    out.push(
      `By platform, ${sorted[0]!.key} leads with ROAS ${fmtRatio(sorted[0]!.roas)} and ${sorted.at(-1)!.key} trails with ${fmtRatio(sorted.at(-1)!.roas)}.`,
    );
  }
  if (d.week && d.previous && d.previous.revenue > 0) {
    const change = (d.week.revenue - d.previous.revenue) / d.previous.revenue;
    out.push(
      `Revenue ${change >= 0 ? 'rose' : 'fell'} ${fmtPct(Math.abs(change))} on the week before (${fmtMoney(d.previous.revenue)} → ${fmtMoney(d.week.revenue)}).`,
    );
  }
  return out;
}

/**
 * Findings about the ad campaigns (all time, and the week): which campaigns and channels return
 * most and least per rupee spent, how the week moved, and how much of it rests on estimates or
 * flagged rows. As above, a sentence is only said when its numbers exist.
 */
export function adInsights(d: DigestData, minSpend: number): string[] {
  const out: string[] = [];
  const ranked = d.adCampaigns.filter((c) => c.roi !== null && c.spend >= minSpend).sort((a, b) => b.roi! - a.roi!);
  if (ranked.length > 0) {
    const best = ranked[0]!;
    out.push(`${best.campaign} (${best.channel}) is the best ad campaign: ROI ${fmtPct(best.roi, 0)} on ${fmtMoney(best.spend)} spent.`);
    const worst = ranked.at(-1)!;
    if (worst !== best)
      out.push(
        `${worst.campaign} (${worst.channel}) returns the least: ROI ${fmtPct(worst.roi, 0)}${worst.roi! < 0 ? `, ${fmtMoney(worst.spend - (worst.revenue ?? 0))} lost` : ''} on ${fmtMoney(worst.spend)} spent.`,
      );
    const losing = ranked.filter((c) => c.roi! < 0);
    if (losing.length > 1) out.push(`${losing.length} ad campaigns lose money: ${losing.map((c) => c.campaign).join(', ')}.`);
  }
  const channels = d.adChannels.filter((c) => c.roi !== null);
  if (channels.length > 1) {
    const sorted = [...channels].sort((a, b) => b.roi! - a.roi!);
    const [top, bottom] = [sorted[0]!, sorted.at(-1)!];
    out.push(
      `By channel, ${top.channel} leads with ROI ${fmtPct(top.roi, 0)} (CPA ${costText(top.cpa)}) and ${bottom.channel} trails with ${fmtPct(bottom.roi, 0)} (CPA ${costText(bottom.cpa)}).`,
    );
  }
  const w = d.week;
  if (w && w.ad_spend_change !== null && w.ad_spend - w.ad_spend_change > 0) {
    const before = w.ad_spend - w.ad_spend_change;
    const change = w.ad_spend_change / before;
    out.push(
      `Ad spend ${change >= 0 ? 'rose' : 'fell'} ${fmtPct(Math.abs(change))} on the week before (${fmtMoney(before)} → ${fmtMoney(w.ad_spend)})${w.ad_roi !== null && w.ad_roi_change !== null ? `, and ROI ${w.ad_roi_change >= 0 ? 'rose' : 'fell'} to ${fmtPct(w.ad_roi, 0)}` : ''}.`,
    );
  }
  const spend = d.adCampaigns.reduce((s, c) => s + c.spend, 0);
  const estimated = d.adCampaigns.reduce((s, c) => s + c.spend * (c.spend_estimated_share ?? 0), 0);
  if (spend > 0 && estimated > 0) out.push(`${fmtPct(estimated / spend)} of ad spend is estimated from the exported rates, not stated.`);
  const flagged = d.adCampaigns.reduce((n, c) => n + Number(c.flagged_rows), 0);
  if (flagged > 0)
    out.push(
      `${flagged.toLocaleString('en-US')} ad row${flagged === 1 ? '' : 's'} report more conversions than clicks (view-through conversions, flagged).`,
    );
  return out;
}
