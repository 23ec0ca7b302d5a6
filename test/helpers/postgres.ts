/**
 * A PostgreSQL server for the shared-ledger tests: PG_TEST_URL (`.ci/run` starts one with
 * `.ci/services/postgresql.sh` and sets it), else that script's URL on this machine. Each test file gets a
 * database of its own, dropped afterwards, so files never collide and nothing is left behind. Without a
 * server the tests are skipped with one line saying why; under CI=true a missing server fails them.
 */
import { randomBytes } from 'node:crypto';

import pg from 'pg';

export const DEFAULT_PG_URL = 'postgresql://provenant:provenant@127.0.0.1:5432/provenant_test';

export interface TestDatabase {
  /** A URL to a fresh database of its own. */
  url: string;
  name: string;
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export type Probe = { ok: true; db: TestDatabase } | { ok: false; reason: string };

/** A fresh database, or why there is none (thrown instead under CI=true: CI never passes by skipping). */
export async function freshDatabase(label: string): Promise<Probe> {
  const base = process.env.PG_TEST_URL || DEFAULT_PG_URL;
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => undefined);
    const reason = `PostgreSQL not reachable at ${base.replace(/:[^:@/]*@/, ':***@')} (${error instanceof Error ? error.message : String(error)}); start it with .ci/services/postgresql.sh`;
    if (process.env.CI === 'true') throw new Error(`CI: ${reason}`);
    return { ok: false, reason };
  }
  const name = `provenant_t_${label}_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return {
    ok: true,
    db: {
      url: url.toString(),
      name,
      query: async (sql, params) => (await client.query(sql, params)).rows,
      drop: async () => {
        await client.end();
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      },
    },
  };
}
