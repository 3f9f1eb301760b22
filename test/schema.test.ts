// sql/schema.sql is what the migrations build: a migration without a regenerated snapshot
// (or a hand edit of the snapshot) fails here. `npm run db:schema` writes it.
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { loadMigrations } from '../src/db/migrate.ts';
import { generateTables, normalise, schemaOfMigrations, schemaPath, withMigratedDatabase } from '../src/db/schema-dump.ts';

describe('sql/schema.sql', () => {
  it('equals a schema-only dump of a database built by every migration', async () => {
    const committed = readFileSync(schemaPath, 'utf8');
    const built = await schemaOfMigrations(inject('adminUrl'));
    // compared line by line, so a failure shows the lines that differ
    expect(built.split('\n')).toEqual(committed.split('\n'));
  });

  it('src/db/tables.ts (the Kysely table types) is what kysely-codegen makes of that database', async () => {
    await withMigratedDatabase(inject('adminUrl'), (url) => generateTables(url, { verify: true }));
  });

  it('covers every migration (the newest one adds columns the snapshot must show)', () => {
    const committed = readFileSync(schemaPath, 'utf8');
    expect(loadMigrations().length).toBeGreaterThanOrEqual(9);
    expect(committed).toMatch(/heartbeat_at timestamp with time zone/);
  });

  it('leaves out what changes between dumps of the same schema', () => {
    const a = normalise('\\restrict abc\n-- Dumped from database version 15.1\nSET x = 1;\nCREATE TABLE t (a int);\n\\unrestrict abc\n');
    const b = normalise('\\restrict xyz\n-- Dumped from database version 15.9\nSET x = 2;\nCREATE TABLE t (a int);\n\\unrestrict xyz\n');
    expect(a).toBe(b);
    expect(normalise('CREATE TABLE t (a bigint);')).not.toBe(a);
  });
});
