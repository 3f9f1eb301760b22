// The digest's renderer, a helper process (src/helper-process.ts) of whichever process runs the
// digest stage: it draws the charts (Vega → SVG → PNG) and turns the mail's MJML into HTML. Vega,
// Vega-Lite, resvg and MJML are ≈ 100 MB of code and native memory before the first chart is
// drawn; they load here while the run's earlier stages run, or while the stage reads its data, and
// stay loaded for the process's next digest (src/stages/digest.ts: digestRenderer).
import { serveHelper } from '../helper-process.ts';
import type { ChartSpec } from './charts.ts';
import type { ChartCache } from './render-chart.ts';

// Charts shared by several digests of one stage run (a subscription's slice that equals another's)
// are drawn once; a call from another run (`session`) starts the cache afresh.
const cache: ChartCache = new Map();
let cached: string | undefined;

const methods = Promise.all([import('./render-chart.ts'), import('./mjml.ts')]).then(([{ renderCharts }, { mjmlToHtml }]) => ({
  /** Each chart's fields and PNG (CHART_SCALE×), without its spec and SVG, which the caller does not need back. */
  charts: async <T extends ChartSpec>(charts: T[], session: string) => {
    if (session !== cached) cache.clear();
    cached = session;
    return (await renderCharts(charts, { cache })).map(({ spec, svg, ...drawn }) => drawn);
  },
  html: mjmlToHtml,
}));
export type RendererMethods = Awaited<typeof methods>;

serveHelper(methods);
