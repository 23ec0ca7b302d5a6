import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { BugError } from '../core/errors.js';
import { loadMigrations, migrate, SchemaFromFutureError } from './migrate.js';
import { SQL, userVersion } from './queries.js';

let tmp: string;
let db: Database.Database;

beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'provenant-migrate-'));
  db = new Database(path.join(tmp, 'test.db'));
});

afterEach(() => {
  db.close();
  rmSync(tmp, { recursive: true, force: true });
});

const migrations = loadMigrations();

/** Name and strictness of every table, from `PRAGMA table_list`. */
function tables(): { name: string; strict: number; wr: number }[] {
  return (db.pragma('table_list') as { name: string; schema: string; strict: number; wr: number }[])
    .filter((t) => t.schema === 'main' && !t.name.startsWith('sqlite_'))
    .map(({ name, strict, wr }) => ({ name, strict, wr }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

describe('loadMigrations', () => {
  it('reads the packaged migrations, numbered densely from 1', () => {
    expect(migrations.length).toBeGreaterThan(0);
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
    expect(migrations[0]?.name).toBe('0001_create_facts_cache.sql');
  });

  it('refuses a gap in the numbering', () => {
    writeFileSync(path.join(tmp, '0001_a.sql'), 'SELECT 1;');
    writeFileSync(path.join(tmp, '0003_c.sql'), 'SELECT 1;');
    expect(() => loadMigrations(tmp)).toThrow(BugError);
    expect(() => loadMigrations(tmp)).toThrow(/0003_c\.sql: expected migration 2/);
  });

  it('refuses a repeated number and a badly named file', () => {
    writeFileSync(path.join(tmp, '0001_a.sql'), 'SELECT 1;');
    writeFileSync(path.join(tmp, '0001_b.sql'), 'SELECT 1;');
    expect(() => loadMigrations(tmp)).toThrow(/dense/);
    rmSync(path.join(tmp, '0001_b.sql'));
    writeFileSync(path.join(tmp, '2-add-index.sql'), 'SELECT 1;');
    expect(() => loadMigrations(tmp)).toThrow(/2-add-index\.sql: a migration is named NNNN_name\.sql/);
  });
});

describe('migrate', () => {
  it('brings a fresh database to the latest version in one go, then does nothing', () => {
    expect(userVersion(db)).toBe(0);
    expect(migrate(db, migrations)).toEqual(migrations.map((m) => m.version));
    expect(userVersion(db)).toBe(migrations.length);
    expect(migrate(db, migrations)).toEqual([]);
  });

  it('refuses a database from a newer schema', () => {
    db.pragma(`user_version = ${migrations.length + 6}`);
    expect(() => migrate(db, migrations)).toThrow(SchemaFromFutureError);
    expect(() => migrate(db, migrations)).toThrow(`schema ${migrations.length + 6} > ${migrations.length}`);
  });

  it('rolls back every step when one migration fails', () => {
    writeFileSync(path.join(tmp, '0001_a.sql'), 'CREATE TABLE a (x INTEGER) STRICT;');
    writeFileSync(path.join(tmp, '0002_b.sql'), 'CREATE TABLE b (x INTEGER) STRICT; SELECT * FROM missing;');
    expect(() => migrate(db, loadMigrations(tmp))).toThrow(/no such table: missing/);
    expect(userVersion(db)).toBe(0);
    expect(tables()).toEqual([]);
  });

  it('0001 creates meta, files and facts as STRICT tables, and facts(hash) searches the primary key', () => {
    migrate(db, migrations, 1);
    expect(userVersion(db)).toBe(1);
    expect(tables()).toEqual([
      { name: 'facts', strict: 1, wr: 0 },
      { name: 'files', strict: 1, wr: 1 },
      { name: 'meta', strict: 1, wr: 1 },
    ]);
    // STRICT: a value of the wrong type is an error, not a silent conversion.
    const insert = db.prepare("INSERT INTO files VALUES ('a.py', 1.5, 'big', 'h', '[]', 0, NULL, '[]')");
    expect(() => insert.run()).toThrow(/cannot store TEXT value in INTEGER column files\.size/);
    const plan = db
      .prepare<[{ hash: string }], { detail: string }>(`EXPLAIN QUERY PLAN ${SQL.factsGet}`)
      .all({ hash: 'abc' })
      .map((row) => row.detail);
    expect(plan).toEqual(['SEARCH facts USING INDEX sqlite_autoindex_facts_1 (hash=?)']);
    const orphans = db
      .prepare<[], { detail: string }>(`EXPLAIN QUERY PLAN ${SQL.factsDeleteOrphans}`)
      .all()
      .map((row) => row.detail);
    expect(orphans).toContain('SEARCH files USING COVERING INDEX files_hash (hash=?)');
  });

  it('0002 adds nullable results columns to files, keeping rows written under 0001', () => {
    migrate(db, migrations, 1);
    db.prepare("INSERT INTO files VALUES ('a.py', 1.5, 3, 'h', '[]', 0, NULL, '[]')").run();
    migrate(db, migrations, 2);
    expect(userVersion(db)).toBe(2);
    const row = db.prepare('SELECT path, results_key, results FROM files').get();
    expect(row).toEqual({ path: 'a.py', results_key: null, results: null });
    // STRICT still holds for the new columns
    expect(() => db.prepare("UPDATE files SET results_key = x'00' WHERE path = 'a.py'").run()).toThrow(/cannot store BLOB value in TEXT column/);
  });
});
