import type { LoggerInterface } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import {
  adChannelChart,
  adRoiCpcChart,
  adRoiTrendChart,
  type ChartSpec,
  lossByProductChart,
  modelComparisonChart,
  type PersonaRoasRow,
  personaHeatmapChart,
  revenueVsPayoutChart,
  roasByPlatformChart,
  TOP_PRODUCTS,
  weeklyTrendChart,
  wrapLines,
} from './charts.ts';
import { renderChartSvg } from './render-chart.ts';
import { CHART_WIDTH, MIN_PHONE_TEXT, PHONE_WIDTH, TREND_WEEKS } from './theme.ts';

// Shaped like the HealthKart seed data set: three platforms, four loss-makers.
const platforms = [
  { platform: 'YouTube', roas: 3.14, revenue: 2_104_000, payout: 670_000 },
  { platform: 'Instagram', roas: 4.23, revenue: 3_200_500, payout: 756_600 },
  { platform: 'Twitter', roas: 0.82, revenue: 100_000, payout: 122_000 },
  { platform: 'Facebook', roas: null, revenue: 12_000, payout: 0 },
];
const influencers = [
  { name: '@carrie35', revenue: 35_922, payout: 1_440, cluster: 'High ROI – Low Cost' },
  { name: '@charles74', revenue: 155_075, payout: 20_100, cluster: 'High ROI – High Cost' },
  { name: '@luis92', revenue: 0, payout: 18_400, cluster: 'Low ROI – High Cost' },
  { name: '@marilyn66', revenue: 6_100, payout: 9_800, cluster: 'Low ROI – High Cost' },
  { name: '@taylor48', revenue: 4_050, payout: 5_200, cluster: null },
  { name: '@keith66', revenue: 2_900, payout: 3_000, cluster: 'Low ROI – High Cost' },
  { name: '@amy12', revenue: 64_300, payout: 7_900, cluster: 'High ROI – Low Cost' },
];
const weeks = Array.from({ length: 14 }, (_, i) => {
  const n = 41 + i;
  const week = n > 52 ? `2026-W${String(n - 52).padStart(2, '0')}` : `2025-W${n}`;
  const payout = 100_000 + 5_000 * (i % 4);
  const revenue = payout * (2 + (i % 5) * 0.5);
  return { week, revenue, payout, roas: revenue / payout };
});
const personas: PersonaRoasRow[] = ['Fitness', 'Lifestyle', 'Nutrition', 'Parenting'].flatMap((category, i) =>
  ['Female', 'Male', 'Other'].map((gender, j) => ({
    category,
    gender,
    roas: category === 'Parenting' && gender === 'Male' ? 0.61 : 1.5 + (((i * 3 + j) * 2.7) % 19),
  })),
);
personas.push({ category: 'Beauty', gender: 'Other', roas: null });
const products = [
  { product: 'Multivitamin', loss: 64_000, lossMakers: 1 },
  { product: 'Whey Protein', loss: 182_340, lossMakers: 3 },
  { product: 'Fish Oil', loss: 12_500, lossMakers: 2 },
];

// Shaped like Marketing.csv (seed 002) and the KAG export, which has no revenue (no ROI).
const adChannels = [
  { channel: 'Facebook', roi: 0.42, cpa: 2_150.5, spend: 1_200_000 },
  { channel: 'Google', roi: -0.18, cpa: 4_020, spend: 900_000 },
  { channel: 'Instagram', roi: 1.05, cpa: 1_310, spend: 700_000 },
  { channel: 'YouTube', roi: 0.07, cpa: 3_100, spend: 400_000 },
  { channel: 'Unknown', roi: null, cpa: 2.9, spend: 58_705 },
];
const adWeeks = weeks.map((w, i) => ({ week: w.week, roi: [0.35, 0.12, -0.08, 0.5, 0.2][i % 5]!, spend: 50_000 + 1_000 * i }));

// Ad rows in three segments, as the clusters stage labels them.
const adPoints = Array.from({ length: 30 }, (_, i) => ({
  cpc: 0.2 + (i % 10) * 0.15,
  roi: [0.8, 0.1, -0.3][i % 3]! - (i % 10) * 0.05,
  segment: ['High ROI – Low Cost', 'Average', 'Low ROI – High Cost'][i % 3]!,
}));
const candidates = [
  { task: 'influencer classification', algorithm: 'logistic regression', metric: 'auc', value: 0.87, baseline: 0.5, chosen: true },
  { task: 'influencer classification', algorithm: 'random forest', metric: 'auc', value: 0.85, baseline: 0.5, chosen: false },
  { task: 'influencer classification', algorithm: 'gradient boosting', metric: 'auc', value: 0.86, baseline: 0.5, chosen: false },
  { task: 'influencer regression', algorithm: 'linear', metric: 'r2', value: 0.26, baseline: -0.02, chosen: false },
  { task: 'influencer regression', algorithm: 'random forest', metric: 'r2', value: 0.38, baseline: -0.02, chosen: true },
  { task: 'ad campaign regression', algorithm: 'linear', metric: 'r2', value: -0.4, baseline: -0.05, chosen: true },
];

const builders = {
  'roas-by-platform': () => roasByPlatformChart(platforms),
  'revenue-vs-payout': () => revenueVsPayoutChart(influencers),
  'weekly-trend': () => weeklyTrendChart(weeks),
  'persona-heatmap': () => personaHeatmapChart(personas),
  'loss-by-product': () => lossByProductChart(products),
  'ad-channels': () => adChannelChart(adChannels),
  'ad-roi-trend': () => adRoiTrendChart(adWeeks),
  'ad-roi-cpc': () => adRoiCpcChart(adPoints),
  'model-comparison': () => modelComparisonChart(candidates),
};

const build = (id: keyof typeof builders): ChartSpec => {
  const chart = builders[id]();
  if (!chart) throw new Error(`${id}: expected a chart`);
  return chart;
};

function compileWarnings(spec: TopLevelSpec): string[] {
  const warnings: string[] = [];
  let level = 0;
  const logger: LoggerInterface = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error: (...a: readonly unknown[]) => (warnings.push(`error: ${a.join(' ')}`), logger),
    warn: (...a: readonly unknown[]) => (warnings.push(a.join(' ')), logger),
    info: () => logger,
    debug: () => logger,
  } as LoggerInterface;
  compile(spec, { logger });
  return warnings;
}

describe.each(Object.keys(builders) as (keyof typeof builders)[])('%s', (id) => {
  it('matches its snapshot (spec as a file, title and alt inline)', async () => {
    const chart = build(id);
    expect(chart.id).toBe(id);
    expect({ title: chart.title, alt: chart.alt }).toMatchSnapshot();
    await expect(`${JSON.stringify(chart.spec, null, 2)}\n`).toMatchFileSnapshot(`./__snapshots__/charts/${id}.vl.json`);
  });

  it('is self-contained: data inline, no URL anywhere, white background, DejaVu Sans', () => {
    const spec = build(id).spec as unknown as { background: string; config: { font: string } };
    const json = JSON.stringify(spec);
    expect(json).not.toMatch(/"url"\s*:/);
    expect(json).not.toMatch(/https?:\/\//);
    expect(spec.background).toBe('white');
    expect(spec.config.font).toBe('DejaVu Sans');
  });

  it('compiles with Vega-Lite without warnings', () => {
    expect(compileWarnings(build(id).spec)).toEqual([]);
  });

  it('is deterministic: the same rows give the same spec', () => {
    expect(JSON.stringify(builders[id]())).toBe(JSON.stringify(builders[id]()));
  });

  it(`fits the width and stays readable on a ${PHONE_WIDTH} px phone: no text cut off, none under ${MIN_PHONE_TEXT} px there`, async () => {
    const drawn = await renderChartSvg(build(id).spec);
    expect(drawn.warnings).toEqual([]);
    expect(drawn.width).toBeLessThanOrEqual(CHART_WIDTH);
    // the mail shows a chart at its own width or the screen's, whichever is less
    expect(drawn.smallestFont * Math.min(1, PHONE_WIDTH / drawn.width)).toBeGreaterThanOrEqual(MIN_PHONE_TEXT);
  });

  it('has a one-sentence alt text', () => {
    const { alt } = build(id);
    expect(alt).toMatch(/^[A-Z0-9].*\.$/);
    expect(alt.slice(0, -1)).not.toContain('. ');
  });
});

describe('empty input gives null, so the digest can leave the chart out', () => {
  it.each([
    ['roasByPlatformChart', () => roasByPlatformChart([])],
    ['roasByPlatformChart, no platform with a payout', () => roasByPlatformChart([{ platform: 'IG', roas: null, revenue: 10, payout: 0 }])],
    ['revenueVsPayoutChart', () => revenueVsPayoutChart([])],
    ['revenueVsPayoutChart, only zeros', () => revenueVsPayoutChart([{ name: 'a', revenue: 0, payout: 0, cluster: null }])],
    ['weeklyTrendChart', () => weeklyTrendChart([])],
    ['personaHeatmapChart', () => personaHeatmapChart([])],
    ['lossByProductChart', () => lossByProductChart([])],
    ['lossByProductChart, nothing lost', () => lossByProductChart([{ product: 'Whey', loss: 0, lossMakers: 0 }])],
    ['adChannelChart', () => adChannelChart([])],
    ['adChannelChart, no ROI or CPA', () => adChannelChart([{ channel: 'Facebook', roi: null, cpa: null, spend: 0 }])],
    ['adRoiTrendChart', () => adRoiTrendChart([])],
    ['adRoiCpcChart', () => adRoiCpcChart([])],
    ['modelComparisonChart', () => modelComparisonChart([])],
    ['modelComparisonChart, no metric', () => modelComparisonChart([{ ...candidates[0]!, value: null }])],
    ['adRoiTrendChart, no revenue', () => adRoiTrendChart([{ week: '2026-W46', roi: null, spend: 100 }])],
  ])('%s', (_, make) => {
    expect(make()).toBeNull();
  });
});

describe('roasByPlatformChart', () => {
  it('sorts by ROAS, reds the loss-making bars and names platforms with no payout', () => {
    const chart = build('roas-by-platform');
    const values = (chart.spec as { data: { values: { platform: string; status: string }[] } }).data.values;
    expect(values.map((v) => v.platform)).toEqual(['Instagram', 'YouTube', 'Twitter']);
    expect(values.map((v) => v.status)).toEqual(['above', 'above', 'below']);
    expect(chart.alt).toBe('ROAS by platform: Instagram 4.2×, YouTube 3.1×, Twitter 0.8× (break-even is 1×; no payout: Facebook).');
  });

  it('does not depend on the order of its rows', () => {
    expect(roasByPlatformChart([...platforms].reverse())).toEqual(roasByPlatformChart(platforms));
  });
});

describe('revenueVsPayoutChart', () => {
  const scaleOf = (c: ChartSpec) => JSON.stringify(c.spec).match(/"type":"(log|linear)"/)?.[1];

  it('uses log scales on skewed money and puts zeros on the edge labelled 0', () => {
    const chart = build('revenue-vs-payout');
    expect(scaleOf(chart)).toBe('log');
    const json = JSON.stringify(chart.spec);
    // @luis92 has no revenue: drawn at the decade below the smallest revenue, labelled 0.
    expect(json).toContain('"name":"@luis92","revenue":0,"payout":18400,"x":18400,"y":1000');
    expect(json).toContain("datum.value <= 1000 ? '0'");
    expect(chart.alt).toContain('3 at or above break-even, 4 below (largest loss @luis92: payout 18,400, revenue 0)');
  });

  it('stays linear when the numbers are of one size, zeros included', () => {
    const chart = revenueVsPayoutChart([
      { name: 'a', revenue: 12_000, payout: 8_000, cluster: 'A' },
      { name: 'b', revenue: 0, payout: 5_000, cluster: 'B' },
    ])!;
    expect(scaleOf(chart)).toBe('linear');
    expect(JSON.stringify(chart.spec)).toContain('"name":"b","revenue":0,"payout":5000,"x":5000,"y":0');
  });

  it('draws a sample of 2,000 of more creators, the same each time, with the named losses among them and every one counted', () => {
    const many = Array.from({ length: 5_000 }, (_, i) => ({
      name: `@c${i}`,
      revenue: 1_000 + ((i * 7_919) % 90_000),
      payout: 500 + ((i * 104_729) % 60_000),
      cluster: ['A', 'B', 'C'][i % 3]!,
    }));
    // two clear losses (no revenue), far apart, so both are named
    many[17] = { name: '@worst', revenue: 0, payout: 200_000, cluster: 'A' };
    many[4_001] = { name: '@second', revenue: 0, payout: 150_000, cluster: 'B' };
    const chart = revenueVsPayoutChart(many)!;
    const layer = (chart.spec as { layer: { data?: { values?: { name?: string }[] } }[] }).layer;
    const dots = layer[1]!.data!.values!;
    expect(dots).toHaveLength(2_000);
    expect(new Set(dots.map((d) => d.name)).size).toBe(2_000);
    const named = layer.slice(2).flatMap((l) => l.data!.values!.map((v) => v.name!));
    expect(named).toContain('@worst');
    for (const name of named) expect(dots.some((d) => d.name === name)).toBe(true);
    expect(JSON.stringify(chart.spec)).toContain('A sample of 2,000 of the 5,000 is drawn.');
    // the alt text counts every creator, drawn or not
    const losers = many.filter((r) => r.revenue < r.payout).length;
    expect(chart.alt).toContain(`for 5000 influencers in 3 clusters: ${5_000 - losers} at or above break-even, ${losers} below`);
    expect(revenueVsPayoutChart(many)).toEqual(chart);
    // a creator more moves at most one dot: the sample goes by name, not by position or count
    const more = revenueVsPayoutChart([...many, { name: '@new', revenue: 5_000, payout: 1_000, cluster: 'A' }])!;
    const dotsMore = (more.spec as typeof chart.spec & { layer: { data: { values: { name: string }[] } }[] }).layer[1]!.data.values;
    const before = new Set(dots.map((d) => d.name));
    expect(dotsMore.filter((d) => !before.has(d.name)).length).toBeLessThanOrEqual(1);
    // up to 2,000, every one is drawn and nothing is said
    const few = revenueVsPayoutChart(many.slice(0, 2_000))!;
    expect((few.spec as { layer: { data: { values: unknown[] } }[] }).layer[1]!.data.values).toHaveLength(2_000);
    expect(JSON.stringify(few.spec)).not.toContain('is drawn');
  });

  it('gives each cluster a fixed colour and greys the unclustered', () => {
    const json = JSON.stringify(build('revenue-vs-payout').spec);
    expect(json).toContain('"domain":["High ROI – High Cost","High ROI – Low Cost","Low ROI – High Cost","Not clustered"]');
    expect(json).toContain('"range":["#0b3d91","#d97706","#1a7f37","#9aa5b1"]');
  });
});

describe('weeklyTrendChart', () => {
  it(`keeps the last ${TREND_WEEKS} weeks in order, whatever order they come in`, () => {
    const chart = weeklyTrendChart([...weeks].reverse())!;
    expect(chart).toEqual(build('weekly-trend'));
    const json = JSON.stringify(chart.spec);
    expect(json).not.toContain('2025-W41');
    expect(json).not.toContain('2025-W42');
    expect(chart.title).toBe('12-week trend');
    expect(chart.alt).toMatch(/^Weekly revenue, payout and ROAS from 2025-W43 to 2026-W02: in 2026-W02 /);
  });

  it('draws a single week and says when ROAS has no payout behind it', () => {
    const chart = weeklyTrendChart([{ week: '2026-W46', revenue: 1000, payout: 0, roas: null }])!;
    expect(chart.alt).toBe('Weekly revenue, payout and ROAS: in 2026-W46 revenue 1,000, payout 0, ROAS n/a (no payout).');
  });
});

describe('personaHeatmapChart', () => {
  it('bands ROAS (break-even first) and labels every cell', () => {
    const chart = build('persona-heatmap');
    const values = (chart.spec as { data: { values: { category: string; gender: string; band: string; label: string }[] } }).data.values;
    expect(values.find((v) => v.category === 'Parenting' && v.gender === 'Male')).toMatchObject({ band: 'below 1×', label: '0.6×' });
    expect(values.find((v) => v.category === 'Beauty')).toMatchObject({ band: 'no payout', label: '–' });
    expect(chart.alt).toMatch(/worst Parenting \/ Male 0\.6×; 1 of 12 below break-even\.$/);
  });
});

describe('lossByProductChart', () => {
  it('sorts by loss and keeps the top products', () => {
    const many = Array.from({ length: 14 }, (_, i) => ({ product: `P${String(i).padStart(2, '0')}`, loss: 1000 * (i + 1), lossMakers: 1 }));
    const chart = lossByProductChart(many)!;
    const json = JSON.stringify(chart.spec);
    expect(json).toContain(`Top ${TOP_PRODUCTS} of 14 products.`);
    expect(json).toContain('"sort":["P13","P12","P11","P10","P09","P08","P07","P06","P05","P04"]');
    expect(chart.alt).toBe('Loss by product: 105,000 lost across 14 products, most on P13 (14,000), P12 (13,000), P11 (12,000).');
  });
});

describe('adChannelChart', () => {
  it('sorts channels by ROI, reds the loss-making ones and keeps channels without revenue for CPA', () => {
    const chart = build('ad-channels');
    const values = (chart.spec as { data: { values: { channel: string; status: string }[] } }).data.values;
    expect(values.map((v) => v.channel)).toEqual(['Instagram', 'Facebook', 'YouTube', 'Google', 'Unknown']);
    expect(values.map((v) => v.status)).toEqual(['gain', 'gain', 'gain', 'loss', 'gain']);
    expect(chart.alt).toContain('Google ROI -18%, CPA 4,020');
    expect(chart.alt).toMatch(/\(best Instagram, worst Google\)\.$/);
    expect(adChannelChart([...adChannels].reverse())).toEqual(chart);
  });
});

describe('adRoiTrendChart', () => {
  it(`keeps the last ${TREND_WEEKS} weeks in order and names the last two`, () => {
    const chart = adRoiTrendChart([...adWeeks].reverse())!;
    expect(chart).toEqual(build('ad-roi-trend'));
    expect(JSON.stringify(chart.spec)).not.toContain('2025-W42');
    expect(chart.alt).toBe('Weekly ROI of the ad campaigns from 2025-W43 to 2026-W02: 2026-W02 50% (2026-W01: -8%).');
  });
});

describe('wrapLines', () => {
  it('breaks long lines at spaces and leaves short ones alone', () => {
    expect(wrapLines(['short'])).toEqual(['short']);
    expect(wrapLines(['aaa bbb ccc ddd'], 7)).toEqual(['aaa bbb', 'ccc ddd']);
    expect(wrapLines(['x'.repeat(100)], 10)).toEqual(['x'.repeat(100)]);
  });
});

describe('adRoiCpcChart and modelComparisonChart', () => {
  it('colours ad rows by segment in a fixed order and counts those below break-even', () => {
    const chart = build('ad-roi-cpc');
    expect(chart.alt).toBe('Ad segments: ROI against CPC for 30 ad rows in 3 segments: 17 below break-even (ROI under 0), 13 at or above.');
    expect(adRoiCpcChart([...adPoints].reverse())).toEqual(chart);
  });

  it('shows each candidate beside its baseline and says how many beat it', () => {
    const chart = build('model-comparison');
    expect(chart.alt).toMatch(/5 of 6 beat their baseline\.$/);
    expect(chart.alt).toContain('influencer classification · logistic regression AUC 0.87 (chosen), baseline 0.50');
  });
});

it('fits the email: single-view charts are fitted to the content width', () => {
  for (const id of ['roas-by-platform', 'revenue-vs-payout', 'persona-heatmap', 'loss-by-product'] as const) {
    expect(build(id).spec).toMatchObject({ width: CHART_WIDTH, autosize: { type: 'fit-x', contains: 'padding' } });
  }
});
