// The models' and segments' fits, in a helper process (src/helper-process.ts) of the process
// running their stage: cross-validating six learners holds ≈ 150 MB for a few seconds at 20,000
// influencers, and k-means with its silhouettes tens more, memory the stage's process would
// otherwise keep to its end.
import { serveHelper } from '../helper-process.ts';

const methods = Promise.all([import('../pipeline/models/train.ts'), import('../pipeline/clusters/clusters.ts')]).then(
  ([{ trainAndScore }, { clusterEntities }]) => ({ trainAndScore, clusterEntities }),
);
export type FitterMethods = Awaited<typeof methods>;

serveHelper(methods);
