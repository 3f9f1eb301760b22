// The one list of stages. Each is imported when first run, so a command that runs no stage
// (status, migrate, trigger, help) never loads vega, mjml or the learners.
import type { StageName } from './params.ts';

export const stageRegistry = {
  ingest: async () => (await import('./ingest.ts')).ingestStage,
  kpis: async () => (await import('./kpis.ts')).kpisStage,
  alerts: async () => (await import('./alerts.ts')).alertsStage,
  models: async () => (await import('./models.ts')).modelsStage,
  clusters: async () => (await import('./clusters.ts')).clustersStage,
  digest: async () => (await import('./digest.ts')).digestStage,
} as const satisfies Record<StageName, () => Promise<{ name: StageName }>>;

export type StageOf<N extends StageName> = Awaited<ReturnType<(typeof stageRegistry)[N]>>;
export type DetailOf<N extends StageName> = NonNullable<Awaited<ReturnType<StageOf<N>['run']>>['detail']>;
