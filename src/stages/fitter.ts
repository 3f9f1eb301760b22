// The models' fits, in a helper process (src/helper-process.ts) of the process running the
// models stage: cross-validating six learners holds ≈ 150 MB for a few seconds at 20,000
// influencers, memory the stage's process would otherwise keep to its end.
import { serveHelper } from '../helper-process.ts';

const methods = import('../pipeline/models/train.ts').then(({ trainAndScore }) => ({ trainAndScore }));
export type FitterMethods = Awaited<typeof methods>;

serveHelper(methods);
