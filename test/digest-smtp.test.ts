// The digest as managers get it: sent over real SMTP to a server in this process, parsed with
// mailparser, and checked part by part; then the delivery guarantees: one mail per period and
// recipient across retries and second triggers, --resend, a failed recipient retried alone,
// weeks without data, and `pulse digest --preview`.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHART_SCALE, CHART_WIDTH } from '../src/report/theme.ts';
import type { StageParams } from '../src/stages/params.ts';
import { ingest, kpis, testConfig, testRun } from './support/context.ts';
import { freshDatabase } from './support/db.ts';
import { dataRows, generatedInbox, type InfluencerTotals, influencerTotals, orderWeeks, payPerOrderAction } from './support/generated.ts';
import { type ReceivedMail, startSmtp, type TestSmtp } from './support/smtp.ts';

type Db = Awaited<ReturnType<typeof freshDatabase>>;

const repoRoot = new URL('../', import.meta.url).pathname;
const ana = 'ana@example.com';
const ben = 'ben@example.com';
// An influencer whose name a spreadsheet would run as a formula.
const formulaName = '=HYPERLINK("x")';

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Pixels that are not (near) white, decoding the PNG by drawing it inside an SVG with resvg. */
function nonWhitePixels(png: Buffer): { width: number; height: number; nonWhite: number } {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${width}" height="${height}"><image width="${width}" height="${height}" xlink:href="data:image/png;base64,${png.toString('base64')}"/></svg>`;
  const rgba = new Resvg(svg).render().pixels;
  let nonWhite = 0;
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i]! < 245 || rgba[i + 1]! < 245 || rgba[i + 2]! < 245) nonWhite++;
  return { width, height, nonWhite };
}

/** Splits one CSV line (RFC 4180 quotes) into cells. */
function csvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') cells.push(cell), (cell = '');
    else cell += ch;
  }
  cells.push(cell);
  return cells;
}

function pulse(env: Record<string, string>, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['src/cli/main.js', ...args],
      { cwd: repoRoot, env: { ...process.env, LOG_LEVEL: 'warn', ...env } },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

// Generated data without a control group (like the HealthKart export): 40 influencers, five of
// them loss-makers, all paid per post; the expectations are summed from the files.
const dataset = { orders: 3000, seed: 1, groups: false };

describe('digest over SMTP (generated data)', () => {
  let db: Db;
  let smtp: TestSmtp;
  let _runId: string;
  let latest: string;
  // Weeks with orders, newest last; every influencer's totals; the loss-makers among them.
  let weeks: string[];
  let influencers: InfluencerTotals[];
  let lossMakers: InfluencerTotals[];
  let filesLoaded: number;
  let rowsLoaded: number;
  const outDir = mkdtempSync(join(tmpdir(), 'pulse-digest-out-'));
  const baseEnv = () => ({ DATABASE_URL: db.url, SMTP_URL: smtp.url, DIGEST_TO: `${ana},${ben}`, OUT_DIR: outDir });

  let run: Awaited<ReturnType<typeof testRun>>;
  const digest = (params: StageParams<'digest'> = {}, env: Record<string, string> = {}) =>
    run.digest(params, testConfig({ ...baseEnv(), ...env }));
  const mailsFor = (period: string): ReceivedMail[] =>
    smtp.received.filter((m) => m.parsed.subject?.startsWith(`Week ${Number(period.slice(-2))}:`));
  const digestRows = async (period: string) =>
    (
      await sql<{ recipient: string; state: string; message_id: string | null; attempts: number; error: string | null }>`
      SELECT recipient, state, message_id, attempts, error FROM ops.digests WHERE period = ${period} ORDER BY recipient`.execute(
        db.store.db,
      )
    ).rows;

  beforeAll(async () => {
    db = await freshDatabase();
    smtp = await startSmtp();
    const inbox = await generatedInbox(dataset);
    weeks = orderWeeks(inbox.source);
    influencers = influencerTotals(inbox.source);
    lossMakers = influencers.filter((t) => t.lossMaker);
    // The data set has the shape these tests need: a few loss-makers, all paid per post, with sales.
    expect(lossMakers.length).toBeGreaterThanOrEqual(3);
    expect(lossMakers.every((t) => t.basis === 'post' && t.orders > 0 && t.roas! < 1)).toBe(true);
    writeFileSync(
      join(inbox.inbox, 'extra_influencers.csv'),
      `ID,name,category,gender,follower_count,platform\n101,"=HYPERLINK(""x"")",Fitness,Female,1200,Instagram\n`,
    );
    filesLoaded = inbox.names.length + 1;
    rowsLoaded = inbox.names.reduce((n, f) => n + dataRows(join(inbox.source, f)), 0) + 1;
    const files = await ingest(db.store, inbox);
    expect(files.map((f) => f.status)).toEqual(Array(filesLoaded).fill('loaded'));
    await kpis(db.store);
    run = await testRun(db.store, testConfig(baseEnv()));
    _runId = run.runId;
    await run.models();
    await run.clusters();
    latest = (await sql<{ week: string }>`SELECT max(week) AS week FROM mart.weekly_kpis`.execute(db.store.db)).rows[0]!.week;
  });
  afterAll(async () => {
    await smtp?.close();
    await db?.drop();
  });

  it('sends one complete mail per recipient: subject, CID images, text part, CSV, ops.digests', async () => {
    // Render time is measured by `npm run bench`, not asserted here.
    const out = await digest({ period: 'latest' });
    expect(latest).toBe(weeks.at(-1));
    expect(out).toMatchObject({ rows: 2, detail: { period: latest, sent: 2 } });

    const mails = mailsFor(latest);
    expect(mails.map((m) => m.envelopeTo)).toEqual([[ana], [ben]]);
    const [first, second] = mails.map((m) => m.parsed);
    for (const [m, to] of [
      [first!, ana],
      [second!, ben],
    ] as const) {
      expect(m.to).toMatchObject({ value: [{ address: to }] });
      expect(m.from).toMatchObject({ value: [{ address: 'campaign-pulse@example.com' }] });
      // Week number, the week's ROAS with its change, and the all-time loss-maker count.
      expect(m.subject).toMatch(
        new RegExp(`^Week ${Number(latest.slice(-2))}: ROAS \\d+\\.\\d× \\([▲▼■]\\d+\\.\\d\\), ${lossMakers.length} loss-makers$`),
      );
    }

    // Every image the HTML references by cid: is attached as a PNG with that Content-ID, and is not blank.
    const m = first!;
    const cids = [...String(m.html).matchAll(/src="cid:([^"]+)"/g)].map((x) => x[1]!);
    // five influencer charts and the model comparison (this data has no ad campaigns)
    expect(cids).toHaveLength(6);
    const images = [];
    for (const cid of cids) {
      const a = m.attachments.find((x) => x.cid === cid);
      expect(a, `attachment for cid:${cid}`).toBeDefined();
      expect(a!.contentType).toBe('image/png');
      expect(a!.contentDisposition).toBe('inline');
      expect(a!.content.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
      const px = nonWhitePixels(a!.content);
      // 2× renders of a chart as wide as charts are drawn; a chart draws on well over 2 % of its pixels.
      expect(px.width).toBe(CHART_WIDTH * CHART_SCALE);
      expect(px.nonWhite / (px.width * px.height)).toBeGreaterThan(0.02);
      images.push({ cid, bytes: a!.size, ...px });
    }
    console.info('digest images', images);

    // The text part carries the same story: headline, every loss-maker with its action.
    expect(m.text).toContain(m.subject);
    for (const t of lossMakers) expect(m.text).toContain(`- ${t.name} (${t.platform}): ROAS ${t.roas!.toFixed(2)}×`);
    for (const t of lossMakers) expect(m.text).toContain(`Action: ${payPerOrderAction(t)}`);

    // The leaderboard CSV: a header, one row per influencer, the loss-makers flagged, formulas defused.
    const csvPart = m.attachments.find((a) => a.filename === `leaderboard-${latest}.csv`)!;
    expect(csvPart.contentType).toBe('text/csv');
    const lines = csvPart.content.toString('utf8').trimEnd().split('\r\n');
    const header = csvLine(lines[0]!);
    expect(header.slice(0, 3)).toEqual(['influencer_id', 'name', 'platform']);
    const rows = lines
      .slice(1)
      .map(csvLine)
      .map((cells) => Object.fromEntries(header.map((h, i) => [h, cells[i]!])));
    expect(rows).toHaveLength(influencers.length + 1);
    expect(new Set(rows.map((r) => r.influencer_id)).size).toBe(influencers.length + 1);
    // Handles start with @, which spreadsheets also read as a formula: they carry the quote too.
    expect(
      rows
        .filter((r) => r.is_loss_maker === 'true')
        .map((r) => r.name)
        .sort(),
    ).toEqual(lossMakers.map((t) => `'${t.name}`).sort());
    expect(rows.filter((r) => r.is_loss_maker === 'false')).toHaveLength(influencers.length + 1 - lossMakers.length);
    const formula = rows.find((r) => r.influencer_id === '101')!;
    expect(formula.name).toBe(`'${formulaName}`);
    expect(lines.find((l) => l.startsWith('101,'))).toContain(`"'=HYPERLINK(""x"")"`);

    // ops.digests: sent, with the Message-ID the recipient got.
    const ledger = await digestRows(latest);
    expect(ledger.map((r) => [r.recipient, r.state, r.attempts])).toEqual([
      [ana, 'sent', 1],
      [ben, 'sent', 1],
    ]);
    expect(ledger.map((r) => r.message_id)).toEqual([first!.messageId, second!.messageId]);
    expect(first!.messageId).toMatch(new RegExp(`^<digest-${latest}-[0-9a-f]{12}@campaign-pulse>$`));
    console.info('digest mail', {
      period: latest,
      subject: m.subject,
      bytes: mails[0]!.raw.length,
      htmlBytes: String(m.html).length,
      csvRows: rows.length,
    });
  });

  it('a second run for the same week sends nothing; --resend sends again', async () => {
    const before = mailsFor(latest).length;
    const again = await digest({ period: latest });
    expect(again).toMatchObject({ rows: 0, skipped: `digest for ${latest} already delivered` });
    // 'latest' resolves to the same week: also skipped.
    expect((await digest({ period: 'latest' })).skipped).toBeDefined();
    expect(mailsFor(latest)).toHaveLength(before);

    const resent = await digest({ period: latest, resend: true });
    expect(resent).toMatchObject({ rows: 2, detail: { sent: 2 } });
    expect(
      mailsFor(latest)
        .slice(before)
        .map((m) => m.envelopeTo),
    ).toEqual([[ana], [ben]]);
    expect((await digestRows(latest)).map((r) => [r.recipient, r.state, r.attempts])).toEqual([
      [ana, 'sent', 2],
      [ben, 'sent', 2],
    ]);
    // After the resend, a plain run is again a no-op.
    expect((await digest({ period: latest })).skipped).toBeDefined();
    expect(mailsFor(latest)).toHaveLength(before + 2);
  });

  it('a recipient the server refuses fails the run; the retry sends to that recipient only', async () => {
    const period = weeks.at(-2)!;
    smtp.reject.add(ben);
    try {
      await expect(digest({ period })).rejects.toThrow(new RegExp(`digest for ${period} not delivered to ${ben}: .*550`));
    } finally {
      smtp.reject.delete(ben);
    }
    expect(mailsFor(period).map((m) => m.envelopeTo)).toEqual([[ana]]);
    const failed = await digestRows(period);
    expect(failed.map((r) => [r.recipient, r.state])).toEqual([
      [ana, 'sent'],
      [ben, 'failed'],
    ]);
    expect(failed[1]!.error).toMatch(/550/);

    const retry = await digest({ period });
    expect(retry).toMatchObject({ rows: 1, detail: { sent: 1 } });
    expect(mailsFor(period).map((m) => m.envelopeTo)).toEqual([[ana], [ben]]);
    expect((await digestRows(period)).map((r) => [r.recipient, r.state, r.attempts])).toEqual([
      [ana, 'sent', 1],
      [ben, 'sent', 2],
    ]);
  });

  it('a week without data sends the short "no data" digest (DIGEST_EMPTY_WEEK=short) or nothing (skip)', async () => {
    const empty = '2024-W10';
    const out = await digest({ period: empty }, { DIGEST_EMPTY_WEEK: 'short' });
    expect(out).toMatchObject({ rows: 2 });
    const mails = mailsFor(empty);
    expect(mails.map((m) => m.envelopeTo)).toEqual([[ana], [ben]]);
    const m = mails[0]!.parsed;
    expect(m.subject).toBe('Week 10: no campaign data this week');
    expect(m.text).toContain(
      `No orders, posts, payouts or ad-campaign rows were loaded for ${empty} (2024-03-04 to 2024-03-10). The newest week with data is ${latest}.`,
    );
    expect(m.html).toContain('No campaign data this week');
    // Short: no charts, no all-time tables, no leaderboard; the data-quality footer stays.
    expect(m.attachments).toEqual([]);
    expect(m.html).not.toContain('Loss-makers');
    expect(m.text).toContain(`Data: ${filesLoaded} files loaded, ${rowsLoaded.toLocaleString('en-US')} rows, 0 rejected`);
    console.info('short digest', { bytes: mails[0]!.raw.length, text: m.text });

    const skipped = '2024-W11';
    const before = smtp.received.length;
    const out2 = await digest({ period: skipped }, { DIGEST_EMPTY_WEEK: 'skip' });
    expect(out2).toMatchObject({ rows: 0, skipped: `no data for ${skipped}` });
    expect(smtp.received.length).toBe(before);
    expect(await digestRows(skipped)).toEqual([]);
  });

  it('`pulse digest --preview` writes the files and sends nothing, even with SMTP_URL set', async () => {
    const previewDir = mkdtempSync(join(tmpdir(), 'pulse-preview-'));
    const before = smtp.received.length;
    const period = weeks.at(-3)!;
    const r = await pulse({ ...baseEnv(), OUT_DIR: previewDir }, ['digest', '--period', period, '--preview']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`digest written: ${join(previewDir, `digest-${period}.html`)}\n`);
    for (const f of [
      `digest-${period}.html`,
      `digest-${period}.eml`,
      `digest-${period}.txt`,
      `leaderboard-${period}.csv`,
      'roas-by-platform.png',
    ])
      expect(existsSync(join(previewDir, f)), f).toBe(true);
    const html = readFileSync(join(previewDir, `digest-${period}.html`), 'utf8');
    expect(html).not.toContain('cid:');
    expect(html).toContain('src="roas-by-platform.png"');
    expect(smtp.received.length).toBe(before);
    expect(await digestRows(period)).toEqual([]);

    // Without --preview the same command sends; --to replaces DIGEST_TO.
    const carol = 'carol@example.com';
    const sent = await pulse({ ...baseEnv(), OUT_DIR: previewDir }, ['digest', '--period', period, '--to', carol]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(
      new RegExp(`^digest sent \\(1 delivery, 1 subscription, 1 rendering\\): Week ${Number(period.slice(-2))}: ROAS `),
    );
    expect(mailsFor(period).map((m) => m.envelopeTo)).toEqual([[carol]]);
    expect((await digestRows(period)).map((r) => [r.recipient, r.state])).toEqual([[carol, 'sent']]);
  });
});
