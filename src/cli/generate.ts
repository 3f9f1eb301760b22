import { generateDataset } from '../generate/generate.ts';
import { logger } from '../logger.ts';

export async function generate(o: { out: string; orders: number; seed: number; influencers?: number }) {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let last = 0;
  const result = await generateDataset({
    outDir: o.out,
    orders: o.orders,
    seed: o.seed,
    influencers: o.influencers,
    onProgress(done, total) {
      const now = Date.now();
      if (now - last < (tty ? 200 : 10_000) && done < total) return;
      last = now;
      if (tty)
        process.stderr.write(
          `\rgenerate orders ${((100 * done) / total).toFixed(0)}% (${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')})${done >= total ? '\n' : ''}`,
        );
      else logger.info({ done, total }, 'generating orders');
    },
  });
  logger.info({ out: o.out, counts: result.counts, seconds: (Date.now() - started) / 1000 }, 'data set written');
  for (const [kind, path] of Object.entries(result.files)) process.stdout.write(`${kind.padEnd(13)} ${path}\n`);
}
