// Writes docs/data-dictionary.md from the COMMENT ON text of the mart schema, so the
// documentation BI users read is the one the database carries. `npm run docs` regenerates it;
// a test fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { DbOrTrx } from './database.ts';

export const dictionaryPath = new URL('../../docs/data-dictionary.md', import.meta.url).pathname;

export async function dataDictionary(db: DbOrTrx): Promise<string> {
  const tables = await sql<{ name: string; kind: string; comment: string | null }>`
    SELECT c.relname AS name, CASE c.relkind WHEN 'v' THEN 'view' ELSE 'table' END AS kind, obj_description(c.oid, 'pg_class') AS comment
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'mart' AND c.relkind IN ('r', 'v') ORDER BY c.relname`.execute(db);
  const columns = await sql<{ table: string; name: string; type: string; comment: string | null }>`
    SELECT c.relname AS table, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, col_description(c.oid, a.attnum) AS comment
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_attribute a ON a.attrelid = c.oid
    WHERE n.nspname = 'mart' AND c.relkind IN ('r', 'v') AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY c.relname, a.attnum`.execute(db);
  const out = [
    '# Data dictionary: the `mart` schema',
    '',
    'Generated from the database comments by `npm run docs`; do not edit by hand.',
    'BI tools read these with the read-only role `pulse_bi` (see README).',
    '',
  ];
  for (const t of tables.rows) {
    out.push(`## mart.${t.name} (${t.kind})`, '', t.comment ?? '**undocumented**', '', '| column | type | meaning |', '|---|---|---|');
    for (const c of columns.rows.filter((c) => c.table === t.name))
      out.push(`| ${c.name} | ${c.type} | ${(c.comment ?? '**undocumented**').replace(/\|/g, '\\|')} |`);
    out.push('');
  }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { openApp } = await import('./open.ts');
  const { config } = await import('../config.ts');
  const store = await openApp(config());
  writeFileSync(dictionaryPath, await dataDictionary(store.db));
  await store.close();
  process.stdout.write(`wrote ${dictionaryPath}\n`);
}
