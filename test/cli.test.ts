// The CLI as a user runs it: one-line errors for bad settings, and `pulse run` end to end
// against the local Postgres with DATABASE_URL set.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from './support/db.ts';
import { dataRows, generatedInbox, influencerTotals, newestWeek } from './support/generated.ts';

const pulse = (args: string[], env: Record<string, string>) =>
  spawnSync(process.execPath, ['src/cli/main.js', ...args], {
    cwd: join(import.meta.dirname, '..'),
    env: { PATH: process.env.PATH!, HOME: process.env.HOME!, LOG_LEVEL: 'warn', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });

describe('bad settings', () => {
  it.each([
    ['DATABASE_URL', 'nonsense', /DATABASE_URL \(got "nonsense"\): must be a URL starting with postgres:\/\//],
    ['BASELINE_REVENUE_PER_ORDER', 'abc', /BASELINE_REVENUE_PER_ORDER \(got "abc"\): must be a number, such as 300/],
    ['PULSE_TIMEZONE', 'Mars/Base', /PULSE_TIMEZONE .* IANA time zone/],
    ['DIGEST_TO', 'not-an-email', /DIGEST_TO .* e-mail/],
  ])('%s=%s stops with one line naming the variable', (name, value, message) => {
    const r = pulse(['migrate'], { [name]: value });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('pulse run on Postgres', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => (db = await freshDatabase()));
  afterAll(() => db.drop());

  it('loads, recomputes and writes the digest; status shows the run', async () => {
    // Generated data without a control group (like the HealthKart export), with loss-makers.
    const { inbox, archive, source } = await generatedInbox({ orders: 3000, seed: 1, groups: false });
    const week = newestWeek(source);
    const lossMakers = influencerTotals(source)
      .filter((t) => t.lossMaker)
      .map((t) => t.name);
    const orders = dataRows(join(source, 'orders.csv'));
    expect(lossMakers.length).toBeGreaterThan(0);
    const out = mkdtempSync(join(tmpdir(), 'pulse-out-'));
    // warnings (models skipped for too few loss-makers) are expected; errors are not
    const env = { DATABASE_URL: db.url, OUT_DIR: out, ARCHIVE_DIR: archive, LOG_LEVEL: 'error' };
    const run = pulse(['run', '--inbox', inbox, '--period', 'latest'], env);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/run [0-9a-f-]{36} succeeded/);
    const html = readFileSync(join(out, `digest-${week}.html`), 'utf8');
    for (const name of lossMakers) expect(html).toContain(name);
    expect(existsSync(join(out, `digest-${week}.eml`))).toBe(true);
    const status = pulse(['status'], env);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/succeeded/);
    expect(status.stdout).toMatch(new RegExp(`orders\\.csv\\s+orders\\s+${orders} rows: ${orders} loaded`));
  });

  it('rebuilds the KPI sums from every order when asked, with the same numbers', async () => {
    const env = { DATABASE_URL: db.url, LOG_LEVEL: 'error' };
    const marts = async () => await db.store.db.selectFrom('mart.influencer_kpis').selectAll().orderBy('influencer_id').execute();
    const before = await marts();
    const kpiRun = async (args: string[]) => {
      const r = pulse(['run', '--stages', 'kpis', ...args], env);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const runId = r.stdout.match(/run ([0-9a-f-]{36}) succeeded/)![1]!;
      const [stage] = (
        await sql<{
          detail: { folded: string; full: boolean };
        }>`SELECT detail FROM ops.stage_runs WHERE run_id = ${runId} AND stage = 'kpis'`.execute(db.store.db)
      ).rows;
      return stage!.detail;
    };
    expect(await kpiRun([])).toMatchObject({ folded: 'current', full: false });
    expect(await kpiRun(['--rebuild'])).toMatchObject({ folded: 'rebuilt', full: true });
    expect(await marts()).toEqual(before);
  });
});
