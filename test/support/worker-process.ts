// A worker in its own process, so a test can SIGKILL or SIGTERM it.
// argv[2]: JSON { env: config variables, worker: WorkerOptions }.
import { parseConfig } from '../../src/config.ts';
import { openStore } from '../../src/db/database.ts';
import { startWorkers, type WorkerOptions } from '../../src/jobs/worker.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as { env: Record<string, string>; worker: WorkerOptions };
const config = parseConfig(spec.env);
const store = openStore({ databaseUrl: config.DATABASE_URL, dataDir: '' });
const workers = await startWorkers(config, store, spec.worker);
process.stdout.write(`worker ready ${process.pid}\n`);

process.once('SIGTERM', async () => {
  // Like `pulse worker`: the current job finishes, then the process exits.
  await workers.close();
  await store.close();
  process.stdout.write('worker stopped\n');
  process.exit(0);
});
