// Where the seed projects' real public data lives (see its README): only the fixture tests
// read it. PULSE_FIXTURE_DATA names the folder (relative paths from the repository root);
// default ../shared/data. The data are never copied into this repository.
import { cpSync, existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export type FixtureSet = 'healthkart' | 'ansh' | 'campaigns';

const repoRoot = new URL('../../', import.meta.url).pathname;

export const fixtureData = resolve(repoRoot, process.env.PULSE_FIXTURE_DATA || '../shared/data');

const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();

/** Why a fixture set cannot be read here, or null when it can. */
export function fixtureMissing(set?: FixtureSet): string | null {
  if (!isDir(fixtureData)) return `fixture data folder ${fixtureData} not found (set PULSE_FIXTURE_DATA)`;
  if (set && !isDir(join(fixtureData, set))) return `fixture set ${join(fixtureData, set)} not found (set PULSE_FIXTURE_DATA)`;
  return null;
}

/** CI=true (or any value but false/0): a missing fixture folder fails the run instead of skipping. */
export const inCi = Boolean(process.env.CI) && !['false', '0'].includes(process.env.CI!.toLowerCase());

/** A temporary inbox holding copies of a fixture set (never the originals). */
export function fixtureInbox(set: FixtureSet): { inbox: string; archive: string } {
  const dir = mkdtempSync(join(tmpdir(), `pulse-${set}-`));
  const inbox = join(dir, 'inbox');
  cpSync(join(fixtureData, set), inbox, { recursive: true });
  return { inbox, archive: join(dir, 'archive') };
}

/** [skip, title] for describe.skipIf: the title says why it is skipped; the reason is also printed once per set. */
export function fixtureSuite(set: FixtureSet, title: string): [boolean, string] {
  const missing = fixtureMissing(set);
  if (missing) console.warn(`fixture tests: ${title} skipped: ${missing}`);
  return [missing !== null, missing ? `${title} (skipped: ${missing})` : title];
}
