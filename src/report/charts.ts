import type { Config, TopLevelSpec } from 'vega-lite';
import { textHash32 } from '../pipeline/shared/random.ts';
import type { AdSegmentPoint, ModelCandidate } from './digest-data.ts';
import { fmtMoney, fmtPct, fmtRatio } from './format.ts';
import { CHART_FONT, CHART_WIDTH, palette, TREND_WEEKS } from './theme.ts';

/**
 * Vega-Lite specs for the digest's charts. Every builder is pure: plain rows in, a self-contained
 * spec out (data inline, no URLs, no clock), so the specs can be snapshot-tested and rendered
 * headless anywhere. A builder returns null when it has nothing to draw; the digest then says so
 * instead of mailing an empty frame.
 */
export interface ChartSpec {
  id: string;
  title: string;
  /** One sentence that says what the picture shows, for screen readers and image-blocking mail clients. */
  alt: string;
  spec: TopLevelSpec;
}

// Colours, widths and text sizes are theme.ts's, shared with the email, so the charts sit in it
// without clashing and stay readable on a phone. No text here is set smaller than CHART_FONT.text.
const PADDING = 8;
const FONT = 'DejaVu Sans';
const TEXT = CHART_FONT.text;

const config: Config = {
  font: FONT,
  view: { stroke: null },
  title: {
    fontSize: CHART_FONT.title,
    fontWeight: 'bold',
    color: palette.ink,
    anchor: 'start',
    subtitleFontSize: TEXT,
    subtitleColor: palette.muted,
    subtitlePadding: 4,
    offset: 12,
  },
  axis: {
    labelFontSize: TEXT,
    titleFontSize: TEXT,
    titleFontWeight: 'normal',
    labelColor: palette.muted,
    titleColor: palette.ink,
    gridColor: palette.grid,
    domainColor: palette.domain,
    tickColor: palette.domain,
    labelLimit: 170,
  },
  // Flush end labels keep the last tick's number inside a fitted chart's edge.
  axisX: { labelFlush: true },
  axisBand: { grid: false, ticks: false, domain: false, labelPadding: 6, labelColor: palette.ink },
  legend: {
    labelFontSize: TEXT,
    titleFontSize: TEXT,
    labelColor: palette.ink,
    titleColor: palette.ink,
    titleFontWeight: 'normal',
    labelLimit: 260,
  },
  text: { fontSize: TEXT, color: palette.ink },
};

type LayerSpec = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];
type PositionDef = NonNullable<NonNullable<Extract<LayerSpec, { mark: unknown }>['encoding']>['x']>;

const base = {
  background: 'white',
  padding: PADDING,
  config,
};
const fitted = { ...base, width: CHART_WIDTH, autosize: { type: 'fit-x', contains: 'padding' } } as const;

const ROAS_AXIS_LABEL = "format(datum.value, '.1~f') + '×'";
/** Money on an axis: 1.5M, 500k, 950; short enough for a phone-width chart. */
const MONEY_AXIS_LABEL = "abs(datum.value) >= 1000 ? format(datum.value, '~s') : format(datum.value, ',~f')";

// Plain code-unit comparison: locale-aware sorting could differ between machines and break snapshots.
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
const roasText = (v: number | null) => fmtRatio(v, 1);
// Screen readers read '–' as "en dash"; the alt text says what it means.
const roasWords = (v: number | null) => (finite(v) ? roasText(v) : 'n/a (no payout)');
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const sentence = (s: string) => (s.endsWith('.') ? s : `${s}.`);
// DejaVu Sans runs about 0.6 em a character in a sentence.
const SUBTITLE_CHARS = Math.floor((CHART_WIDTH - 2 * PADDING) / (0.6 * TEXT));

/** Vega never wraps a title, so long subtitle lines are broken at spaces to fit the chart's width. */
export function wrapLines(lines: string[], max = SUBTITLE_CHARS): string[] {
  return lines.flatMap((line) => {
    const out: string[] = [];
    let current = '';
    for (const word of line.split(' ')) {
      if (current && current.length + 1 + word.length > max) {
        out.push(current);
        current = word;
      } else current = current ? `${current} ${word}` : word;
    }
    return current ? [...out, current] : out;
  });
}

/** Two legend columns when the longest label leaves room for them side by side, else one. */
const legendColumns = (labels: string[]) =>
  Math.max(...labels.map((l) => l.length)) * 0.6 * TEXT + 40 <= (CHART_WIDTH - 2 * PADDING) / 2 ? 2 : 1;

/** Headroom so a value label printed after the longest bar stays inside the plot. */
const withLabelRoom = (max: number, floor: number) => Math.max(max * 1.16, floor);

/**
 * Where a scale from `min` must end so that `room` px of a `plot` px wide panel are left after
 * `max`: the value label after the longest bar needs its width, however narrow the panel.
 */
const endWithRoom = (min: number, max: number, room: number, plot: number) => max + ((max - min) * room) / (plot - room);

/** About how wide a line of chart text is, in px (DejaVu Sans digits and letters run about 0.64 em). */
const textWidth = (text: string) => text.length * 0.64 * TEXT;

/**
 * The weeks that get a label ('W46') on a week axis `plotWidth` px wide: every week when there is
 * room, else every second (or third...), counted back from the newest so the newest always has one.
 */
function labelledWeeks(weeks: string[], plotWidth: number): string[] {
  const step = Math.max(1, Math.ceil((textWidth('W00') + 8) / (plotWidth / weeks.length)));
  return weeks.filter((_, i) => (weeks.length - 1 - i) % step === 0);
}

// ─── 1. ROAS by platform ────────────────────────────────────────────────────────────────────────

export interface PlatformRoasRow {
  platform: string;
  roas: number | null;
  revenue: number;
  payout: number;
}

export function roasByPlatformChart(rows: PlatformRoasRow[]): ChartSpec | null {
  const shown = rows
    .filter((r) => finite(r.roas))
    .map((r) => ({ platform: r.platform, roas: r.roas as number, revenue: r.revenue, payout: r.payout }))
    .sort((a, b) => b.roas - a.roas || byText(a.platform, b.platform));
  if (shown.length === 0) return null;
  const unpaid = rows
    .filter((r) => !finite(r.roas))
    .map((r) => r.platform)
    .sort(byText);
  // A short bar's label starts after the break-even line rather than under it.
  const values = shown.map((r) => ({
    ...r,
    label: roasText(r.roas),
    labelAt: Math.max(r.roas, 1),
    status: r.roas < 1 ? 'below' : 'above',
  }));
  const maxRoas = Math.max(...shown.map((r) => r.roas));
  const x: PositionDef = { field: 'roas', type: 'quantitative', scale: { domain: [0, withLabelRoom(maxRoas, 1.3)], nice: false } };
  const y: PositionDef = { field: 'platform', type: 'nominal', sort: values.map((v) => v.platform), title: null };
  const subtitle = [`Revenue ÷ payout. Red bars lose money; the dashed line is break-even (1×).`];
  if (unpaid.length) subtitle.push(`Not shown, no payout: ${unpaid.join(', ')}.`);
  const title = 'ROAS by platform';
  return {
    id: 'roas-by-platform',
    title,
    alt: sentence(
      `${title}: ${values.map((v) => `${v.platform} ${v.label}`).join(', ')} (break-even is 1×${unpaid.length ? `; no payout: ${unpaid.join(', ')}` : ''})`,
    ),
    spec: {
      ...fitted,
      title: { text: title, subtitle: wrapLines(subtitle) },
      height: Math.max(60, shown.length * 34),
      data: { values },
      layer: [
        {
          mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.68 } },
          encoding: {
            y,
            x: { ...x, title: 'ROAS (revenue ÷ payout)', axis: { labelExpr: ROAS_AXIS_LABEL, tickCount: 6 } },
            color: {
              field: 'status',
              type: 'nominal',
              scale: { domain: ['below', 'above'], range: [palette.bad, palette.primary] },
              legend: null,
            },
          },
        },
        {
          mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 1.5, color: palette.ink },
          encoding: { x: { datum: 1, type: 'quantitative' } },
        },
        {
          mark: { type: 'text', align: 'left', baseline: 'middle', dx: 5 },
          encoding: { y, x: { ...x, field: 'labelAt' }, text: { field: 'label' } },
        },
      ],
    },
  };
}

// ─── 2. Revenue vs payout, coloured by cluster ──────────────────────────────────────────────────

export interface RevenuePayoutRow {
  name: string;
  revenue: number;
  payout: number;
  cluster: string | null;
}

const UNCLUSTERED = 'Not clustered';
// Beyond this max/min spread a linear axis crushes the small spenders into one corner.
const LOG_SPREAD = 50;

const powerFloor = (v: number) => 10 ** Math.floor(Math.log10(v));
const powerCeil = (v: number) => 10 ** Math.ceil(Math.log10(v));
const niceCeil = (v: number) => {
  const p = powerFloor(v);
  const m = v / p;
  return p * (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10);
};

interface AxisPlan {
  domain: [number, number];
  zeroAt: number;
  zeros: number;
  ticks?: number[];
}

/** One axis of the scatter: on a log axis zeros move to the decade below the smallest value. */
function planAxis(values: number[], log: boolean): AxisPlan {
  const zeros = values.filter((v) => v === 0).length;
  const max = Math.max(...values);
  if (!log) return { domain: [0, niceCeil(max * 1.04)], zeroAt: 0, zeros };
  const positive = values.filter((v) => v > 0);
  const minPositive = positive.length ? Math.min(...positive) : max;
  let zeroAt = powerFloor(minPositive);
  if (zeros > 0 && zeroAt >= minPositive) zeroAt /= 10;
  const domain: [number, number] = [zeroAt, Math.max(powerCeil(max), zeroAt * 10)];
  const ticks: number[] = [];
  for (let t = domain[0]; t <= domain[1] * 1.0001; t *= 10) ticks.push(Number(t.toPrecision(1)));
  return { domain, zeroAt, zeros, ticks };
}

const SCATTER_POINTS = 2_000;

/**
 * The dots a scatter draws: every one up to SCATTER_POINTS; past that, that many chosen by a hash
 * of their names (so a creator who joins or leaves moves one dot, not the whole sample), the dots
 * named on the chart among them. Tens of thousands of dots on a 420 px chart are one blot that takes
 * a second and 100 MB to draw; a sample that ignores the values keeps where the dots lie and how densely.
 */
function drawnPoints<T extends { name: string }>(points: T[], keep: T[]): T[] {
  if (points.length <= SCATTER_POINTS) return points;
  const kept = new Set(keep);
  const rest = points
    .filter((p) => !kept.has(p))
    .map((p) => ({ p, rank: textHash32(p.name) }))
    .sort((a, b) => a.rank - b.rank || byText(a.p.name, b.p.name));
  return [...rest.slice(0, SCATTER_POINTS - kept.size).map((r) => r.p), ...kept];
}

export function revenueVsPayoutChart(rows: RevenuePayoutRow[]): ChartSpec | null {
  const points = rows.filter(
    (r) => finite(r.revenue) && finite(r.payout) && r.revenue >= 0 && r.payout >= 0 && (r.revenue > 0 || r.payout > 0),
  );
  if (points.length === 0) return null;
  const spread = (vs: number[]) => {
    const positive = vs.filter((v) => v > 0);
    return positive.length ? Math.max(...positive) / Math.min(...positive) : 1;
  };
  // Both axes share one kind of scale, or revenue = payout would not be a straight line.
  const log = Math.max(spread(points.map((r) => r.payout)), spread(points.map((r) => r.revenue))) >= LOG_SPREAD;
  const px = planAxis(
    points.map((r) => r.payout),
    log,
  );
  const py = planAxis(
    points.map((r) => r.revenue),
    log,
  );
  // A log axis has no 0, so zeros sit on the bottom/left edge labelled 0: a zero-revenue
  // influencer is exactly the loss-maker a manager must see.
  const place = (v: number, a: AxisPlan) => (log && v === 0 ? a.zeroAt : v);
  const fraction = (v: number, a: AxisPlan) =>
    log ? (Math.log10(place(v, a)) - Math.log10(a.domain[0])) / (Math.log10(a.domain[1]) - Math.log10(a.domain[0])) : v / a.domain[1];

  const clusters = [...new Set(points.map((r) => r.cluster ?? UNCLUSTERED))].sort((a, b) =>
    a === UNCLUSTERED ? 1 : b === UNCLUSTERED ? -1 : byText(a, b),
  );
  const named = clusters.filter((c) => c !== UNCLUSTERED);
  const colours = clusters.map((c) =>
    c === UNCLUSTERED ? palette.faint : palette.categories[named.indexOf(c) % palette.categories.length],
  );

  const losers = points
    .filter((r) => r.revenue < r.payout)
    .sort((a, b) => b.payout - b.revenue - (a.payout - a.revenue) || byText(a.name, b.name));
  // Name the three biggest losses, the ones to act on; skip one that would print over another.
  const labels: { row: RevenuePayoutRow; name: string; x: number; y: number; fx: number; fy: number }[] = [];
  for (const r of losers) {
    if (labels.length === 3) break;
    const fx = fraction(r.payout, px);
    const fy = fraction(r.revenue, py);
    if (labels.some((l) => Math.abs(l.fx - fx) < 0.3 && Math.abs(l.fy - fy) < 0.06)) continue;
    labels.push({ row: r, name: r.name, x: place(r.payout, px), y: place(r.revenue, py), fx, fy });
  }
  const values = drawnPoints(
    points,
    labels.map((l) => l.row),
  )
    .map((r) => ({
      name: r.name,
      revenue: r.revenue,
      payout: r.payout,
      x: place(r.payout, px),
      y: place(r.revenue, py),
      cluster: r.cluster ?? UNCLUSTERED,
    }))
    .sort((a, b) => byText(a.cluster, b.cluster) || b.payout - a.payout || byText(a.name, b.name));
  const labelData = (right: boolean) => labels.filter((l) => l.fx > 0.6 === right).map(({ name, x, y }) => ({ name, x, y }));

  const axisFor = (title: string, a: AxisPlan) => ({
    title,
    ...(log
      ? {
          values: a.ticks,
          labelExpr: a.zeros > 0 ? `datum.value <= ${a.zeroAt} ? '0' : ${MONEY_AXIS_LABEL}` : MONEY_AXIS_LABEL,
        }
      : { labelExpr: MONEY_AXIS_LABEL, tickCount: 6 }),
  });
  const scaleFor = (a: AxisPlan) => ({ type: log ? ('log' as const) : ('linear' as const), domain: a.domain, nice: false });
  const x: PositionDef = { field: 'x', type: 'quantitative', scale: scaleFor(px), axis: axisFor('Payout', px) };
  const y: PositionDef = { field: 'y', type: 'quantitative', scale: scaleFor(py), axis: axisFor('Revenue', py) };
  // The break-even line runs corner to corner of both domains and is clipped to the plot.
  const lineFrom = Math.min(px.domain[0], py.domain[0]);
  const lineTo = Math.max(px.domain[1], py.domain[1]);
  // A white outline under each name keeps it legible where it crosses dots and grid lines.
  const labelLayers = (right: boolean): LayerSpec[] =>
    [{ stroke: 'white', strokeWidth: 3, strokeJoin: 'round' as const }, {}].map((outline) => ({
      data: { values: labelData(right) },
      mark: { type: 'text', baseline: 'middle', align: right ? 'right' : 'left', dx: right ? -7 : 7, color: palette.bad, ...outline },
      encoding: { x, y, text: { field: 'name' } },
    }));

  const zeros = values.filter((r) => r.revenue === 0 || r.payout === 0).length;
  const subtitle = ['Each dot is an influencer; above the dashed line revenue exceeds payout.'];
  if (values.length < points.length)
    subtitle.push(`A sample of ${values.length.toLocaleString('en-US')} of the ${points.length.toLocaleString('en-US')} is drawn.`);
  if (log) subtitle.push(`Log scales${zeros > 0 ? `; ${plural(zeros, 'zero')} drawn on the axis marked 0` : ''}.`);
  const title = 'Revenue vs payout';
  const above = points.length - losers.length;
  const worst = losers[0];
  return {
    id: 'revenue-vs-payout',
    title,
    alt: sentence(
      `${title} for ${plural(points.length, 'influencer')} in ${plural(named.length, 'cluster')}: ${above} at or above break-even, ${losers.length} below` +
        (worst ? ` (largest loss ${worst.name}: payout ${fmtMoney(worst.payout)}, revenue ${fmtMoney(worst.revenue)})` : ''),
    ),
    spec: {
      ...fitted,
      title: { text: title, subtitle: wrapLines(subtitle) },
      height: 320,
      layer: [
        {
          data: {
            values: [
              { x: lineFrom, y: lineFrom },
              { x: lineTo, y: lineTo },
            ],
          },
          mark: { type: 'line', strokeDash: [5, 3], strokeWidth: 1.5, color: palette.ink, clip: true },
          encoding: { x, y },
        },
        {
          data: { values },
          mark: { type: 'circle', size: 56, opacity: 0.8, stroke: 'white', strokeWidth: 0.5 },
          encoding: {
            x,
            y,
            color: {
              field: 'cluster',
              type: 'nominal',
              scale: { domain: clusters, range: colours },
              legend: {
                title: 'Cluster',
                orient: 'bottom',
                direction: 'horizontal',
                columns: legendColumns(clusters),
                symbolType: 'circle',
              },
            },
          },
        },
        ...labelLayers(false),
        ...labelLayers(true),
      ],
    },
  };
}

// ─── 3. Weekly trend ────────────────────────────────────────────────────────────────────────────

export interface WeeklyTrendRow {
  week: string;
  revenue: number;
  payout: number;
  roas: number | null;
}

export function weeklyTrendChart(rows: WeeklyTrendRow[]): ChartSpec | null {
  // ISO week labels ('2026-W46') sort correctly as text.
  const weeks = [...rows].sort((a, b) => byText(a.week, b.week)).slice(-TREND_WEEKS);
  if (weeks.length === 0) return null;
  const first = weeks[0].week;
  const last = weeks[weeks.length - 1];
  const previous = weeks.length > 1 ? weeks[weeks.length - 2] : undefined;
  const money = weeks.flatMap((w) => [
    { week: w.week, series: 'Revenue', value: w.revenue },
    { week: w.week, series: 'Payout', value: w.payout },
  ]);
  const roas = weeks.map((w) => ({ week: w.week, roas: finite(w.roas) ? w.roas : null, label: roasText(w.roas) }));
  const roasValues = roas.flatMap((r) => (r.roas === null ? [] : [r.roas]));
  const lastRoas = [...roas].reverse().find((r) => r.roas !== null);
  const maxMoney = Math.max(0, ...money.map((m) => m.value));

  // Fixed axis extents keep the two panels' plot areas aligned (a concat cannot use autosize fit).
  const axisExtent = 52;
  const plotWidth = CHART_WIDTH - 2 * PADDING - axisExtent - 1;
  const weekAxis = {
    values: labelledWeeks(
      weeks.map((w) => w.week),
      plotWidth,
    ),
    labelExpr: 'slice(datum.value, 5)',
    labelAngle: 0,
    title: null,
  };
  // half a week either side: room for the first and last labels inside the plot
  const x: PositionDef = { field: 'week', type: 'ordinal', sort: weeks.map((w) => w.week), scale: { paddingOuter: 0.5 } };

  const roasX: PositionDef = { ...x, axis: weekAxis };
  const roasY: PositionDef = {
    field: 'roas',
    type: 'quantitative',
    scale: { domain: [0, Math.max(1.2, niceCeil(Math.max(1, ...roasValues) * 1.1))], nice: false },
    axis: { labelExpr: ROAS_AXIS_LABEL, tickCount: 3, title: null, minExtent: axisExtent, maxExtent: axisExtent },
  };

  const belowBreakEven = { condition: { test: 'datum.roas < 1', value: palette.bad }, value: palette.good };

  const title = `${weeks.length}-week trend`;
  const alt =
    `Weekly revenue, payout and ROAS${previous ? ` from ${first} to ${last.week}` : ''}: in ${last.week} revenue ${fmtMoney(last.revenue)}, payout ${fmtMoney(last.payout)}, ROAS ${roasWords(last.roas)}` +
    (previous ? ` (${previous.week}: ${roasWords(previous.roas)})` : '');
  return {
    id: 'weekly-trend',
    title,
    alt: sentence(alt),
    spec: {
      ...base,
      title: { text: title, subtitle: wrapLines([weeks.length > 1 ? `ISO weeks ${first} to ${last.week}.` : `ISO week ${first}.`]) },
      spacing: 14,
      vconcat: [
        {
          width: plotWidth,
          height: 190,
          data: { values: money },
          encoding: {
            x: { ...x, axis: { ...weekAxis, labels: false, ticks: false, domain: false } },
            y: {
              field: 'value',
              type: 'quantitative',
              scale: { domain: [0, maxMoney > 0 ? niceCeil(maxMoney) : 1], nice: false },
              axis: { labelExpr: MONEY_AXIS_LABEL, tickCount: 5, title: null, minExtent: axisExtent, maxExtent: axisExtent },
            },
            color: {
              field: 'series',
              type: 'nominal',
              scale: { domain: ['Revenue', 'Payout'], range: [palette.primary, palette.cost] },
              legend: { orient: 'top', title: null, direction: 'horizontal', symbolType: 'stroke', symbolStrokeWidth: 3 },
            },
          },
          layer: [{ mark: { type: 'line', strokeWidth: 2.5 } }, { mark: { type: 'point', filled: true, size: 36 } }],
        },
        {
          width: plotWidth,
          height: 96,
          data: { values: roas },
          title: { text: 'ROAS', fontSize: TEXT, fontWeight: 'normal', color: palette.ink, anchor: 'start', offset: 4 },
          layer: [
            {
              mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 1.5, color: palette.bad },
              encoding: { y: { datum: 1, type: 'quantitative' } },
            },
            { mark: { type: 'line', strokeWidth: 2.5, color: palette.good }, encoding: { x: roasX, y: roasY } },
            { mark: { type: 'point', filled: true, size: 42, opacity: 1 }, encoding: { x: roasX, y: roasY, color: belowBreakEven } },
            ...(lastRoas
              ? [
                  {
                    // ends just past the newest point: centred, it would run over the plot's right edge
                    data: { values: [lastRoas] },
                    mark: { type: 'text', align: 'right', baseline: 'bottom', dx: 6, dy: -7, fontWeight: 'bold' },
                    encoding: { x: roasX, y: roasY, text: { field: 'label' }, color: belowBreakEven },
                  } satisfies LayerSpec,
                ]
              : []),
          ],
        },
      ],
    },
  };
}

// ─── 4. Persona heatmap ─────────────────────────────────────────────────────────────────────────

export interface PersonaRoasRow {
  category: string;
  gender: string;
  roas: number | null;
}

// Fixed bands tied to what a manager decides (below break-even, marginal, good, great) read
// better than a continuous ramp, and handle ROAS 0 and "no payout" without a log scale.
const ROAS_BANDS = [
  { below: 1, label: 'below 1×', fill: '#d64545', text: 'white' },
  { below: 2, label: '1–2×', fill: '#fbe3b8', text: palette.ink },
  { below: 4, label: '2–4×', fill: '#d3e3f5', text: palette.ink },
  { below: 8, label: '4–8×', fill: '#93bce6', text: palette.ink },
  { below: 16, label: '8–16×', fill: '#3f7fc4', text: 'white' },
  { below: Infinity, label: '16× and up', fill: palette.primary, text: 'white' },
] as const;
const NO_PAYOUT = { label: 'no payout', fill: palette.page, text: palette.muted } as const;
const bandOf = (roas: number | null) => (finite(roas) ? ROAS_BANDS.find((b) => roas < b.below)! : NO_PAYOUT);

export function personaHeatmapChart(rows: PersonaRoasRow[]): ChartSpec | null {
  if (rows.length === 0) return null;
  const categories = [...new Set(rows.map((r) => r.category))].sort(byText);
  const genders = [...new Set(rows.map((r) => r.gender))].sort(byText);
  const values = rows
    .map((r) => {
      const band = bandOf(r.roas);
      return {
        category: r.category,
        gender: r.gender,
        roas: finite(r.roas) ? r.roas : null,
        label: roasText(r.roas),
        band: band.label,
        ink: band.text,
      };
    })
    .sort((a, b) => byText(a.category, b.category) || byText(a.gender, b.gender));
  const bands = [...ROAS_BANDS, NO_PAYOUT].filter((b) => values.some((v) => v.band === b.label));
  const ranked = values
    .filter((v) => v.roas !== null)
    .sort((a, b) => b.roas! - a.roas! || byText(a.category, b.category) || byText(a.gender, b.gender));
  const best = ranked[0];
  const worst = ranked[ranked.length - 1];
  const below = ranked.filter((v) => v.roas! < 1).length;
  const who = (v: { category: string; gender: string; label: string }) => `${v.category} / ${v.gender} ${v.label}`;
  const title = 'ROAS by persona';
  const alt = best
    ? `${title} (category × gender): best ${who(best)}, worst ${who(worst)}; ${below === 0 ? 'none' : `${below} of ${ranked.length}`} below break-even`
    : `${title} (category × gender): no persona has a payout yet`;
  return {
    id: 'persona-heatmap',
    title,
    alt: sentence(alt),
    spec: {
      ...fitted,
      title: { text: title, subtitle: wrapLines(['Revenue ÷ payout per audience persona; red cells lose money.']) },
      height: categories.length * 30,
      data: { values },
      encoding: {
        x: { field: 'gender', type: 'nominal', sort: genders, title: null, axis: { orient: 'top', labelAngle: 0 } },
        y: { field: 'category', type: 'nominal', sort: categories, title: null },
      },
      layer: [
        {
          mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
          encoding: {
            color: {
              field: 'band',
              type: 'ordinal',
              scale: { domain: bands.map((b) => b.label), range: bands.map((b) => b.fill) },
              legend: { title: 'ROAS', symbolType: 'square', symbolSize: 160, symbolStrokeColor: palette.domain, symbolStrokeWidth: 0.5 },
            },
          },
        },
        {
          mark: { type: 'text', baseline: 'middle' },
          encoding: { text: { field: 'label' }, color: { field: 'ink', type: 'nominal', scale: null } },
        },
      ],
    },
  };
}

// ─── 5. Loss by product ─────────────────────────────────────────────────────────────────────────

export interface ProductLossRow {
  product: string;
  loss: number;
  lossMakers: number;
}

export const TOP_PRODUCTS = 10;

export function lossByProductChart(rows: ProductLossRow[]): ChartSpec | null {
  const losing = rows.filter((r) => finite(r.loss) && r.loss > 0).sort((a, b) => b.loss - a.loss || byText(a.product, b.product));
  if (losing.length === 0) return null;
  const shown = losing.slice(0, TOP_PRODUCTS);
  const values = shown.map((r) => ({
    product: r.product,
    loss: r.loss,
    lossMakers: r.lossMakers,
    label: `${fmtMoney(r.loss)} · ${plural(r.lossMakers, 'loss-maker')}`,
  }));
  // The value label ("182,340 · 3 loss-makers") is long: it goes inside a long bar and after a short
  // one, so neither runs off the plot whatever width the product names leave it.
  const inside = (loss: number) => loss >= shown[0].loss / 2;
  const x: PositionDef = { field: 'loss', type: 'quantitative', scale: { domain: [0, shown[0].loss * 1.04], nice: false } };
  const y: PositionDef = { field: 'product', type: 'nominal', sort: values.map((v) => v.product), title: null, axis: { labelLimit: 150 } };
  const labelLayer = (within: boolean): LayerSpec => ({
    data: { values: values.filter((v) => inside(v.loss) === within) },
    mark: {
      type: 'text',
      align: within ? 'right' : 'left',
      baseline: 'middle',
      dx: within ? -6 : 4,
      color: within ? 'white' : palette.ink,
    },
    encoding: { x, y, text: { field: 'label' } },
  });
  const total = losing.reduce((s, r) => s + r.loss, 0);
  const title = 'Loss by product';
  const more = losing.length > shown.length ? `Top ${shown.length} of ${losing.length} products.` : '';
  return {
    id: 'loss-by-product',
    title,
    alt: sentence(
      `${title}: ${fmtMoney(total)} lost across ${plural(losing.length, 'product')}, most on ${shown
        .slice(0, 3)
        .map((r) => `${r.product} (${fmtMoney(r.loss)})`)
        .join(', ')}`,
    ),
    spec: {
      ...fitted,
      title: {
        text: title,
        subtitle: wrapLines(['Payout minus revenue of the loss-making influencers promoting each product.', ...(more ? [more] : [])]),
      },
      height: Math.max(60, shown.length * 30),
      layer: [
        {
          data: { values },
          mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.68 }, color: palette.bad },
          encoding: { y, x: { ...x, title: 'Loss (payout − revenue)', axis: { labelExpr: MONEY_AXIS_LABEL, tickCount: 5 } } },
        },
        labelLayer(true),
        labelLayer(false),
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Ad campaigns

export interface AdChannelChartRow {
  channel: string;
  roi: number | null;
  cpa: number | null;
  spend: number;
}

const ROI_AXIS_LABEL = "format(datum.value, '.0%')";
const roiText = (v: number | null) => fmtPct(v, 0);
/** Small costs (a KAG click costs about 1.50) keep their cents; large ones are whole. */
export const costText = (v: number | null) => (finite(v) && Math.abs(v) < 100 ? v.toFixed(2) : fmtMoney(v));

/** ROI and CPA of each ad channel (all time), side by side in two panels sharing the channel order. */
export function adChannelChart(rows: AdChannelChartRow[]): ChartSpec | null {
  const shown = rows
    .filter((r) => finite(r.roi) || finite(r.cpa))
    .map((r) => ({
      channel: r.channel,
      roi: finite(r.roi) ? r.roi : null,
      cpa: finite(r.cpa) ? r.cpa : null,
      spend: r.spend,
      roiLabel: roiText(r.roi),
      cpaLabel: costText(r.cpa),
      status: finite(r.roi) && r.roi < 0 ? 'loss' : 'gain',
    }))
    .sort((a, b) => (b.roi ?? -Infinity) - (a.roi ?? -Infinity) || byText(a.channel, b.channel));
  if (shown.length === 0) return null;
  const sort = shown.map((r) => r.channel);
  const axisExtent = 84;
  const panelWidth = Math.floor((CHART_WIDTH - 2 * PADDING - axisExtent - 24 - 12) / 2);
  const y: PositionDef = {
    field: 'channel',
    type: 'nominal',
    sort,
    title: null,
    axis: { minExtent: axisExtent, maxExtent: axisExtent },
  };
  const roiValues = shown.flatMap((r) => (r.roi === null ? [] : [r.roi]));
  const roiMin = Math.min(0, ...roiValues);
  const roiMax = Math.max(0, ...roiValues);
  const roiSpan = roiMax - roiMin || 1;
  const roiStart = roiMin < 0 ? roiMin - roiSpan * 0.25 : 0;
  const labelRoom = (labels: string[]) => Math.max(...labels.map(textWidth)) + 8;
  const roiX: PositionDef = {
    field: 'roi',
    type: 'quantitative',
    scale: { domain: [roiStart, endWithRoom(roiStart, roiMax, labelRoom(shown.map((r) => r.roiLabel)), panelWidth)], nice: false },
    axis: { labelExpr: ROI_AXIS_LABEL, tickCount: 4 },
    title: 'ROI',
  };
  const maxCpa = Math.max(0, ...shown.flatMap((r) => (r.cpa === null ? [] : [r.cpa])));
  const cpaX: PositionDef = {
    field: 'cpa',
    type: 'quantitative',
    scale: { domain: [0, endWithRoom(0, maxCpa || 1, labelRoom(shown.map((r) => r.cpaLabel)), panelWidth)], nice: false },
    axis: { labelExpr: MONEY_AXIS_LABEL, tickCount: 4 },
    title: 'Cost per conversion',
  };
  const height = Math.max(60, shown.length * 30);
  const title = 'Ad channels: ROI and CPA';
  const best = shown.find((r) => r.roi !== null);
  const worst = [...shown].reverse().find((r) => r.roi !== null);
  const noRoi = shown.filter((r) => r.roi === null).map((r) => r.channel);
  const subtitle = ['ROI = (revenue − spend) ÷ spend, CPA = spend ÷ conversions, all time.'];
  if (noRoi.length) subtitle.push(`No ROI without revenue: ${noRoi.join(', ')}.`);
  const alt =
    `${title}: ${shown.map((r) => `${r.channel} ROI ${r.roiLabel}, CPA ${r.cpaLabel}`).join('; ')}` +
    (best && worst && best !== worst ? ` (best ${best.channel}, worst ${worst.channel})` : '');
  return {
    id: 'ad-channels',
    title,
    alt: sentence(alt),
    spec: {
      ...base,
      title: { text: title, subtitle: wrapLines(subtitle) },
      data: { values: shown },
      spacing: 24,
      hconcat: [
        {
          width: panelWidth,
          height,
          layer: [
            {
              mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.68 } },
              encoding: {
                y,
                x: roiX,
                color: {
                  field: 'status',
                  type: 'nominal',
                  scale: { domain: ['loss', 'gain'], range: [palette.bad, palette.primary] },
                  legend: null,
                },
              },
            },
            { mark: { type: 'rule', strokeWidth: 1, color: palette.ink }, encoding: { x: { datum: 0, type: 'quantitative' } } },
            {
              transform: [{ filter: 'datum.roi !== null' }],
              mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4 },
              encoding: { y, x: { ...roiX, field: 'roiEnd' }, text: { field: 'roiLabel' } },
            },
          ],
          transform: [{ calculate: 'max(datum.roi, 0)', as: 'roiEnd' }],
        },
        {
          width: panelWidth,
          height,
          layer: [
            {
              mark: { type: 'bar', cornerRadiusEnd: 2, height: { band: 0.68 }, color: palette.cost },
              encoding: { y: { ...y, axis: null }, x: cpaX },
            },
            {
              transform: [{ filter: 'datum.cpa !== null' }],
              mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4 },
              encoding: { y: { ...y, axis: null }, x: cpaX, text: { field: 'cpaLabel' } },
            },
          ],
        },
      ],
    },
  };
}

export interface AdRoiWeekRow {
  week: string;
  roi: number | null;
  spend: number;
}

/** Weekly ROI of all ad campaigns (ratio of the week's sums), break-even at 0. */
export function adRoiTrendChart(rows: AdRoiWeekRow[]): ChartSpec | null {
  const weeks = [...rows]
    .filter((r) => r.spend > 0 || finite(r.roi))
    .sort((a, b) => byText(a.week, b.week))
    .slice(-TREND_WEEKS);
  const values = weeks.map((w) => ({ week: w.week, roi: finite(w.roi) ? w.roi : null, label: roiText(w.roi), spend: w.spend }));
  const known = values.filter((v) => v.roi !== null);
  if (known.length === 0) return null;
  const first = weeks[0]!.week;
  const last = known.at(-1)!;
  const previous = known.at(-2);
  const rois = known.map((v) => v.roi as number);
  const lo = Math.min(0, ...rois);
  const hi = Math.max(0, ...rois);
  const pad = (hi - lo || 1) * 0.15;
  const x: PositionDef = {
    field: 'week',
    type: 'ordinal',
    sort: weeks.map((w) => w.week),
    scale: { paddingOuter: 0.3 },
    // the plot is the chart less its padding and a ROI axis ('-100%')
    axis: {
      values: labelledWeeks(
        values.map((v) => v.week),
        CHART_WIDTH - 2 * PADDING - textWidth('-100%') - 8,
      ),
      labelExpr: 'slice(datum.value, 5)',
      labelAngle: 0,
      title: null,
    },
  };
  const y: PositionDef = {
    field: 'roi',
    type: 'quantitative',
    scale: { domain: [lo - (lo < 0 ? pad : 0), hi + pad], nice: false },
    axis: { labelExpr: ROI_AXIS_LABEL, tickCount: 4, title: null },
  };
  const belowBreakEven = { condition: { test: 'datum.roi < 0', value: palette.bad }, value: palette.good };
  const title = 'Ad ROI by week';
  const alt = `Weekly ROI of the ad campaigns${weeks.length > 1 ? ` from ${first} to ${weeks.at(-1)!.week}` : ''}: ${last.week} ${last.label}${previous ? ` (${previous.week}: ${previous.label})` : ''}`;
  return {
    id: 'ad-roi-trend',
    title,
    alt: sentence(alt),
    spec: {
      ...fitted,
      title: { text: title, subtitle: wrapLines(['(Revenue − spend) ÷ spend of the week. Below the line, the ads lost money.']) },
      height: 140,
      data: { values },
      layer: [
        {
          mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 1.5, color: palette.bad },
          encoding: { y: { datum: 0, type: 'quantitative' } },
        },
        {
          transform: [{ filter: 'datum.roi !== null' }],
          mark: { type: 'line', strokeWidth: 2.5, color: palette.good },
          encoding: { x, y },
        },
        {
          transform: [{ filter: 'datum.roi !== null' }],
          mark: { type: 'point', filled: true, size: 42, opacity: 1 },
          encoding: { x, y, color: belowBreakEven },
        },
        {
          data: { values: [last] },
          mark: { type: 'text', align: 'center', baseline: 'bottom', dy: -7, fontWeight: 'bold' },
          encoding: { x, y, text: { field: 'label' }, color: belowBreakEven },
        },
      ],
    },
  };
}

// ─── Ad segments: ROI against CPC, as the seed plots it ────────────────────────────────────────

export function adRoiCpcChart(rows: AdSegmentPoint[]): ChartSpec | null {
  const points = rows
    .filter((r) => finite(r.cpc) && finite(r.roi) && r.cpc >= 0)
    .sort((a, b) => byText(a.segment, b.segment) || a.cpc - b.cpc || a.roi - b.roi);
  if (points.length === 0) return null;
  const segments = [...new Set(points.map((r) => r.segment))].sort(byText);
  const colours = segments.map((_s, i) => palette.categories[i % palette.categories.length]);
  const x: PositionDef = { field: 'cpc', type: 'quantitative', axis: { format: ',.2~f', tickCount: 5 }, title: 'Cost per click' };
  const y: PositionDef = { field: 'roi', type: 'quantitative', axis: { labelExpr: ROI_AXIS_LABEL, tickCount: 5 }, title: 'ROI' };
  const title = 'Ad segments: ROI against CPC';
  const losing = points.filter((r) => r.roi < 0).length;
  return {
    id: 'ad-roi-cpc',
    title,
    alt: sentence(
      `${title} for ${plural(points.length, 'ad row')} in ${plural(segments.length, 'segment')}: ${losing} below break-even (ROI under 0), ${points.length - losing} at or above`,
    ),
    spec: {
      ...fitted,
      title: {
        text: title,
        subtitle: wrapLines(['Each dot is an ad-campaign row, coloured by its k-means segment; below the dashed line it lost money.']),
      },
      height: 280,
      layer: [
        {
          data: { values: [{}] },
          mark: { type: 'rule', strokeDash: [5, 3], strokeWidth: 1.5, color: palette.bad },
          encoding: { y: { datum: 0, type: 'quantitative' } },
        },
        {
          data: { values: points },
          mark: { type: 'circle', size: 40, opacity: 0.75, stroke: 'white', strokeWidth: 0.5 },
          encoding: {
            x,
            y,
            color: {
              field: 'segment',
              type: 'nominal',
              scale: { domain: segments, range: colours },
              legend: {
                title: 'Segment',
                orient: 'bottom',
                direction: 'horizontal',
                columns: legendColumns(segments),
                symbolType: 'circle',
              },
            },
          },
        },
      ],
    },
  };
}

// ─── Model comparison: each candidate's headline metric beside the trivial baseline ────────────

export function modelComparisonChart(rows: ModelCandidate[]): ChartSpec | null {
  const metricName = (m: string) => (m === 'auc' ? 'AUC' : m === 'r2' ? 'R²' : m);
  const shown = rows
    .filter((r) => finite(r.value))
    .map((r) => ({
      row: `${r.task} · ${r.algorithm}`,
      // the task says classification or regression already
      name: `${r.task} · ${r.algorithm.replace(/ (classifier|regressor)$/, '')}`,
      value: r.value as number,
      baseline: finite(r.baseline) ? r.baseline : null,
      label: `${metricName(r.metric)} ${(r.value as number).toFixed(2)}`,
      chosen: r.chosen ? 'chosen' : 'candidate',
    }));
  if (shown.length === 0) return null;
  const sort = shown.map((r) => r.row);
  const least = Math.min(0, ...shown.map((r) => r.value), ...shown.flatMap((r) => (r.baseline === null ? [] : [r.baseline])));
  // a little room left of the lowest bar or tick, so a tick there is not drawn on the plot's edge
  const lo = least < 0 ? least - 0.03 * (1.35 - least) : 0;
  // Each row: its name on a line of its own across the whole plot (a label axis beside the bars
  // would leave them no room at a phone's width), its bar and baseline tick below.
  const nameHeight = TEXT + 6;
  const barHeight = 16;
  const rowHeight = nameHeight + barHeight + 12;
  // from the middle of the row (where Vega puts a bar) to the middle of the bar under the name
  const below = nameHeight + barHeight / 2 - rowHeight / 2;
  const x: PositionDef = {
    field: 'value',
    type: 'quantitative',
    scale: { domain: [lo, 1.35], nice: false },
    // no grid: its lines would cross the names
    axis: { tickCount: 5, grid: false },
    title: 'Cross-validated AUC or R²',
  };
  const y: PositionDef = { field: 'row', type: 'nominal', sort, title: null, axis: null, scale: { paddingInner: 0, paddingOuter: 0 } };
  const title = 'Models against their baselines';
  const skilled = shown.filter((r) => r.baseline !== null && r.value > r.baseline).length;
  return {
    id: 'model-comparison',
    title,
    alt: sentence(
      `${title}: ${shown.map((r) => `${r.row} ${r.label}${r.chosen === 'chosen' ? ' (chosen)' : ''}${r.baseline === null ? '' : `, baseline ${r.baseline.toFixed(2)}`}`).join('; ')}; ${skilled} of ${shown.length} beat their baseline`,
    ),
    spec: {
      ...fitted,
      title: {
        text: title,
        subtitle: wrapLines([
          'Bars: each candidate by cross-validation, dark for the one chosen. Ticks: the trivial baseline (AUC 0.5; R² of always predicting the training mean).',
        ]),
      },
      height: shown.length * rowHeight,
      data: { values: shown },
      layer: [
        {
          mark: { type: 'text', align: 'left', baseline: 'top', dy: 2, limit: CHART_WIDTH - 2 * PADDING },
          encoding: { x: { value: 0 }, y: { ...y, bandPosition: 0 }, text: { field: 'name' } },
        },
        {
          mark: { type: 'bar', height: barHeight, yOffset: below, cornerRadiusEnd: 2 },
          encoding: {
            x,
            y,
            color: {
              field: 'chosen',
              type: 'nominal',
              scale: { domain: ['chosen', 'candidate'], range: [palette.primary, palette.faint] },
              legend: null,
            },
          },
        },
        {
          transform: [{ filter: 'datum.baseline !== null' }],
          mark: { type: 'tick', thickness: 2.5, color: palette.ink, size: barHeight + 8, yOffset: below },
          encoding: { x: { field: 'baseline', type: 'quantitative' }, y },
        },
        {
          mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4, yOffset: below },
          encoding: { x: { datum: Math.max(...shown.map((r) => r.value), 0), type: 'quantitative' }, y, text: { field: 'label' } },
        },
      ],
    },
  };
}
