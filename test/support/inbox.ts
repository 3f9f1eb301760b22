import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary inbox with these files (name → content): small inline cases. */
export function inboxWith(files: Record<string, string | Buffer>): { inbox: string; archive: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pulse-inbox-'));
  const inbox = join(dir, 'inbox');
  mkdirSync(inbox);
  for (const [name, content] of Object.entries(files)) writeFileSync(join(inbox, name), content);
  return { inbox, archive: join(dir, 'archive') };
}
