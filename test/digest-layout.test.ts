// The digest as a reader sees it: the written .html (charts as PNG files beside it) opened in
// headless Chromium at a desktop mail pane's 600 px and a phone's 375 px. Every image loads,
// nothing scrolls sideways, tables keep whole words per line; screenshots land in
// out/test-artifacts/ for a person to look at.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest, kpis, testConfig, testRun } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { generatedInbox, influencerFiles, newestWeek } from './support/generated.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const chromiumPath = '/usr/bin/chromium';
const hasChromium = existsSync(chromiumPath);
if (!hasChromium) console.warn(`digest layout: ${chromiumPath} not found, the browser checks do not run here`);

const artifacts = new URL('../out/test-artifacts/', import.meta.url).pathname;
// Beside the generated set: a loss-maker with a name far longer than any handle (paid, sold nothing).
const longName = '@the_extremely_long_official_handle_of_a_brand';

// Without a control group (like the HealthKart export): winners and loss-makers. With control
// groups the digest also has "Tests to run next" and "Where to move money" (issue 17).
describe.each([
  { groups: false, tables: 2, label: 'no control group' },
  { groups: true, tables: 4, label: 'control groups: tests to run, money to move' },
])('digest layout in a browser ($label)', ({ groups, tables }) => {
  let db: Db;
  let html: string;
  let latest: string;
  let browser: BrowserContext | undefined;
  const outDir = mkdtempSync(join(tmpdir(), 'pulse-layout-'));

  beforeAll(async () => {
    db = await freshDatabase();
    // Generated data (with or without control groups), with loss-makers, and ad campaigns (like
    // Marketing.csv): both sections of the digest.
    const inbox = await generatedInbox({ orders: 3000, seed: 1, groups, files: [...influencerFiles, 'ad_campaigns'] });
    latest = newestWeek(inbox.source);
    writeFileSync(
      join(inbox.inbox, 'extra_influencers.csv'),
      `ID,name,category,gender,follower_count,platform\n101,${longName},Fitness,Female,1200,Instagram\n`,
    );
    writeFileSync(join(inbox.inbox, 'extra_payouts.csv'), 'influencer_id,basis,rate,orders,total_payout\n101,post,5000,0,5000\n');
    await ingest(db.store, inbox);
    await kpis(db.store);
    const run = await testRun(db.store, testConfig({ DATABASE_URL: db.url, OUT_DIR: outDir }));
    await run.models();
    await run.clusters();
    const out = await run.digest({ period: 'latest' });
    html = out.detail!.files!.html;
  });
  afterAll(async () => {
    await browser?.close();
    await db?.drop();
  });

  it('writes the HTML with its charts beside it', () => {
    expect(html).toBe(join(outDir, `digest-${latest}.html`));
    for (const f of [
      'roas-by-platform.png',
      'revenue-vs-payout.png',
      'weekly-trend.png',
      'persona-heatmap.png',
      'loss-by-product.png',
      'ad-channels.png',
      'ad-roi-trend.png',
      'ad-roi-cpc.png',
      'model-comparison.png',
    ])
      expect(existsSync(join(outDir, f)), f).toBe(true);
    const text = readFileSync(html, 'utf8');
    for (const h of ['Tests to run next', 'Where to move money']) expect(text.includes(h), h).toBe(groups);
  });

  it.runIf(hasChromium).each([600, 375])('at %i px: every image loads, no sideways scroll, words stay whole', async (width) => {
    browser ??= await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pulse-chromium-')), {
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage();
    try {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`file://${html}`, { waitUntil: 'load' });
      const m = await page.evaluate((longName) => {
        // The data tables: their own first row is a header (MJML's layout tables only contain them).
        const tables = [...document.querySelectorAll('table')].filter((t) => t.rows[0]?.cells[0]?.tagName === 'TH');
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
        return {
          scrollWidth: document.documentElement.scrollWidth,
          height: document.documentElement.scrollHeight,
          images: [...document.images].map((i) => ({
            src: i.getAttribute('src'),
            natural: i.naturalWidth,
            shown: Math.round(i.getBoundingClientRect().width),
            right: Math.round(i.getBoundingClientRect().right),
          })),
          tables: tables.map((t) => Math.round(t.getBoundingClientRect().right)),
          narrowestCell: Math.round(Math.min(...cells)),
          longNameRight: Math.round(nameCells.find((td) => td.textContent?.includes(longName))?.getBoundingClientRect().right ?? -1),
          wrappedNames,
        };
      }, longName);
      mkdirSync(artifacts, { recursive: true });
      const shot = join(artifacts, `digest-${groups ? 'groups-' : ''}${width}.png`);
      await page.screenshot({ path: shot, fullPage: true });
      console.info(`digest at ${width} px`, {
        scrollWidth: m.scrollWidth,
        height: m.height,
        images: m.images.map((i) => `${i.src} ${i.natural}→${i.shown}px`),
        tablesRight: m.tables,
        narrowestCell: m.narrowestCell,
        screenshot: shot,
      });

      // five influencer charts, three ad charts (channels, weekly ROI, segments), the model comparison
      expect(m.images).toHaveLength(9);
      for (const img of m.images) {
        expect(img.natural, `${img.src} loaded`).toBeGreaterThan(0);
        expect(img.right).toBeLessThanOrEqual(width);
      }
      expect(m.scrollWidth).toBeLessThanOrEqual(width);
      // winners, loss-makers (and with control groups: tests, moves), best and worst ad campaigns, ad segments
      expect(m.tables).toHaveLength(tables + 3);
      for (const right of m.tables) expect(right).toBeLessThanOrEqual(width);
      expect(m.wrappedNames).toEqual([]);
      // The long name breaks inside its cell instead of pushing the table wider.
      expect(m.longNameRight).toBeGreaterThan(0);
      expect(m.longNameRight).toBeLessThanOrEqual(width);
      // No column is squeezed to a letter or two.
      expect(m.narrowestCell).toBeGreaterThan(50);
    } finally {
      await page.close();
    }
  });
});
