/**
 * The shared ledger's database: a schema of its own per project on a PostgreSQL server, through `pg`
 * (imported only when such a ledger is configured). All of its SQL lives here; migrations are numbered
 * files in registry/migrations/ledger-pg/, applied under an advisory lock so clones opening a new schema
 * at once migrate it once, with the applied version in `ledger_meta`. Connection failures become a
 * `LedgerUnavailable` whose message names the URL without its password.
 */
import path from 'node:path';

import type { Client } from 'pg';

import { UserError } from '../core/errors.js';
import { redactShapes, scrub, urlPassword } from '../core/redact.js';
import type { NewStamp, StampRow } from './ledger.js';
import { loadMigrations, migrationsDir, SchemaFromFutureError, type Migration } from './migrate.js';

const CONNECT_TIMEOUT_MS = 5_000;
// a server that stops answering mid-run leaves the rows pending instead of hanging the run
const QUERY_TIMEOUT_MS = 60_000;

/** The server could not be reached or refused us: `run` keeps the rows pending, readers stop with this. */
export class LedgerUnavailable extends UserError {}

let migrations: Migration[] | undefined;

const COLUMNS = 'id::float8 AS id, run_id, artifact, sidecar, NULL AS tmp, stamp_sha256, artifact_sha256, producer, git_commit, created_at, summary';

const SQL = {
  stampInsert: `INSERT INTO stamps (run_id, artifact, sidecar, stamp_sha256, artifact_sha256, producer, git_commit, created_at, summary)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (artifact, stamp_sha256) DO NOTHING RETURNING id`,
  inputInsert: `INSERT INTO stamp_inputs (stamp_id, input, input_sha256)
    SELECT $1, i, s FROM unnest($2::text[], $3::text[]) AS t (i, s) ON CONFLICT DO NOTHING`,
  stampsOfArtifact: `SELECT ${COLUMNS} FROM stamps WHERE artifact = $1 ORDER BY created_at, id`,
  stampsOfArtifacts: `SELECT ${COLUMNS} FROM stamps WHERE artifact = ANY($1::text[]) ORDER BY created_at, id`,
  stampsOfDigest: `SELECT ${COLUMNS} FROM stamps WHERE artifact_sha256 = $1 ORDER BY created_at, id`,
  stampsOfProducer: `SELECT ${COLUMNS} FROM stamps WHERE producer = $1 ORDER BY created_at, id`,
  // artifacts whose latest stamp reads the input (an older stamp that did is history, not lineage)
  consumersOf: `SELECT DISTINCT s.artifact FROM stamp_inputs i JOIN stamps s ON s.id = i.stamp_id
    WHERE i.input = $1 AND s.id = (SELECT l.id FROM stamps l WHERE l.artifact = s.artifact ORDER BY l.created_at DESC, l.id DESC LIMIT 1)
    ORDER BY s.artifact`,
  inputsOf: 'SELECT input AS path, input_sha256 AS sha256 FROM stamp_inputs WHERE stamp_id = $1 ORDER BY input',
  stampCount: 'SELECT COUNT(*)::float8 AS n FROM stamps',
} as const;

export interface SharedDb {
  /** The URL as it may be shown: password redacted. */
  readonly where: string;
  readonly schema: string;
  /** Records the stamps (already recorded ones are skipped); returns how many were new. */
  insert(runId: string, stamps: readonly NewStamp[]): Promise<number>;
  history(artifact: string): Promise<StampRow[]>;
  /** The stamps of several artifacts in one round trip, oldest first. */
  histories(artifacts: readonly string[]): Promise<StampRow[]>;
  byDigest(sha256: string): Promise<StampRow[]>;
  producedBy(producer: string): Promise<StampRow[]>;
  consumersOf(input: string): Promise<string[]>;
  inputsOf(stampId: number): Promise<{ path: string; sha256: string }[]>;
  count(): Promise<number>;
  close(): Promise<void>;
}

/** Connects, creates the schema when missing and migrates it. */
export async function connectShared(url: string, schema: string): Promise<SharedDb> {
  const where = redactShapes(url);
  const secrets = [urlPassword(url), process.env.PGPASSWORD].filter((s): s is string => Boolean(s));
  const fail = (what: string, error: unknown): LedgerUnavailable =>
    new LedgerUnavailable(`the PostgreSQL ledger at ${where} ${what}: ${scrub(error instanceof Error ? error.message : String(error), secrets) || 'no reason given'}`, {
      hint: 'check the server and the URL in [tool.provenant.provenance] ledger or PROVENANT_LEDGER_URL (keep the password in PGPASSWORD or ~/.pgpass); stamps made meanwhile stay pending until `provenant ledger sync`',
    });
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, query_timeout: QUERY_TIMEOUT_MS, application_name: 'provenant' });
  // a dropped connection is reported by the query that needed it; the event itself must not crash us
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    const code = (error as { code?: unknown }).code;
    throw fail(code === '28P01' || code === '28000' ? 'refused the login' : code === '3D000' ? 'has no such database' : 'cannot be reached', error);
  }
  try {
    await migrateShared(client, schema);
  } catch (error) {
    await client.end().catch(() => undefined);
    if (error instanceof SchemaFromFutureError) {
      throw new UserError(`the PostgreSQL ledger at ${where} (schema ${schema}) was written by a newer provenant (schema ${error.found} > ${error.latest})`, { hint: 'upgrade provenant' });
    }
    throw fail('refused the ledger schema', error);
  }
  const rows = async <T>(sql: string, params: unknown[]): Promise<T[]> => {
    try {
      return (await client.query(sql, params)).rows as T[];
    } catch (error) {
      throw fail('failed a query', error);
    }
  };
  return {
    where,
    schema,
    async insert(runId, stamps) {
      let added = 0;
      try {
        await client.query('BEGIN');
        for (const s of stamps) {
          const r = await client.query<{ id: string }>(SQL.stampInsert, [runId, s.artifact, s.sidecar, s.stampSha256, s.artifactSha256, s.producer, s.gitCommit, s.createdAt, s.summary]);
          const id = r.rows[0]?.id;
          if (id === undefined) continue;
          added += 1;
          if (s.inputs.length) await client.query(SQL.inputInsert, [id, s.inputs.map((i) => i.path), s.inputs.map((i) => i.sha256)]);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw fail('did not record the stamps', error);
      }
      return added;
    },
    history: (artifact) => rows<StampRow>(SQL.stampsOfArtifact, [artifact]),
    histories: (artifacts) => rows<StampRow>(SQL.stampsOfArtifacts, [[...artifacts]]),
    byDigest: (sha256) => rows<StampRow>(SQL.stampsOfDigest, [sha256]),
    producedBy: (producer) => rows<StampRow>(SQL.stampsOfProducer, [producer]),
    consumersOf: async (input) => (await rows<{ artifact: string }>(SQL.consumersOf, [input])).map((r) => r.artifact),
    inputsOf: (stampId) => rows<{ path: string; sha256: string }>(SQL.inputsOf, [stampId]),
    count: async () => (await rows<{ n: number }>(SQL.stampCount, []))[0]?.n ?? 0,
    close: () => client.end(),
  };
}

async function migrateShared(client: Client, schema: string): Promise<void> {
  const list = (migrations ??= loadMigrations(path.join(migrationsDir(), 'ledger-pg')));
  const id = quoteIdent(schema);
  const version = async (): Promise<number> => {
    const r = await client.query<{ version: number }>('SELECT version FROM ledger_meta');
    return r.rows[0]?.version ?? 0;
  };
  await client.query(`SET search_path TO ${id}`);
  // the common case, without a lock: the schema is there and current
  const exists = await client.query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [schema, 'ledger_meta']);
  if (exists.rowCount) {
    const found = await version();
    if (found > list.length) throw new SchemaFromFutureError(found, list.length);
    if (found === list.length) return;
  }
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`provenant-ledger:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${id}`);
    await client.query('CREATE TABLE IF NOT EXISTS ledger_meta (version INTEGER NOT NULL)');
    const found = await version();
    if (found > list.length) throw new SchemaFromFutureError(found, list.length);
    for (const m of list) if (m.version > found) await client.query(m.sql);
    if (found === 0) await client.query('INSERT INTO ledger_meta (version) VALUES ($1)', [list.length]);
    else await client.query('UPDATE ledger_meta SET version = $1', [list.length]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
