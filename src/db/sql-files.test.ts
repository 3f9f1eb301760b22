import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqlDir } from './migrate.ts';
import { bind, parseSqlFile, sqlFile } from './sql-files.ts';

describe('statement files', () => {
  const text = `-- Adds things.
-- @param $1 first_file: the first load
-- @param $2 last_file: the newest load
DELETE FROM t;
INSERT INTO t SELECT * FROM s WHERE f BETWEEN $1 AND $2;
UPDATE u SET x = $1;
`;

  it('splits statements and binds parameters by the names in the header', () => {
    const f = parseSqlFile('x.sql', text);
    expect(f.names).toEqual(['first_file', 'last_file']);
    expect(f.statements.map((s) => s.arity)).toEqual([0, 2, 1]);
    expect(bind(f, { last_file: 9, first_file: 3, unused: 1 })).toEqual([3, 9]);
  });

  it('refuses a statement that skips a parameter (Postgres could not type it)', () => {
    expect(() => parseSqlFile('z.sql', '-- @param $1 a\n-- @param $2 b\nSELECT $2::int;\n')).toThrow(
      'z.sql: a statement uses $2 but not $1',
    );
  });

  it('refuses a value it is not given, and a $n its header does not name', () => {
    expect(() => bind(parseSqlFile('x.sql', text), { first_file: 1 })).toThrow('x.sql: no value for parameter last_file');
    expect(() => parseSqlFile('y.sql', 'SELECT $1, $2;\n-- @param $1 a\n')).toThrow(
      'y.sql: $2 is used but has no "-- @param $2 name" line',
    );
  });

  it('every file under sql/ (but migrations) parses, and none pastes values into its text', () => {
    const names = ['fold', 'kpis', 'load', 'ops'].flatMap((dir) =>
      readdirSync(join(sqlDir, dir))
        .filter((f) => f.endsWith('.sql'))
        .map((f) => `${dir}/${f}`),
    );
    expect(names.length).toBeGreaterThan(15);
    for (const name of names) {
      const f = sqlFile(name);
      expect(f.statements.length, name).toBeGreaterThan(0);
      expect(
        f.statements.some((s) => /\{\{/.test(s.text)),
        name,
      ).toBe(false);
    }
    expect(sqlFile('kpis/3_influencer_kpis.sql').names.at(-1)).toBe('baseline');
  });
});
