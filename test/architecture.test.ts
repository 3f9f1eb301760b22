// The layout's rules, read from the import graph of src/: imports run one way
// (cli | jobs | http → stages → {pipeline, report, db}), pipeline is pure, report never reads
// the database, there are no cycles, and commands that run no stage load no stage code.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const srcDir = resolve(import.meta.dirname, '../src');

interface Edge {
  from: string;
  to: string;
  typeOnly: boolean;
  dynamic: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    if (d.isDirectory()) return d.name === '__snapshots__' ? [] : sourceFiles(p);
    // .ts, and the one .js file: the CLI entry (src/cli/main.js)
    return /\.(ts|js)$/.test(d.name) && !d.name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Every import of a file: static (`import ... from`, `export ... from`) and dynamic (`import('...')`). */
function importsOf(file: string, text: string): Edge[] {
  const edges: Edge[] = [];
  const from = relative(srcDir, file);
  const add = (spec: string, typeOnly: boolean, dynamic: boolean) => {
    const to = spec.startsWith('.') ? relative(srcDir, resolve(dirname(file), spec)) : `npm:${spec}`;
    edges.push({ from, to, typeOnly, dynamic });
  };
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?\bfrom\s+['"]([^'"]+)['"]/gm)) add(m[3]!, Boolean(m[2]), false);
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) add(m[1]!, false, false);
  for (const m of text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1]!, false, true);
  return edges;
}

const layerOf = (path: string): string => (path.startsWith('npm:') ? 'npm' : path.includes('/') ? path.split('/')[0]! : 'infra');

// Which layers each layer may import (besides itself). infra: config, logger, errors, progress.
const allowed: Record<string, string[]> = {
  cli: ['jobs', 'http', 'stages', 'db', 'pipeline', 'report', 'generate', 'infra'],
  http: ['jobs', 'stages', 'db', 'pipeline', 'infra'],
  jobs: ['stages', 'db', 'pipeline', 'infra'],
  stages: ['pipeline', 'report', 'db', 'infra'],
  db: ['pipeline', 'infra'],
  report: ['pipeline', 'infra'],
  generate: ['pipeline', 'infra'],
  pipeline: [],
  infra: [],
};
// Types only: the database layer fills the report's data shapes (db → report types, no code).
const typeOnlyAllowed: Record<string, string[]> = { db: ['report'] };
// Packages pure code must not touch: storage, queues, mail, and Node's I/O (the file system,
// the network, processes). Node's pure data modules (Buffer, text decoding, hashing) are fine.
const nodeIo = [
  'fs',
  'fs/promises',
  'net',
  'http',
  'https',
  'child_process',
  'os',
  'dgram',
  'dns',
  'tls',
  'worker_threads',
  'cluster',
  'stream',
  'stream/promises',
  'readline',
  'process',
];
const impure = new Set([
  'pg',
  'pg-copy-streams',
  'kysely',
  '@electric-sql/pglite',
  'bullmq',
  'ioredis',
  'nodemailer',
  ...nodeIo.flatMap((m) => [m, `node:${m}`]),
]);

function violations(edges: Edge[]): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const [a, b] = [layerOf(e.from), layerOf(e.to)];
    if (b === 'npm') {
      if (a === 'pipeline' && impure.has(e.to.slice(4))) out.push(`${e.from} imports ${e.to.slice(4)}: pipeline/ is pure`);
      continue;
    }
    if (a === b || allowed[a]?.includes(b) || (e.typeOnly && typeOnlyAllowed[a]?.includes(b))) continue;
    out.push(`${e.from} imports ${e.to}: ${a} may not import ${b}`);
  }
  return out;
}

/** Cycles among static value imports (type-only and dynamic imports cannot deadlock a load). */
function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) if (!e.typeOnly && !e.dynamic && !e.to.startsWith('npm:')) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string) => {
    if (state.get(n) === 'done') return;
    if (state.get(n) === 'open') {
      found.push([...stack.slice(stack.indexOf(n)), n]);
      return;
    }
    state.set(n, 'open');
    stack.push(n);
    for (const m of next.get(n) ?? []) visit(m);
    stack.pop();
    state.set(n, 'done');
  };
  for (const n of next.keys()) visit(n);
  return found;
}

/** Every module a file loads at start-up: its static imports, transitively (not `import()`). */
function staticClosure(edges: Edge[], start: string): Set<string> {
  const seen = new Set<string>([start]);
  const todo = [start];
  while (todo.length) {
    const n = todo.pop()!;
    for (const e of edges)
      if (e.from === n && !e.dynamic && !e.typeOnly && !seen.has(e.to)) {
        seen.add(e.to);
        if (!e.to.startsWith('npm:')) todo.push(e.to);
      }
  }
  return seen;
}

const graph = sourceFiles(srcDir).flatMap((f) => importsOf(f, readFileSync(f, 'utf8')));

describe('the import graph of src/', () => {
  it('reads the graph (a sanity check that the parser sees imports at all)', () => {
    expect(graph.length).toBeGreaterThan(100);
    expect(graph).toContainEqual(expect.objectContaining({ from: 'stages/run.ts', to: 'db/runs-repo.ts' }));
    expect(graph).toContainEqual(expect.objectContaining({ from: 'stages/registry.ts', to: 'stages/digest.ts', dynamic: true }));
  });

  it('imports run one way: cli | jobs | http → stages → {pipeline, report, db}; pipeline is pure; report never imports db', () => {
    expect(violations(graph)).toEqual([]);
  });

  it('has no import cycles', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('commands that run no stage (help, version, status, migrate, trigger, schedule) load no charts, mail or learners', () => {
    const heavy =
      /^npm:(vega|vega-lite|mjml|@resvg\/resvg-js|ml-kmeans|ml-matrix|ml-regression-multivariate-linear|nodemailer|@faker-js\/faker|papaparse)$|^(report|pipeline\/models|pipeline\/clusters|pipeline\/ingest|generate)\//;
    for (const entry of ['cli/main.js', 'cli/program.ts', 'cli/basic.ts', 'cli/service.ts']) {
      expect(
        [...staticClosure(graph, entry)].filter((m) => heavy.test(m)),
        entry,
      ).toEqual([]);
    }
  });

  it('the digest stage draws in its renderer process (report/renderer.ts): the stage loads no Vega, resvg or MJML itself', () => {
    const drawing = /^npm:(vega|vega-lite|mjml|@resvg\/resvg-js)$/;
    expect([...staticClosure(graph, 'stages/digest.ts')].filter((m) => drawing.test(m))).toEqual([]);
    // (the renderer does load them: the check sees them where they are)
    expect(graph).toContainEqual(expect.objectContaining({ from: 'report/renderer.ts', to: 'report/render-chart.ts', dynamic: true }));
    expect([...staticClosure(graph, 'report/render-chart.ts')]).toContain('npm:vega');
  });

  it('pulse status, migrate and trigger load no Kysely: they run on a connection alone, through statement files', () => {
    // status: main.js → program.ts → basic.ts, then stages/run.ts (dynamic) for ending dead runs;
    // trigger: service.ts (its other commands load the rest when they run)
    for (const entry of ['cli/main.js', 'cli/program.ts', 'cli/basic.ts', 'stages/run.ts', 'cli/service.ts']) {
      expect(
        [...staticClosure(graph, entry)].filter((m) => m === 'npm:kysely' || m === 'db/database.ts'),
        entry,
      ).toEqual([]);
    }
  });

  it('the checks fail when the rules are broken (pure code importing the database, a cycle)', () => {
    const broken: Edge[] = [
      { from: 'pipeline/kpis/holdout.ts', to: 'npm:pg', typeOnly: false, dynamic: false },
      { from: 'report/format.ts', to: 'db/database.ts', typeOnly: false, dynamic: false },
      { from: 'stages/run.ts', to: 'jobs/worker.ts', typeOnly: false, dynamic: false },
    ];
    expect(violations(broken)).toHaveLength(3);
    expect(
      cycles([
        { from: 'a/x.ts', to: 'a/y.ts', typeOnly: false, dynamic: false },
        { from: 'a/y.ts', to: 'a/x.ts', typeOnly: false, dynamic: false },
      ]),
    ).toHaveLength(1);
  });
});
