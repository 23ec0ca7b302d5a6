/**
 * The ledger seam: the one door every provenance and pipeline module goes through to record stamps and ask
 * about them. Two backends implement it:
 * - SQLite (the default): `.provenant/ledger.db` in the clone (store/ledger.ts, unchanged on disk);
 * - PostgreSQL (`[tool.provenant.provenance] ledger = "postgresql://…"` or PROVENANT_LEDGER_URL): one
 *   schema per project on a shared server (store/ledger-pg.ts), so every clone, machine and CI job writes
 *   to and reads from the same history.
 * Either way each clone keeps its SQLite file as the journal that makes a commit crash-safe and as verify's
 * stat cache (`local`): both describe one file system. A row the shared ledger could not take when it was
 * made waits in `.provenant/ledger-pending/<run>.json` (written durably first) and is sent by the next run
 * or `provenant ledger sync`; until then the seam answers with it too. The sidecar stamps stay the truth.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

import { UserError } from '../core/errors.js';
import { gitSync } from '../core/git.js';
import { redactShapes } from '../core/redact.js';
import type { Config } from '../schemas/config.js';
import { CACHE_DIR } from '../store/index.js';
import { openLedger as openLocal, type Ledger as LocalLedger, type NewStamp, type StampRow } from '../store/ledger.js';
import type { SharedDb } from '../store/ledger-pg.js';
import { writeDurable } from './stamp-file.js';

export type { DigestRow, NewStamp, StampRow } from '../store/ledger.js';
export type { LocalLedger };

export interface PendingRun {
  runId: string;
  stamps: NewStamp[];
}

export interface SyncReport {
  /** Rows the shared ledger took now. */
  sent: number;
  /** Rows still waiting (the server is unreachable), with the reason. */
  pending: number;
  reason: string | null;
}

export interface Ledger {
  readonly backend: 'sqlite' | 'postgresql';
  /** Where it is, as it may be shown (a URL's password redacted). */
  readonly where: string;
  /** This clone's SQLite ledger: the crash-safe run journal and verify's stat cache; null when there is none. */
  readonly local: LocalLedger | null;
  /**
   * Records a run's stamps: `commit` (commit.ts, through `local`, the journal) puts the sidecars in place,
   * then the rows go to the shared ledger. Never throws for an unreachable server: the rows stay pending.
   */
  record(runId: string, stamps: readonly NewStamp[], commit: () => void): Promise<SyncReport>;
  /** Every stamp of an artifact, oldest first. */
  history(artifact: string): Promise<StampRow[]>;
  /** Asks for the histories of these artifacts at once (one round trip), so `history` answers them from memory. */
  warm(artifacts: readonly string[]): Promise<void>;
  /** Stamps whose artifact had this content digest. */
  byDigest(sha256: string): Promise<StampRow[]>;
  producedBy(producer: string): Promise<StampRow[]>;
  /** Lineage down: artifacts whose latest stamp names `input`, sorted. */
  consumersOf(input: string): Promise<string[]>;
  /** `ledger rebuild`: the shared ledger takes every stamp it lacks (it never drops another clone's rows). */
  fill(stamps: readonly NewStamp[]): Promise<number>;
  pending(): PendingRun[];
  sync(): Promise<SyncReport>;
  close(): Promise<void>;
}

export interface LedgerTarget {
  backend: 'sqlite' | 'postgresql';
  url: string | null;
  schema: string | null;
}

/** Which ledger the project uses: PROVENANT_LEDGER_URL, else the config's `ledger`, else SQLite. */
export function ledgerTarget(root: string, config: Config, env: NodeJS.ProcessEnv = process.env): LedgerTarget {
  const url = env.PROVENANT_LEDGER_URL?.trim() || config.provenance.ledger;
  if (!url || url === 'sqlite') return { backend: 'sqlite', url: null, schema: null };
  if (!/^postgres(ql)?:\/\//.test(url)) {
    const from = env.PROVENANT_LEDGER_URL?.trim() ? 'PROVENANT_LEDGER_URL' : '[tool.provenant.provenance] ledger';
    throw new UserError(`${from}: expected "sqlite" or a postgresql:// URL, got ${JSON.stringify(redactShapes(url).split('://')[0] ?? '')}://…`, { hint: 'ledger = "postgresql://user@host:5432/db"' });
  }
  const schema = env.PROVENANT_LEDGER_SCHEMA?.trim() || config.provenance.ledgerSchema || projectSchema(root);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new UserError(`ledger schema ${JSON.stringify(schema)}: expected lower-case letters, digits and _ (at most 63)`, { hint: 'set [tool.provenant.provenance] ledger-schema' });
  }
  return { backend: 'postgresql', url, schema };
}

/**
 * The project's schema name, the same in every clone: from the repository's first commit (its root commits,
 * sorted), else from the folder's name. Two repositories sharing a server get two schemas.
 */
export function projectSchema(root: string): string {
  const listed = gitSync(['rev-list', '--max-parents=0', 'HEAD'], root, process.env);
  // not a repository, no commit yet, or no git: the folder names the project
  const roots = listed.status === 0 ? listed.stdout : '';
  const first = roots.split('\n').filter(Boolean).sort()[0];
  if (first) return `provenant_${first.slice(0, 12)}`;
  const slug = path.basename(root).toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 40);
  return `provenant_${slug || createHash('sha256').update(root).digest('hex').slice(0, 12)}`;
}

/**
 * Opens the project's ledger. SQLite: null when there is none and `create` is false (as before). PostgreSQL:
 * always a ledger; the server is first contacted by the first question, so `run` can stamp while it is down.
 */
export function openLedger(root: string, config: Config, options: { create: boolean; orReadOnly?: boolean; env?: NodeJS.ProcessEnv }): Ledger | null {
  const target = ledgerTarget(root, config, options.env);
  const local = openLocal(root, { create: options.create, ...(options.orReadOnly ? { orReadOnly: true } : {}) });
  if (target.backend === 'sqlite') return local ? new SqliteLedger(local) : null;
  return new SharedLedger(root, local, target.url ?? '', target.schema ?? '');
}

class SqliteLedger implements Ledger {
  readonly backend = 'sqlite';
  readonly where: string;
  constructor(readonly local: LocalLedger) {
    this.where = local.file;
  }

  record(_runId: string, _stamps: readonly NewStamp[], commit: () => void): Promise<SyncReport> {
    // the journal's rows are the SQLite ledger's rows
    commit();
    return Promise.resolve({ sent: 0, pending: 0, reason: null });
  }

  history(artifact: string): Promise<StampRow[]> {
    return Promise.resolve(this.local.history(artifact));
  }

  warm(): Promise<void> {
    // an indexed local read per artifact is already cheap
    return Promise.resolve();
  }

  byDigest(sha256: string): Promise<StampRow[]> {
    return Promise.resolve(this.local.byDigest(sha256));
  }

  producedBy(producer: string): Promise<StampRow[]> {
    return Promise.resolve(this.local.producedBy(producer));
  }

  consumersOf(input: string): Promise<string[]> {
    const ledger = this.local;
    const artifacts = [...new Set(ledger.consumersOf(input).map((r) => r.artifact))].sort();
    return Promise.resolve(artifacts.filter((a) => {
      const latest = ledger.history(a).at(-1);
      return latest !== undefined && ledger.inputsOf(latest.id).some((i) => i.path === input);
    }));
  }

  fill(): Promise<number> {
    // rebuildLedger has replaced the SQLite rows itself
    return Promise.resolve(0);
  }

  pending(): PendingRun[] {
    return [];
  }

  sync(): Promise<SyncReport> {
    return Promise.resolve({ sent: 0, pending: 0, reason: null });
  }

  close(): Promise<void> {
    this.local.close();
    return Promise.resolve();
  }
}

class SharedLedger implements Ledger {
  readonly backend = 'postgresql';
  readonly where: string;
  private db: Promise<SharedDb> | null = null;
  private waiting: PendingRun[] | null = null;
  private readonly histories = new Map<string, StampRow[]>();

  constructor(
    private readonly root: string,
    readonly local: LocalLedger | null,
    private readonly url: string,
    private readonly schema: string,
  ) {
    this.where = `${redactShapes(url)} (schema ${schema})`;
  }

  private connect(): Promise<SharedDb> {
    this.db ??= import('../store/ledger-pg.js').then(({ connectShared }) => connectShared(this.url, this.schema));
    return this.db;
  }

  async record(runId: string, stamps: readonly NewStamp[], commit: () => void): Promise<SyncReport> {
    // durable (and whole, by the rename) before the commit: a kill anywhere after it loses no row, and
    // `sync` sends it only once the journal says the run is done
    const file = pendingFile(this.root, runId);
    mkdirSync(path.dirname(file), { recursive: true });
    writeDurable(`${file}.tmp`, JSON.stringify({ version: 1, runId, stamps: [...stamps] } satisfies PendingRun & { version: 1 }) + '\n');
    renameSync(`${file}.tmp`, file);
    this.waiting = null;
    this.histories.clear();
    try {
      commit();
    } catch (error) {
      rmSync(file, { force: true });
      throw error;
    }
    return this.sync();
  }

  async history(artifact: string): Promise<StampRow[]> {
    const rows = this.histories.get(artifact) ?? (await (await this.connect()).history(artifact));
    return withPending(rows, this.pending(), (s) => s.artifact === artifact);
  }

  async warm(artifacts: readonly string[]): Promise<void> {
    const wanted = [...new Set(artifacts)].filter((a) => !this.histories.has(a));
    if (!wanted.length) return;
    const rows = await (await this.connect()).histories(wanted);
    for (const a of wanted) this.histories.set(a, []);
    for (const row of rows) this.histories.get(row.artifact)?.push(row);
  }

  async byDigest(sha256: string): Promise<StampRow[]> {
    const rows = await (await this.connect()).byDigest(sha256);
    return withPending(rows, this.pending(), (s) => s.artifactSha256 === sha256);
  }

  async producedBy(producer: string): Promise<StampRow[]> {
    const rows = await (await this.connect()).producedBy(producer);
    return withPending(rows, this.pending(), (s) => s.producer === producer);
  }

  async consumersOf(input: string): Promise<string[]> {
    const found = new Set(await (await this.connect()).consumersOf(input));
    for (const run of this.pending()) for (const s of run.stamps) if (s.inputs.some((i) => i.path === input)) found.add(s.artifact);
    return [...found].sort();
  }

  async fill(stamps: readonly NewStamp[]): Promise<number> {
    return (await this.connect()).insert('rebuild', stamps);
  }

  pending(): PendingRun[] {
    return (this.waiting ??= readPending(this.root));
  }

  async sync(): Promise<SyncReport> {
    let runs: PendingRun[] = [];
    const left = (from: number): number => runs.slice(from).reduce((n, r) => n + r.stamps.length, 0);
    let sent = 0;
    let done = 0;
    try {
      // an unreadable pending file is reported like an unreachable server: `run` has stamped regardless
      runs = readPending(this.root);
      const db = await this.connect();
      for (const run of runs) {
        const state = this.journal(run.runId);
        // a run still stamping sends its own rows when it has finished (or the next sync after its recovery)
        if (state !== 'in-flight') {
          if (state === 'done') sent += await db.insert(run.runId, run.stamps);
          rmSync(pendingFile(this.root, run.runId), { force: true });
        }
        done += 1;
      }
    } catch (error) {
      // unreachable, refused, or newer than us: the rows wait, and the caller says so
      if (!(error instanceof UserError)) throw error;
      this.db = null;
      return { sent, pending: left(done), reason: error.message };
    } finally {
      this.waiting = null;
    }
    return { sent, pending: 0, reason: null };
  }

  /**
   * What the clone's journal says of a pending run: done (send it), in flight (wait), or gone: undone after
   * a crash (nothing was stamped), or its rows rewritten by `ledger rebuild`, which filled the shared
   * ledger from the sidecars itself.
   */
  private journal(runId: string): 'done' | 'in-flight' | 'gone' {
    if (!this.local) return 'done';
    const rows = this.local.stampsOfRun(runId);
    if (!rows.length) return 'gone';
    return rows.some((r) => r.tmp !== null) ? 'in-flight' : 'done';
  }

  async close(): Promise<void> {
    this.local?.close();
    const db = this.db;
    this.db = null;
    if (db) await db.then((d) => d.close(), () => undefined);
  }
}

const PENDING_DIR = 'ledger-pending';

function pendingFile(root: string, runId: string): string {
  return path.join(root, CACHE_DIR, PENDING_DIR, `${runId}.json`);
}

/** The runs waiting for the shared ledger, oldest first; a file that cannot be read is a user error naming it. */
export function readPending(root: string): PendingRun[] {
  const dir = path.join(root, CACHE_DIR, PENDING_DIR);
  if (!existsSync(dir)) return [];
  const out: PendingRun[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UserError(`${file}: a pending ledger row is unreadable (${error instanceof Error ? error.message : String(error)}); delete it and run \`provenant ledger rebuild\``, {
        hint: 'delete it and run `provenant ledger rebuild`, which fills the ledger from the stamps',
        cause: error,
      });
    }
    const run = parsed as Partial<PendingRun>;
    if (typeof run.runId !== 'string' || !Array.isArray(run.stamps)) {
      throw new UserError(`${file}: not a pending ledger row; delete it and run \`provenant ledger rebuild\``, { hint: 'delete it and run `provenant ledger rebuild`' });
    }
    out.push({ runId: run.runId, stamps: run.stamps });
  }
  return out;
}

/** The server's rows plus the pending ones it does not hold yet, oldest first. */
function withPending(rows: StampRow[], runs: readonly PendingRun[], wanted: (s: NewStamp) => boolean): StampRow[] {
  const have = new Set(rows.map((r) => `${r.artifact}\0${r.stamp_sha256}`));
  const extra: StampRow[] = [];
  for (const run of runs) {
    for (const s of run.stamps) {
      if (!wanted(s) || have.has(`${s.artifact}\0${s.stampSha256}`)) continue;
      extra.push({
        id: -1, run_id: run.runId, artifact: s.artifact, sidecar: s.sidecar, tmp: null, stamp_sha256: s.stampSha256, artifact_sha256: s.artifactSha256,
        producer: s.producer, git_commit: s.gitCommit, created_at: s.createdAt, summary: s.summary,
      });
    }
  }
  return [...rows, ...extra].sort((a, b) => (a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : 0));
}
