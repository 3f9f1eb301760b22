import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type ResvgRenderOptions, renderAsync } from '@resvg/resvg-js';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { CHART_SCALE } from './theme.ts';

/**
 * Vega-Lite spec → Vega → SVG (headless, no canvas) → PNG (resvg). Mail clients drop SVG, so the
 * digest inlines PNGs at 2× for sharp text on high-density screens.
 */
export interface RenderedSvg {
  svg: string;
  /** CSS pixels (the SVG's size); the PNG is `scale` times larger. */
  width: number;
  height: number;
  /** The smallest text drawn (title, axes, legend, labels), CSS px at `width`: what must stay readable when the chart is shown smaller. */
  smallestFont: number;
  /** Vega-Lite and Vega warnings (a dropped encoding, say): the chart still drew, but not as specified. */
  warnings: string[];
}
export interface RenderedChart extends RenderedSvg {
  png: Buffer;
}

const FONT_FAMILY = 'DejaVu Sans';
const fontDir = join(dirname(createRequire(import.meta.url).resolve('dejavu-fonts-ttf/package.json')), 'ttf');
export const fontFiles = { regular: join(fontDir, 'DejaVuSans.ttf'), bold: join(fontDir, 'DejaVuSans-Bold.ttf') };

// ─── Text measuring ─────────────────────────────────────────────────────────────────────────────
// Without a canvas package Vega guesses every character as 0.8 em wide, which overstates DejaVu
// text by a third: axes get too much room, fitted plots shrink and labels are cut short with "…".
// The glyph advances come straight from the font files resvg draws with, so layout and pixels
// agree (kerning aside, which moves a label by a pixel or so).

type Advances = { em: Float32Array; fallback: number };

function readAdvances(file: string): Advances {
  const buf = readFileSync(file);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tables = new Map<string, number>();
  for (let i = 0, n = dv.getUint16(4); i < n; i++) tables.set(buf.toString('latin1', 12 + 16 * i, 16 + 16 * i), dv.getUint32(20 + 16 * i));
  const table = (tag: string) => {
    const at = tables.get(tag);
    if (at === undefined) throw new Error(`${file}: no '${tag}' table, cannot measure text with it`);
    return at;
  };
  const unitsPerEm = dv.getUint16(table('head') + 18);
  const longMetrics = dv.getUint16(table('hhea') + 34);
  const hmtx = table('hmtx');
  const advance = (glyph: number) => dv.getUint16(hmtx + 4 * Math.min(glyph, longMetrics - 1)) / unitsPerEm;

  const cmap = table('cmap');
  let sub = -1;
  for (let i = 0, n = dv.getUint16(cmap + 2); i < n && sub < 0; i++) {
    const platform = dv.getUint16(cmap + 4 + 8 * i);
    const encoding = dv.getUint16(cmap + 6 + 8 * i);
    const at = cmap + dv.getUint32(cmap + 8 + 8 * i);
    if (((platform === 3 && encoding === 1) || (platform === 0 && encoding === 3)) && dv.getUint16(at) === 4) sub = at;
  }
  if (sub < 0) throw new Error(`${file}: no Unicode BMP cmap (format 4), cannot measure text with it`);
  const em = new Float32Array(0x10000).fill(Number.NaN);
  const segX2 = dv.getUint16(sub + 6);
  const ends = sub + 14;
  const starts = ends + segX2 + 2;
  const deltas = starts + segX2;
  const rangeOffsets = deltas + segX2;
  for (let s = 0; s < segX2 / 2; s++) {
    const end = dv.getUint16(ends + 2 * s);
    const start = dv.getUint16(starts + 2 * s);
    const delta = dv.getUint16(deltas + 2 * s);
    const rangeOffset = dv.getUint16(rangeOffsets + 2 * s);
    for (let c = start; c <= end && c < 0xffff; c++) {
      let glyph: number;
      if (rangeOffset === 0) glyph = (c + delta) & 0xffff;
      else {
        const g = dv.getUint16(rangeOffsets + 2 * s + rangeOffset + 2 * (c - start));
        glyph = g === 0 ? 0 : (g + delta) & 0xffff;
      }
      if (glyph !== 0) em[c] = advance(glyph);
    }
  }
  return { em, fallback: advance(0) };
}

let advances: { regular: Advances; bold: Advances } | undefined;

/** Width in px of one line of text in DejaVu Sans, as Vega's `textMetrics.width` is called. */
export function measureText(item: { fontSize?: number | string; fontWeight?: number | string; limit?: number }, text: unknown): number {
  advances ??= { regular: readAdvances(fontFiles.regular), bold: readAdvances(fontFiles.bold) };
  const fontSize = item.fontSize != null ? Number(item.fontSize) || 0 : 11;
  const s = text == null ? '' : String(text).trim();
  if (fontSize <= 0 || s === '') return 0;
  const weight = item.fontWeight;
  const face = weight === 'bold' || weight === 'bolder' || Number(weight) >= 600 ? advances.bold : advances.regular;
  let em = 0;
  for (const ch of s) {
    const w = face.em[ch.codePointAt(0)!];
    em += Number.isNaN(w) ? face.fallback : w;
  }
  const width = em * fontSize;
  // Vega truncates a label to `limit` px after measuring; cap here so bounds match what is drawn.
  return item.limit && item.limit > 0 ? Math.min(width, item.limit) : width;
}

// Vega's hook for a custom measure (the one vl-convert uses). It is process-wide, which is what we
// want: every chart this process draws uses these fonts. Vega's typings leave it out, hence the cast.
(vega as unknown as { textMetrics: { width: (item: object, text: unknown) => number } }).textMetrics.width = measureText;

// ─── Rendering ──────────────────────────────────────────────────────────────────────────────────

// Specs carry their data inline; a spec that asks for a URL is a bug, not something to fetch
// from inside a mail job.
const offline = vega.loader();
const refuse = (uri: string) => Promise.reject(new Error(`chart specs must embed their data; refusing to load '${uri}'`));
offline.load = refuse;
offline.sanitize = refuse;

const resvgOptions = (scale: number): ResvgRenderOptions => ({
  fitTo: { mode: 'zoom', value: scale },
  background: 'white',
  font: {
    fontFiles: [fontFiles.regular, fontFiles.bold],
    loadSystemFonts: false,
    defaultFontFamily: FONT_FAMILY,
    sansSerifFamily: FONT_FAMILY,
  },
});

/** Collects what Vega-Lite and Vega report instead of printing it: errors fail the render. */
function collectingLogger() {
  const errors: string[] = [];
  const warnings: string[] = [];
  const text = (args: readonly unknown[]) => args.map((a) => (a instanceof Error ? a.message : String(a))).join(' ');
  let level = vega.Warn;
  const logger: vega.LoggerInterface = {
    level: ((l?: number) => (l === undefined ? level : ((level = l), logger))) as vega.LoggerInterface['level'],
    error: (...a: readonly unknown[]) => (errors.push(text(a)), logger),
    warn: (...a: readonly unknown[]) => (warnings.push(text(a)), logger),
    info: () => logger,
    debug: () => logger,
  };
  return { logger, errors, warnings };
}

/** Renders one Vega-Lite spec to SVG (headless, no canvas). Rejects if Vega reports an error. */
export async function renderChartSvg(spec: TopLevelSpec): Promise<RenderedSvg> {
  const log = collectingLogger();
  const vgSpec = compile(spec, { logger: log.logger }).spec;
  const remote = (vgSpec.data ?? []).flatMap((d) => ('url' in d && d.url ? [JSON.stringify(d.url)] : []));
  if (remote.length) throw new Error(`chart specs must embed their data; refusing to load ${remote.join(', ')}`);
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none', loader: offline, logger: log.logger });
  let svg: string;
  let drawn: { from: number; to: number };
  try {
    svg = await view.toSVG();
    drawn = drawnExtent(view);
  } finally {
    view.finalize();
  }
  // Vega logs a failed load or a bad expression and carries on drawing an empty frame; a digest
  // should rather fail the render than mail a blank chart.
  if (log.errors.length) throw new Error(`chart failed to render: ${log.errors.join('; ')}`);
  const size = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!size) throw new Error('vega produced an SVG without width and height');
  const width = Number(size[1]);
  // A chart fitted to a width clips what does not fit (a subtitle too long, say) without a word.
  const beyond = Math.max(-drawn.from, drawn.to - width);
  if (beyond > 0.5) log.warnings.push(`${beyond.toFixed(0)} px of the chart drawn past its ${width} px and cut off`);
  return { svg, width, height: Number(size[2]), smallestFont: smallestFontSize(svg), warnings: log.warnings };
}

/** Where the chart's marks (titles and axes included) start and end across the SVG, in px. */
function drawnExtent(view: vega.View): { from: number; to: number } {
  const { bounds } = (view.scenegraph() as unknown as { root: { bounds: { x1: number; x2: number } } }).root;
  const at = (view.padding() as { left: number }).left + view.origin()[0];
  return { from: at + bounds.x1, to: at + bounds.x2 };
}

/** The smallest font-size of the SVG's text elements (Vega writes one on each), or Infinity without text. */
export function smallestFontSize(svg: string): number {
  let smallest = Infinity;
  for (const [tag] of svg.matchAll(/<text\b[^>]*>/g)) {
    const size = /\sfont-size="([\d.]+)px"/.exec(tag);
    if (!size) throw new Error(`chart text without a font size in px: ${tag}`);
    smallest = Math.min(smallest, Number(size[1]));
  }
  return smallest;
}

/** Renders one Vega-Lite spec to SVG and PNG (default CHART_SCALE×). Rejects if Vega reports an error. */
export async function renderChartPng(spec: TopLevelSpec, opts: { scale?: number } = {}): Promise<RenderedChart> {
  const drawn = await renderChartSvg(spec);
  const image = await renderAsync(drawn.svg, resvgOptions(opts.scale ?? CHART_SCALE));
  return { ...drawn, png: image.asPng() };
}

/** Renders several charts; each result keeps the chart's own fields (id, title, alt...). */
export async function renderCharts<T extends { spec: TopLevelSpec }>(
  charts: T[],
  opts: { scale?: number; cache?: ChartCache } = {},
): Promise<(T & RenderedChart)[]> {
  const render = (spec: TopLevelSpec) => {
    if (!opts.cache) return renderChartPng(spec, opts);
    // Subscriptions' digests share charts (the models' one, a slice's that equals another's): drawn once.
    const key = `${opts.scale ?? CHART_SCALE} ${JSON.stringify(spec)}`;
    let drawn = opts.cache.get(key);
    if (!drawn) opts.cache.set(key, (drawn = renderChartPng(spec, opts)));
    return drawn;
  };
  // Vega's layout runs on this thread, resvg's rasterising on libuv's pool: overlapping them helps.
  return Promise.all(charts.map(async (c) => ({ ...c, ...(await render(c.spec)) })));
}

/** Charts already drawn, by spec: for one run that renders several digests. */
export type ChartCache = Map<string, Promise<RenderedChart>>;
