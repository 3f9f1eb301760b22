// docker-compose.yml and the Dockerfile, read without a Docker engine: every app service gets the
// settings it needs (checked with the app's own config parser), reaches the compose services by
// name, and runs the one image built by the multi-stage Dockerfile instead of `npm ci` at start.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../src/config.ts';

const root = join(import.meta.dirname, '..');
const appServices = ['worker', 'api'] as const;

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, unknown> | string[];
  ports?: (string | number | { target?: number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
}

// Compose supports YAML merge keys (`<<: *anchor`); the yaml package needs them switched on.
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const service = (name: string): Service => {
  const s = services[name];
  if (!s) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
};

/** `${NAME:-default}` and `${NAME-default}` as compose reads them with NAME unset; `$$` is a literal `$`. */
function interpolate(value: string, where: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (match, _name, fallback) => {
    if (match === '$$') return '$';
    if (fallback !== undefined) return fallback;
    throw new Error(`${where}: ${match} has no default, so it depends on the shell that runs compose`);
  });
}

/** A service's environment as the container sees it (map or KEY=value list form). */
function environment(name: string): Record<string, string> {
  const raw = service(name).environment ?? {};
  const entries = Array.isArray(raw)
    ? raw.map((line) => {
        const i = line.indexOf('=');
        return i < 0 ? [line, undefined] : [line.slice(0, i), line.slice(i + 1)];
      })
    : Object.entries(raw);
  const env: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (value === null || value === undefined)
      throw new Error(`${name}: ${key} has no value, so it comes from the shell that runs compose`);
    env[key as string] = interpolate(String(value), `${name}.${key}`);
  }
  return env;
}

const words = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(' ') : (v ?? ''));
const containerPorts = (s: Service) =>
  (s.ports ?? []).map((p) => (typeof p === 'object' ? Number(p.target) : Number(String(p).split('/')[0]!.split(':').at(-1))));
const dependsOn = (s: Service): Record<string, string | undefined> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((d) => [d, undefined]))
    : Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([d, c]) => [d, c?.condition]));

/** Dockerfile instructions per stage, continuation lines joined and comments dropped. */
function dockerfileStages(text: string): { from: string; lines: string[] }[] {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: { from: string; lines: string[] }[] = [];
  for (const line of lines) {
    if (/^FROM\s/i.test(line)) stages.push({ from: line, lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

// Where each URL must point: the compose service and the port it listens on inside the network.
const targets = {
  DATABASE_URL: { service: 'postgres', port: 5432 },
  REDIS_URL: { service: 'redis', port: 6379 },
  SMTP_URL: { service: 'mailpit', port: 1025 },
} as const;

const needs: Record<(typeof appServices)[number], (keyof typeof targets | 'PULSE_API_TOKEN')[]> = {
  worker: ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL'],
  api: ['DATABASE_URL', 'REDIS_URL', 'PULSE_API_TOKEN'],
};

describe('docker-compose.yml', () => {
  it('keeps Postgres, Redis and Mailpit', () => {
    for (const name of ['postgres', 'redis', 'mailpit']) expect(service(name).image, name).toBeTruthy();
  });

  describe.each(appServices)('%s', (name) => {
    it('sets every variable it needs', () => {
      const env = environment(name);
      for (const key of needs[name]) expect(env[key]?.trim(), `${name}.${key}`).toBeTruthy();
    });

    it("passes the app's own config parser", () => {
      expect(() => parseConfig(environment(name))).not.toThrow();
    });

    it('points its URLs at the compose services and their ports', () => {
      const env = environment(name);
      for (const key of needs[name]) {
        if (key === 'PULSE_API_TOKEN') continue;
        const url = new URL(env[key]!);
        const { service: host, port } = targets[key];
        expect(url.hostname, `${name}.${key} host`).toBe(host);
        expect(Number(url.port), `${name}.${key} port`).toBe(port);
        expect(services[host], `${name}.${key}: service ${host}`).toBeDefined();
      }
      const db = new URL(env.DATABASE_URL!).pathname.slice(1);
      expect(db, `${name}.DATABASE_URL database`).toBe(environment('postgres').POSTGRES_DB ?? 'postgres');
    });

    it('waits for healthy Postgres and Redis, which have healthchecks', () => {
      const deps = dependsOn(service(name));
      for (const store of ['postgres', 'redis']) {
        expect(deps[store], `${name} depends_on ${store}`).toBe('service_healthy');
        expect(service(store).healthcheck?.test, `${store} healthcheck`).toBeTruthy();
      }
    });

    it('runs the built image, with a build context holding the Dockerfile', () => {
      const s = service(name);
      expect(s.image, `${name}.image`).toBeTruthy();
      expect(s.build, `${name}.build`).toBeTruthy();
      const build = typeof s.build === 'string' ? { context: s.build } : s.build!;
      const context = resolve(root, build.context ?? '.');
      expect(context, `${name}.build.context`).toBe(root);
      expect(
        existsSync(join(context, build.dockerfile ?? 'Dockerfile')),
        `${name}: ${build.dockerfile ?? 'Dockerfile'} in the context`,
      ).toBe(true);
    });
  });

  it('gives the worker and the API the same image', () => {
    const images = new Set(appServices.map((name) => service(name).image));
    expect(images.size).toBe(1);
    expect([...images][0]).toBeTruthy();
  });

  it('runs no `npm ci` or `npm install` at container start', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(`${words(s.entrypoint)} ${words(s.command)}`, name).not.toMatch(/\bnpm\s+(ci|install|i)\b/);
    }
  });

  it('starts the worker and the API with their CLI commands', () => {
    expect(words(service('worker').command)).toMatch(/^worker\b/);
    expect(words(service('api').command)).toMatch(/^serve\b.*--host[ =]0\.0\.0\.0\b/);
  });

  it('publishes the port the API listens on, and checks its health', () => {
    const api = service('api');
    const port = parseConfig(environment('api')).PORT;
    expect(containerPorts(api)).toContain(port);
    expect(words(api.healthcheck?.test)).toContain(`:${port}/health`);
  });

  it('gives every service of the app image the same database, Redis and queue prefix', () => {
    const image = service('worker').image;
    const users = Object.keys(services).filter((name) => services[name]!.image === image);
    expect(users).toEqual(expect.arrayContaining([...appServices]));
    const shared = users.map((name) => {
      const cfg = parseConfig(environment(name));
      return {
        DATABASE_URL: cfg.DATABASE_URL,
        REDIS_URL: cfg.REDIS_URL,
        PULSE_QUEUE_PREFIX: cfg.PULSE_QUEUE_PREFIX,
        PULSE_TIMEZONE: cfg.PULSE_TIMEZONE,
      };
    });
    for (const [i, s] of shared.entries()) expect(s, users[i]).toEqual(shared[0]);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages(readFileSync(join(root, 'Dockerfile'), 'utf8'));
  const runtime = stages.at(-1)!;

  it('has several stages, the runtime stage copying from an earlier one', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(runtime.from).toMatch(/^FROM\s+node:24\b/i);
    expect(runtime.lines.some((l) => /^COPY\s+.*--from=/i.test(l))).toBe(true);
  });

  it('runs `npm ci` at build time, in a build stage', () => {
    const installs = stages.map((s) => s.lines.some((l) => /^RUN\s.*\bnpm\s+ci\b/i.test(l)));
    expect(installs.slice(0, -1)).toContain(true);
    expect(installs.at(-1), 'the runtime stage copies node_modules instead').toBe(false);
  });

  it('copies what the app needs to run and starts the CLI', () => {
    // The sources of each COPY (every argument but the flags and the destination), trailing slashes dropped.
    const sources = runtime.lines
      .filter((l) => /^COPY\s/i.test(l))
      .flatMap((l) =>
        l
          .split(/\s+/)
          .slice(1, -1)
          .filter((a) => !a.startsWith('--')),
      )
      .map((a) => a.replace(/\/+$/, ''));
    for (const path of ['node_modules', 'package.json', 'src', 'sql', 'templates']) {
      expect(
        sources.some((a) => a === path || a.endsWith(`/${path}`)),
        `COPY ${path}`,
      ).toBe(true);
    }
    const start = runtime.lines.filter((l) => /^(ENTRYPOINT|CMD)\s/i.test(l)).join('\n');
    expect(start).toContain('src/cli/main.js');
  });

  it('keeps node_modules, .git and local data out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim().replace(/^\/|\/$/g, ''));
    for (const path of ['node_modules', '.git', 'out', '.pulse', 'inbox']) expect(ignored, path).toContain(path);
  });
});
