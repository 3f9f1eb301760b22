// `npm run demo`: a fresh clone's first look. Generates a small synthetic data set into an
// inbox and runs the whole pipeline on the embedded database; the digest lands in out/.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { config } from '../config.ts';
import { openStore } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { generateDataset } from '../generate/generate.ts';
import { logger } from '../logger.ts';
import { runInline } from '../stages/run.ts';

// The demo always uses the embedded database and writes files, whatever the environment says.
const cfg = { ...config(), DATABASE_URL: undefined, SMTP_URL: undefined, REDIS_URL: undefined };
const dataDir = join(cfg.PULSE_DATA_DIR, 'demo');
const inbox = join(dataDir, 'inbox');
rmSync(dataDir, { recursive: true, force: true });

const generated = await generateDataset({ outDir: inbox, orders: 20_000, seed: cfg.PULSE_SEED });
rmSync(generated.files.truth, { force: true }); // the truth is for tests, not an input
const store = openStore({ dataDir: join(dataDir, 'pgdata') });
try {
  await migrate(store);
  const now = new Date();
  const { outcomes } = await runInline(
    { store, config: { ...cfg, ARCHIVE_DIR: join(dataDir, 'archive') }, clock: () => now, log: logger },
    { inbox, period: 'latest' },
    'demo',
  );
  const digest = outcomes.digest!.detail!;
  process.stdout.write(`\n${digest.subject}\nDigest written to ${resolve(digest.files!.html)}\n(and ${resolve(digest.files!.eml)})\n`);
} finally {
  await store.close();
}
