import { Resvg } from '@resvg/resvg-js';
import type { TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import {
  type ChartSpec,
  lossByProductChart,
  personaHeatmapChart,
  revenueVsPayoutChart,
  roasByPlatformChart,
  weeklyTrendChart,
} from './charts.ts';
import { fontFiles, measureText, renderChartPng, renderChartSvg, renderCharts, smallestFontSize } from './render-chart.ts';
import { CHART_FONT, CHART_WIDTH } from './theme.ts';

const charts: ChartSpec[] = [
  roasByPlatformChart([
    { platform: 'Instagram', roas: 4.23, revenue: 3_200_500, payout: 756_600 },
    { platform: 'YouTube', roas: 3.14, revenue: 2_104_000, payout: 670_000 },
    { platform: 'Twitter', roas: 0.82, revenue: 100_000, payout: 122_000 },
  ]),
  revenueVsPayoutChart(
    Array.from({ length: 100 }, (_, i) => ({
      name: `@influencer${i}`,
      payout: 500 + ((i * 7919) % 40_000),
      revenue: i % 13 === 0 ? 0 : (500 + ((i * 7919) % 40_000)) * (0.5 + ((i * 31) % 200) / 10),
      cluster: ['High ROI – Low Cost', 'Mid ROI – Mid Cost', 'Low ROI – High Cost', null][i % 4],
    })),
  ),
  weeklyTrendChart(
    Array.from({ length: 12 }, (_, i) => ({
      week: `2026-W${String(35 + i)}`,
      revenue: 400_000 + 30_000 * (i % 5),
      payout: 100_000 + 9_000 * (i % 3),
      roas: null,
    })).map((w) => ({
      ...w,
      roas: w.revenue / w.payout,
    })),
  ),
  personaHeatmapChart(
    ['Fitness', 'Lifestyle', 'Nutrition', 'Parenting'].flatMap((category, i) =>
      ['Female', 'Male', 'Other'].map((gender, j) => ({ category, gender, roas: 0.5 + i * 3 + j * 2 })),
    ),
  ),
  lossByProductChart([
    { product: 'Whey Protein', loss: 182_340, lossMakers: 3 },
    { product: 'Multivitamin', loss: 64_000, lossMakers: 1 },
    { product: 'Fish Oil', loss: 12_500, lossMakers: 2 },
  ]),
].map((c) => {
  if (!c) throw new Error('fixture chart is empty');
  return c;
});

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const ihdr = (png: Buffer) => ({ width: png.readUInt32BE(16), height: png.readUInt32BE(20) });

/** Decodes a PNG with what is installed: resvg draws it as an embedded image, at its own size. */
function decodePng(png: Buffer): { width: number; height: number; rgba: Buffer } {
  const { width, height } = ihdr(png);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}"><image width="${width}" height="${height}" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  return { width, height, rgba: new Resvg(svg).render().pixels };
}

/** Counts pixels in a box (PNG pixel coordinates) that pass a test. */
function countPixels(
  img: ReturnType<typeof decodePng>,
  test: (r: number, g: number, b: number, a: number) => boolean,
  box = { x0: 0, y0: 0, x1: img.width, y1: img.height },
) {
  let n = 0;
  for (let y = box.y0; y < box.y1; y++) {
    for (let x = box.x0; x < box.x1; x++) {
      const i = 4 * (y * img.width + x);
      if (test(img.rgba[i], img.rgba[i + 1], img.rgba[i + 2], img.rgba[i + 3])) n++;
    }
  }
  return n;
}
const nonWhite = (r: number, g: number, b: number) => r < 245 || g < 245 || b < 245;
const dark = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b < 90;

describe('renderChartPng', () => {
  it.each(charts.map((c) => [c.id, c] as const))('%s: a valid 2× PNG that fits the email', async (_, chart) => {
    const out = await renderChartPng(chart.spec);
    expect(out.png.subarray(0, 8)).toEqual(PNG_MAGIC);
    expect(out.png.toString('latin1', 12, 16)).toBe('IHDR');
    expect(ihdr(out.png)).toEqual({ width: Math.ceil(2 * out.width), height: Math.ceil(2 * out.height) });
    expect(out.width).toBeLessThanOrEqual(CHART_WIDTH);
    expect(out.width).toBeGreaterThan(CHART_WIDTH - 10);
    expect(out.svg).toMatch(/^<svg[^>]*width="[\d.]+"[^>]*height="[\d.]+"/);
    expect(out.warnings).toEqual([]);
  });

  it.each(charts.map((c) => [c.id, c] as const))('%s: not blank, and its text was drawn', async (_, chart) => {
    const out = await renderChartPng(chart.spec);
    const img = decodePng(out.png);
    expect(countPixels(img, (r, g, b, a) => a === 255 && !nonWhite(r, g, b))).toBeGreaterThan(img.width * img.height * 0.3); // white background
    expect(countPixels(img, nonWhite)).toBeGreaterThan(img.width * img.height * 0.03);
    // The title is the only thing in the top-left corner: dark pixels there mean the font loaded.
    const titleBox = { x0: 16, y0: 16, x1: 300, y1: 60 };
    expect(countPixels(img, dark, titleBox)).toBeGreaterThan(500);
    expect(out.svg).toContain(`>${chart.title}<`);
  });

  it('writes the axis titles and value labels into the SVG', async () => {
    const [roas, , , heat, loss] = await renderCharts(charts);
    expect(roas.svg).toContain('ROAS (revenue ÷ payout)');
    expect(roas.svg).toContain('4.2×');
    expect(roas.svg).toContain('font-family="DejaVu Sans"');
    expect(heat.svg).toContain('Parenting');
    expect(loss.svg).toContain('Loss (payout − revenue)');
    expect(loss.svg).toContain('182,340 · 3 loss-makers');
  });

  it('does not cut labels short when there is room for them', async () => {
    const { svg } = await renderChartPng(charts[4].spec);
    expect(svg).not.toContain('…');
  });

  it('honours the scale option', async () => {
    const out = await renderChartPng(charts[0].spec, { scale: 1 });
    expect(ihdr(out.png)).toEqual({ width: Math.ceil(out.width), height: Math.ceil(out.height) });
  });

  it('reports the smallest text it draws', async () => {
    expect((await renderChartSvg(charts[0].spec)).smallestFont).toBe(CHART_FONT.text);
    const tiny = { ...charts[0].spec, config: { ...charts[0].spec.config, axis: { labelFontSize: 7 } } } as TopLevelSpec;
    expect((await renderChartSvg(tiny)).smallestFont).toBe(7);
    expect(smallestFontSize('<svg><text font-size="9px">a</text><text font-size="12.5px">b</text></svg>')).toBe(9);
    expect(() => smallestFontSize('<svg><text>a</text></svg>')).toThrow(/without a font size/);
  });

  it('warns when a chart fitted to its width cuts text off', async () => {
    const spec = {
      ...charts[0].spec,
      title: { text: 'ROAS by platform', subtitle: 'a subtitle far too long for the chart '.repeat(3) },
    } as TopLevelSpec;
    expect((await renderChartSvg(spec)).warnings).toEqual([
      expect.stringMatching(new RegExp(`^\\d+ px of the chart drawn past its ${CHART_WIDTH} px and cut off$`)),
    ]);
  });

  it('refuses specs that would fetch data', async () => {
    const spec: TopLevelSpec = { data: { url: 'https://example.com/data.csv' }, mark: 'point' };
    await expect(renderChartPng(spec)).rejects.toThrow(/must embed their data/);
  });

  it('reports Vega-Lite warnings instead of printing them', async () => {
    const spec = {
      data: { values: [{ a: 1 }] },
      mark: 'point',
      encoding: { x: { field: 'a', type: 'quantitative' }, nonsense: { field: 'a' } },
    } as unknown as TopLevelSpec;
    const out = await renderChartPng(spec);
    expect(out.warnings.join('\n')).toMatch(/nonsense/);
  });
});

describe('renderCharts', () => {
  // Render time is measured by `npm run bench`, not here.
  it('renders the five digest charts, keeping their fields and order', async () => {
    const out = await renderCharts(charts);
    expect(out.map((c) => c.id)).toEqual(charts.map((c) => c.id));
    expect(out.every((c) => c.alt && c.png.length > 1000)).toBe(true);
  });
});

describe('measureText', () => {
  // resvg lays text out with the same font; its bounding box is the ground truth for a label.
  const resvgWidth = (text: string, size: number, weight = 'normal') => {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="60"><text x="10" y="40" font-family="DejaVu Sans" font-size="${size}" font-weight="${weight}">${text}</text></svg>`;
    return new Resvg(svg, {
      font: { fontFiles: [fontFiles.regular, fontFiles.bold], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' },
    }).getBBox()!.width;
  };

  it.each([
    ['Instagram', 12, 'normal'],
    ['1,000,000', 12, 'normal'],
    ['Revenue vs payout', 15, 'bold'],
    ['ROAS (revenue ÷ payout)', 12, 'normal'],
    ['Creatine Monohydrate 250g', 12, 'normal'],
  ])('%s at %ipx %s matches what resvg draws (within 4%%)', (text, size, weight) => {
    const measured = measureText({ fontSize: size, fontWeight: weight }, text);
    // The ink box sits a little inside the advance box, so compare against a small allowance.
    expect(Math.abs(measured - resvgWidth(text, size, weight)) / measured).toBeLessThan(0.04);
  });

  it('measures bold wider, caps at the label limit and treats empty text as 0', () => {
    expect(measureText({ fontSize: 12, fontWeight: 'bold' }, 'Instagram')).toBeGreaterThan(measureText({ fontSize: 12 }, 'Instagram'));
    expect(measureText({ fontSize: 12, limit: 20 }, 'Creatine Monohydrate')).toBe(20);
    expect(measureText({ fontSize: 12 }, '')).toBe(0);
    expect(measureText({ fontSize: 0 }, 'x')).toBe(0);
    // Vega's own guess without a canvas is 0.8 em a character: a third too wide for DejaVu.
    expect(measureText({ fontSize: 12 }, 'Instagram')).toBeLessThan(0.8 * 12 * 'Instagram'.length * 0.8);
  });
});
