// Runs one ingest in its own process so the benchmark can report that process's peak RSS.
import { randomUUID } from 'node:crypto';
import { openStore } from '../src/db/database.ts';
import { logger } from '../src/logger.ts';
import { ingestInbox } from '../src/stages/ingest.ts';

const [databaseUrl, inbox, archive] = process.argv.slice(2) as [string, string, string];
const store = openStore({ databaseUrl, dataDir: '' });
const started = performance.now();
const files = await ingestInbox(store, { inboxDir: inbox, archiveDir: archive, runId: randomUUID(), now: new Date(), log: logger });
const seconds = (performance.now() - started) / 1000;
await store.close();
process.stdout.write(`${JSON.stringify({ seconds, files, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
