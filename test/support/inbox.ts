import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const sharedData = new URL('../../../shared/data/', import.meta.url).pathname;

/** A temporary inbox holding copies of a fixture set from ../shared/data (never the originals). */
export function fixtureInbox(set: 'healthkart' | 'ansh' | 'campaigns'): { inbox: string; archive: string } {
  const dir = mkdtempSync(join(tmpdir(), `pulse-${set}-`));
  const inbox = join(dir, 'inbox');
  cpSync(join(sharedData, set), inbox, { recursive: true });
  return { inbox, archive: join(dir, 'archive') };
}

export function inboxWith(files: Record<string, string | Buffer>): { inbox: string; archive: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-inbox-'));
  const inbox = join(dir, 'inbox');
  mkdirSync(inbox);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(inbox, name), content);
  return { inbox, archive: join(dir, 'archive') };
}
