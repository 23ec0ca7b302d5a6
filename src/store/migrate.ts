/**
 * Numbered, append-only migrations: `registry/migrations/NNNN_name.sql`, applied in order inside one
 * transaction, with `PRAGMA user_version` recording the last one applied.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

import type Database from 'better-sqlite3';

import { BugError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import { setUserVersion, userVersion } from './queries.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Thrown when the database was migrated by a newer provenant than this one. */
export class SchemaFromFutureError extends Error {
  override readonly name = 'SchemaFromFutureError';
  constructor(
    readonly found: number,
    readonly latest: number,
  ) {
    super(`schema ${found} > ${latest}`);
  }
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

export function migrationsDir(): string {
  return path.join(packageRoot(), 'registry', 'migrations');
}

/**
 * The migrations in `dir`, sorted. Their numbers must run 1, 2, 3… without a gap or a repeat, and
 * every `.sql` file must be named `NNNN_name.sql`: anything else is a packaging bug.
 */
export function loadMigrations(dir: string = migrationsDir()): Migration[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.sql'));
  } catch (error) {
    throw new BugError(`cannot read the migrations in ${dir}`, { cause: error });
  }
  const migrations = names.map((name): Migration => {
    const match = FILE_NAME.exec(name);
    if (!match) throw new BugError(`${path.join(dir, name)}: a migration is named NNNN_name.sql`);
    return { version: Number(match[1]), name, sql: readFileSync(path.join(dir, name), 'utf8') };
  });
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) {
      const file = path.join(dir, migration.name);
      throw new BugError(`${file}: expected migration ${index + 1}, the numbering must be dense`);
    }
  });
  if (migrations.length === 0) throw new BugError(`${dir}: no migrations`);
  return migrations;
}

/**
 * Brings `db` up to `target` (default: the last migration) in one immediate transaction, so two
 * processes opening a fresh cache at once migrate it once. Returns the versions applied.
 * Throws `SchemaFromFutureError` when the database is ahead of the migrations.
 */
export function migrate(
  db: Database.Database,
  migrations: readonly Migration[],
  target: number = migrations.length,
): number[] {
  if (target > migrations.length) throw new BugError(`no migration ${target}; the last is ${migrations.length}`);
  const run = db.transaction((): number[] => {
    const current = userVersion(db);
    if (current > migrations.length) throw new SchemaFromFutureError(current, migrations.length);
    const applied: number[] = [];
    for (const migration of migrations) {
      if (migration.version <= current || migration.version > target) continue;
      db.exec(migration.sql);
      applied.push(migration.version);
    }
    if (applied.length > 0) setUserVersion(db, target);
    return applied;
  });
  // Nothing to do is the common case; it is checked outside a write lock first.
  const current = userVersion(db);
  if (current > migrations.length) throw new SchemaFromFutureError(current, migrations.length);
  if (current >= target) return [];
  return run.immediate();
}
