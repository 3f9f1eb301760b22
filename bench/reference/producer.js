// The floor under `pulse trigger`, for the bench: the libraries that command needs by design
// (commander for its arguments, zod for the run parameters, pg for the run row, BullMQ on
// ioredis for the flow), each doing its part once (parse, validate, one query, one flow added)
// with nothing of ours around them; `pulse trigger` also checks the migrations and records the
// run. Plain JavaScript with Node's compile cache on, as the `pulse` entry point is.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const [{ Command }, { z }, pg, { FlowProducer }] = await Promise.all([import('commander'), import('zod'), import('pg'), import('bullmq')]);

const program = new Command().argument('<stages>').option('--period <week>').parse(process.argv);
const params = z
  .object({ stages: z.array(z.enum(['ingest', 'kpis', 'digest'])).min(1), period: z.string().optional() })
  .parse({ stages: program.args[0].split(','), period: program.opts().period });

const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
const flow = new FlowProducer({ connection: { url: process.env.REDIS_URL }, prefix: process.env.PULSE_QUEUE_PREFIX });
await client.connect();
const [{ id }] = (await client.query('SELECT gen_random_uuid() AS id')).rows;
await flow.add({ name: 'run', queueName: 'reference', data: { ...params, runId: id } });
await Promise.all([flow.close(), client.end()]);
process.stdout.write(`${id}\n`);
