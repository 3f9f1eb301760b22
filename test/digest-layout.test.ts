// The digest as a reader sees it: the written .html (charts as PNG files beside it) opened in
// headless Chromium at a desktop mail pane's 600 px and a phone's 375 px, in a light and in a dark
// setting (dark asked for, and Chromium darkening pages the way some mail apps do). Every image
// loads and says what it shows, nothing scrolls sideways, tables keep whole words per line, text
// keeps its contrast, chart text stays readable on the phone, and a page that asks to stay light
// stays light; screenshots land in out/test-artifacts/ for a person to look at.

import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDigestData } from '../src/db/digest-repo.ts';
import { addSubscription } from '../src/db/subscriptions-repo.ts';
import { parsePeriod } from '../src/pipeline/shared/calendar.ts';
import type { Slice } from '../src/pipeline/shared/slice.ts';
import { digestChartSpecs } from '../src/report/digest-charts.ts';
import { renderChartSvg } from '../src/report/render-chart.ts';
import { AD_POINTS_SHOWN, CHART_SCALE, MIN_PHONE_TEXT, PHONE_WIDTH, TREND_WEEKS } from '../src/report/theme.ts';
import { chromiumArgs, chromiumPath, hasChromium } from './support/browser.ts';
import { ingest, kpis, testConfig, testRun } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { generatedInbox, type InputFile, influencerFiles, newestWeek } from './support/generated.ts';
import { decodePng, minAlpha, pixelAt } from './support/png.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

if (!hasChromium) console.warn(`digest layout: ${chromiumPath} not found, the browser checks do not run here`);

const artifacts = new URL('../out/test-artifacts/', import.meta.url).pathname;
// Beside the generated set: a loss-maker with a name far longer than any handle (paid, sold nothing).
const longName = '@the_extremely_long_official_handle_of_a_brand';
/** WCAG 2 AA for body text. */
const MIN_CONTRAST = 4.5;

// ─── Browsers ───────────────────────────────────────────────────────────────────────────────────

type Scheme = 'light' | 'dark';
const browsers = new Map<Scheme, Promise<BrowserContext>>();

/**
 * One Chromium per scheme for the file. The dark one prefers dark and darkens pages itself (its
 * "auto dark mode", as Gmail's and Outlook's apps do), except pages that say `color-scheme: light only`.
 */
function browserFor(scheme: Scheme): Promise<BrowserContext> {
  let b = browsers.get(scheme);
  if (!b) {
    b = chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pulse-chromium-')), {
      executablePath: chromiumPath,
      headless: true,
      colorScheme: scheme,
      args: ['--headless', ...chromiumArgs, ...(scheme === 'dark' ? ['--blink-settings=forceDarkModeEnabled=true'] : [])],
    });
    browsers.set(scheme, b);
  }
  return b;
}
afterAll(async () => {
  for (const b of browsers.values()) await (await b).close();
});

// ─── What the page shows ────────────────────────────────────────────────────────────────────────

/** Measured in the page: one function, so it carries no closure (it runs in the browser). */
function measure(longName: string) {
  const rgba = (css: string) => {
    const m = /rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)/.exec(css);
    if (!m) throw new Error(`unexpected colour ${css}`);
    return [Number(m[1]), Number(m[2]), Number(m[3]), m[4] === undefined ? 1 : Number(m[4])] as const;
  };
  const hex = (c: readonly number[]) =>
    `#${c
      .slice(0, 3)
      .map((v) => Math.round(v).toString(16).padStart(2, '0'))
      .join('')}`;
  // What is behind an element when nothing in it paints: the page's canvas, in the page's colour scheme.
  const probe = document.createElement('div');
  probe.style.backgroundColor = 'Canvas';
  document.body.append(probe);
  const canvas = rgba(getComputedStyle(probe).backgroundColor);
  probe.remove();
  /** The colour behind an element: its own background or its ancestors', semi-transparent ones blended. */
  const backgroundOf = (el: Element | null): number[] => {
    const layers: (readonly number[])[] = [];
    for (let e = el; e; e = e.parentElement) {
      const bg = rgba(getComputedStyle(e).backgroundColor);
      if (bg[3] > 0) layers.push(bg);
      if (bg[3] === 1) break;
    }
    let out = [...canvas];
    for (const l of layers.reverse()) out = out.map((v, i) => (i < 3 ? l[i]! * l[3]! + v * (1 - l[3]!) : 1));
    return out;
  };
  const luminance = (c: readonly number[]) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const contrast = (a: readonly number[], b: readonly number[]) => {
    const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
    return (hi! + 0.05) / (lo! + 0.05);
  };

  // The header band is the mail's first section; the data tables are those whose own
  // first row is a header (MJML's layout tables only contain them).
  const header = document.querySelector('[aria-roledescription="email"] > div')!;
  const tables = [...document.querySelectorAll('table')].filter((t) => t.rows[0]?.cells[0]?.tagName === 'TH');

  /** Every visible piece of text in these roots, with its colour, what is behind it, and their contrast. */
  const texts = (roots: Element[]) =>
    roots.flatMap((root) => {
      const out: { text: string; color: string; background: string; contrast: number }[] = [];
      const walk = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        const el = n.parentElement!;
        const range = document.createRange();
        range.selectNodeContents(n);
        const style = getComputedStyle(el);
        if (!n.textContent?.trim() || range.getClientRects().length === 0 || style.visibility !== 'visible') continue;
        const color = rgba(style.color);
        const bg = backgroundOf(el);
        out.push({ text: n.textContent.trim().slice(0, 40), color: hex(color), background: hex(bg), contrast: contrast(color, bg) });
      }
      return out;
    });

  const rows = tables.flatMap((t) => [...t.rows].slice(1));
  const cells = rows.flatMap((r) => [...r.cells]).map((td) => td.getBoundingClientRect().width);
  // Handles must not wrap: a short name (≤ 20 characters) renders on a single line.
  const nameCells = rows.map((r) => r.cells[0]!);
  const wrappedNames = nameCells
    .map((td) => {
      const range = document.createRange();
      const node = td.firstChild!;
      range.selectNodeContents(node);
      return { name: node.textContent ?? '', lines: new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size };
    })
    .filter((n) => n.name.length <= 20 && n.lines > 1);
  const box = (el: Element) => el.getBoundingClientRect();
  // Points whose colour the screenshot must show: inside the header band, each table's section, each chart's corner.
  const probes = [
    header,
    ...tables.map((t) => {
      let e: Element | null = t;
      while (e && rgba(getComputedStyle(e).backgroundColor)[3] === 0) e = e.parentElement;
      return e!;
    }),
  ].map((el) => ({
    what: el === header ? 'header' : 'table section',
    x: box(el).left + 3,
    y: box(el).top + 3 + scrollY,
    hex: hex(backgroundOf(el)),
  }));
  return {
    colorScheme: getComputedStyle(document.documentElement).colorScheme,
    metas: Object.fromEntries(
      ['color-scheme', 'supported-color-schemes'].map((n) => [
        n,
        document.querySelector(`meta[name="${n}"]`)?.getAttribute('content') ?? null,
      ]),
    ),
    prefersDark: matchMedia('(prefers-color-scheme: dark)').matches,
    scrollWidth: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
    images: [...document.images].map((i) => ({
      src: i.getAttribute('src') ?? '',
      alt: i.getAttribute('alt') ?? '',
      natural: i.naturalWidth,
      shown: box(i).width,
      right: Math.round(box(i).right),
      corner: { x: box(i).left + 2, y: box(i).top + 2 + scrollY },
    })),
    headerTexts: texts([header]),
    tableTexts: texts(tables),
    bodyTexts: texts([document.body]),
    probes,
    tables: tables.map((t) => Math.round(box(t).right)),
    narrowestCell: Math.round(Math.min(...cells)),
    longNameRight: Math.round(nameCells.find((td) => td.textContent?.includes(longName))?.getBoundingClientRect().right ?? -1),
    wrappedNames,
  };
}

async function open(html: string, width: number, scheme: Scheme): Promise<Page> {
  const page = await (await browserFor(scheme)).newPage();
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`file://${html}`, { waitUntil: 'load' });
  return page;
}

// ─── The digests ────────────────────────────────────────────────────────────────────────────────

interface Variant {
  label: string;
  /** Screenshot name prefix. */
  name: string;
  /** Input files, or none: a week without data. */
  files: InputFile[];
  groups?: boolean;
  charts: string[];
  /** Data tables in the mail. */
  tables: number;
  /** A subscription's slice: its digest (named after the subscription) instead of the whole portfolio's. */
  slice?: Slice;
}
const influencerCharts = ['roas-by-platform', 'revenue-vs-payout', 'weekly-trend', 'persona-heatmap', 'loss-by-product'];
const adCharts = ['ad-channels', 'ad-roi-trend', 'ad-roi-cpc'];

// Without a control group (like the HealthKart export): winners and loss-makers. With control
// groups the digest also has "Tests to run next" and "Where to move money" (issue 17). Ad
// campaigns alone get a digest about them; a week without data gets the short notice.
const variants: Variant[] = [
  {
    label: 'no control group',
    name: '',
    files: [...influencerFiles, 'ad_campaigns'],
    groups: false,
    charts: [...influencerCharts, ...adCharts, 'model-comparison'],
    // winners, loss-makers, best and worst ad campaigns, ad segments
    tables: 5,
  },
  {
    label: 'control groups: tests to run, money to move',
    name: 'groups-',
    files: [...influencerFiles, 'ad_campaigns'],
    groups: true,
    charts: [...influencerCharts, ...adCharts, 'model-comparison'],
    tables: 7,
  },
  { label: 'ad campaigns only', name: 'ads-', files: ['ad_campaigns'], charts: [...adCharts, 'model-comparison'], tables: 3 },
  { label: 'a week without data', name: 'empty-', files: [], charts: [], tables: 0 },
  {
    label: "a subscription's slice (Instagram)",
    name: 'slice-',
    files: [...influencerFiles, 'ad_campaigns'],
    groups: true,
    slice: { platform: ['Instagram'] },
    charts: [...influencerCharts, 'model-comparison'],
    // winners, loss-makers, tests to run (no move gives or receives on Instagram in this set); no ad
    // tables: a platform slice keeps creators only
    tables: 3,
  },
];

const views = [
  { width: 600, scheme: 'light' },
  { width: PHONE_WIDTH, scheme: 'light' },
  { width: 600, scheme: 'dark' },
  { width: PHONE_WIDTH, scheme: 'dark' },
] as const;

describe.each(variants)('digest layout in a browser ($label)', (v) => {
  const influencers = v.files.includes('influencers');
  let db: Db;
  let html: string;
  let period: string;
  /**
   * A chart's file beside the HTML: `<id>.png`, or for a subscription's digest `<id>-<content hash>.png`
   * (subscriptions share equal charts), as the HTML names it.
   */
  const chartFile = (id: string) => {
    if (!v.slice) return `${id}.png`;
    const named = new RegExp(`src="(${id}-[0-9a-f]{12}\\.png)"`).exec(readFileSync(html, 'utf8'));
    return named ? named[1]! : `${id} (not in the HTML)`;
  };
  /** Per chart file: the width it was drawn at and its smallest text, both CSS px. */
  const drawn = new Map<string, { width: number; smallestFont: number }>();
  const outDir = mkdtempSync(join(tmpdir(), 'pulse-layout-'));

  beforeAll(async () => {
    db = await freshDatabase();
    let newest: string | undefined;
    if (v.files.length) {
      const inbox = await generatedInbox({ orders: 3000, seed: 1, groups: v.groups, files: v.files });
      if (influencers) {
        newest = newestWeek(inbox.source);
        writeFileSync(
          join(inbox.inbox, 'extra_influencers.csv'),
          `ID,name,category,gender,follower_count,platform\n101,${longName},Fitness,Female,1200,Instagram\n`,
        );
        writeFileSync(join(inbox.inbox, 'extra_payouts.csv'), 'influencer_id,basis,rate,orders,total_payout\n101,post,5000,0,5000\n');
      }
      await ingest(db.store, inbox);
      await kpis(db.store);
    }
    if (v.slice) await addSubscription(db.store.db, { name: 'sliced', to: ['a@example.com'], where: v.slice }, 'UTC');
    const run = await testRun(db.store, testConfig({ DATABASE_URL: db.url, OUT_DIR: outDir }));
    if (v.files.length) {
      await run.models();
      await run.clusters();
    }
    const out = await run.digest({ period: v.files.length ? 'latest' : '2026-W46' });
    html = out.detail!.files!.html;
    period = out.detail!.period;
    if (newest) expect(period).toBe(newest);
    // The charts' specs as the digest built them, drawn again for their sizes (the PNGs are checked to match).
    const data = await loadDigestData(db.store.db, parsePeriod(period), {
      trendWeeks: TREND_WEEKS,
      adPoints: AD_POINTS_SHOWN,
      slice: v.slice,
    });
    for (const { chart } of v.files.length ? digestChartSpecs(data) : [])
      if (chart) {
        const { width, smallestFont } = await renderChartSvg(chart.spec);
        drawn.set(chartFile(chart.id), { width, smallestFont });
      }
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('writes the HTML with its charts beside it: opaque PNGs on white, at the size they were drawn', () => {
    expect(html).toBe(join(outDir, `digest-${period}${v.slice ? '-sliced' : ''}.html`));
    expect([...drawn.keys()]).toEqual(v.charts.map(chartFile));
    if (v.slice) expect(readFileSync(html, 'utf8')).toMatch(/Week \d+ · Instagram: ROAS/);
    for (const [file, d] of drawn) {
      const png = decodePng(readFileSync(join(dirname(html), file)));
      expect({ file, width: png.width }).toEqual({ file, width: Math.ceil(d.width * CHART_SCALE) });
      // no transparent pixel for a dark mail client to show through, and white at the corners
      expect(minAlpha(png), file).toBe(255);
      for (const [x, y] of [
        [0, 0],
        [png.width - 1, 0],
        [0, png.height - 1],
        [png.width - 1, png.height - 1],
      ])
        expect(pixelAt(png, x!, y!).hex, `${file} at ${x},${y}`).toBe('#ffffff');
    }
    const text = readFileSync(html, 'utf8');
    for (const h of v.slice ? ['Tests to run next'] : ['Tests to run next', 'Where to move money'])
      expect(text.includes(h), h).toBe(Boolean(v.groups));
  });

  it.runIf(hasChromium).each(views)(
    'at $width px, $scheme: images load, nothing scrolls sideways, text reads',
    async ({ width, scheme }) => {
      const page = await open(html, width, scheme);
      try {
        const m = await page.evaluate(measure, longName);
        mkdirSync(artifacts, { recursive: true });
        const shot = join(artifacts, `digest-${v.name}${width}${scheme === 'dark' ? '-dark' : ''}.png`);
        const screenshot = decodePng(await page.screenshot({ path: shot, fullPage: true }));
        const charts = m.images.map((i) => {
          const d = drawn.get(i.src);
          return { ...i, drawnWidth: d?.width, smallestText: d ? (d.smallestFont * i.shown) / d.width : NaN };
        });
        console.info(`digest (${v.label}) at ${width} px, ${scheme}`, {
          scrollWidth: m.scrollWidth,
          height: m.height,
          images: charts.map((c) => `${c.src} ${c.natural}→${Math.round(c.shown)}px, smallest text ${c.smallestText.toFixed(1)}px`),
          tablesRight: m.tables,
          narrowestCell: m.narrowestCell,
          lowestContrast: Math.min(...m.bodyTexts.map((t) => t.contrast)).toFixed(2),
          screenshot: shot,
        });

        // Every chart loads and says in words what it shows.
        expect(m.images.map((i) => i.src)).toEqual(v.charts.map(chartFile));
        for (const c of charts) {
          expect(c.natural, `${c.src} loaded`).toBeGreaterThan(0);
          expect(c.alt, `${c.src} alt`).toMatch(/^[A-Z0-9].{30,}\.$/);
          expect(c.alt).not.toContain(c.src.replace('.png', ''));
          expect(c.right).toBeLessThanOrEqual(width);
          // never blown up beyond the size it was drawn at (a blurred chart), and...
          expect(c.shown).toBeLessThanOrEqual(c.drawnWidth!);
          // ...its smallest text readable: on the phone the chart shrinks with the screen.
          expect(c.smallestText, `${c.src}: smallest text in CSS px`).toBeGreaterThanOrEqual(MIN_PHONE_TEXT);
        }
        // The page asks to stay light, and the browser was asked for dark when it should be.
        expect(m.metas).toEqual({ 'color-scheme': 'light only', 'supported-color-schemes': 'light only' });
        expect(m.colorScheme).toBe('light only');
        expect(m.prefersDark).toBe(scheme === 'dark');
        // ...and stays light: the screenshot shows the header's and the tables' own backgrounds, and white chart corners.
        const painted = [...m.probes, ...charts.map((c) => ({ what: c.src, ...c.corner, hex: '#ffffff' }))];
        expect(painted.map((p) => ({ what: p.what, hex: pixelAt(screenshot, p.x, p.y).hex }))).toEqual(
          painted.map((p) => ({ what: p.what, hex: p.hex })),
        );

        expect(m.scrollWidth).toBeLessThanOrEqual(width);

        // Text contrast, in the header band, in the tables, and anywhere else in the mail.
        expect(m.headerTexts.length).toBeGreaterThanOrEqual(2);
        expect(m.tableTexts.length).toBeGreaterThanOrEqual(v.tables * 4);
        for (const t of [...m.headerTexts, ...m.tableTexts, ...m.bodyTexts])
          expect(t.contrast, `"${t.text}": ${t.color} on ${t.background}`).toBeGreaterThanOrEqual(MIN_CONTRAST);

        expect(m.tables).toHaveLength(v.tables);
        for (const right of m.tables) expect(right).toBeLessThanOrEqual(width);
        expect(m.wrappedNames).toEqual([]);
        if (v.tables) {
          // No column is squeezed to a letter or two.
          expect(m.narrowestCell).toBeGreaterThan(50);
        }
        if (influencers) {
          // The long name breaks inside its cell instead of pushing the table wider.
          expect(m.longNameRight).toBeGreaterThan(0);
          expect(m.longNameRight).toBeLessThanOrEqual(width);
        }
      } finally {
        await page.close();
      }
    },
  );
});
