/**
 * `provenant ledger rebuild`: restores the ledger from the sidecar stamps, which are the truth. It finds every
 * `*.prov.json` under the root (honouring the config's excludes) and under the stamps folder, indexes the
 * readable ones and lists the rest with their problem (an unsigned stamp whose claims about its artifact's
 * content do not hold is one: rebuilding never launders an edited stamp into history), and replaces the ledger's rows in one transaction. An
 * unreadable ledger is first moved aside (kept as `ledger.db.bad`, never deleted); a readable one keeps its
 * older stamps whose sidecars were since overwritten, so rebuilding never shortens `provenant log`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { loadConfig } from '../config/config.js';
import { UserError } from '../core/errors.js';
import { discover } from '../core/files.js';
import { toPosix } from '../core/paths.js';
import type { Config } from '../schemas/config.js';
import type { RebuildReport, SyncReport } from '../schemas/provenance-reports.js';
import { ledgerTarget, openLedger as openSeam } from './ledger.js';
import { BUILD_TYPE_LEGACY, type Statement } from '../schemas/stamp.js';
import { openLedger, setLedgerAside, type Ledger, type NewStamp } from '../store/ledger.js';
import { SchemaFromFutureError } from '../store/migrate.js';
import { newRunId, recoverRuns } from './commit.js';
import { STAMP_SUFFIX } from './hash.js';
import { digestArtifact } from './artifact.js';
import { contentMismatches } from './recompute.js';
import { insideRoot, readStampFile, sidecarPath } from './stamp-file.js';

export interface RebuildOptions {
  cwd: string;
  warn(message: string): void;
}

/** The ledger row a stamp stands for (also what `investigate --record` writes). */
export function rowOfStatement(statement: Statement, signed: boolean): Omit<NewStamp, 'sidecar' | 'tmp' | 'stampSha256' | 'artifact'> {
  const subject = statement.subject[0];
  const block = statement.predicate.provenant;
  const legacy = statement.predicate.buildDefinition.buildType === BUILD_TYPE_LEGACY ? (block.investigation?.verdict ?? null) : null;
  return {
    artifactSha256: subject?.digest.sha256 ?? '',
    producer: block.producer?.path ?? null,
    gitCommit: block.git.commit,
    createdAt: statement.predicate.runDetails.metadata.finishedOn,
    summary: JSON.stringify({ status: block.producer?.status ?? null, qcPassed: block.qc.every((q) => q.passed), signed, legacy }),
    inputs: block.inputs.map((i) => ({ path: i.path, sha256: i.sha256 })),
  };
}

export async function rebuildLedger(options: RebuildOptions): Promise<RebuildReport> {
  const { config, root } = await loadConfig({ cwd: options.cwd });
  const stampsDir = config.provenance.stampsDir;
  const invalid: RebuildReport['invalid'] = [];
  const found: NewStamp[] = [];
  for (const rel of findSidecars(root, config.exclude, stampsDir)) {
    const read = readStampFile(path.join(root, rel));
    if (read.kind !== 'ok') {
      invalid.push({ sidecar: rel, problem: read.kind === 'invalid' ? read.problem : 'vanished during the rebuild' });
      continue;
    }
    const artifact = read.statement.subject[0]?.name ?? '';
    const expected = toPosix(path.relative(root, sidecarPath(root, artifact, stampsDir)));
    if (expected !== rel) {
      invalid.push({ sidecar: rel, problem: `it stamps ${artifact}, whose stamp belongs at ${expected} (a copied or moved stamp)` });
      continue;
    }
    const claims = read.envelope ? [] : unsignedClaims(root, artifact, read.statement);
    if (claims.length) {
      invalid.push({ sidecar: rel, problem: `unsigned, and it does not describe ${artifact}: ${claims.join('; ')} (an edited stamp is not taken into the ledger)` });
      continue;
    }
    found.push({ ...rowOfStatement(read.statement, read.envelope !== null), artifact, sidecar: rel, tmp: null, stampSha256: read.sha256 });
  }
  found.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.sidecar < b.sidecar ? -1 : 1));

  const { ledger, setAside } = openOrSetAside(root);
  try {
    const busy: string[] = [];
    for (const note of recoverRuns(root, ledger, busy)) options.warn(note);
    if (busy.length) {
      // its rows are not final yet: rebuilding now would drop the stamps it is about to put in place
      throw new UserError(`a run is stamping right now (${busy.join(', ')}); nothing was rebuilt`, { hint: 'run ledger rebuild again when it has finished' });
    }
    const history = setAside ? [] : superseded(ledger, new Set(found.map((s) => s.stampSha256)));
    const startedAt = new Date().toISOString();
    // the shared ledger first: when it cannot be reached nothing has changed (its pending rows stay valid)
    const shared = await fillShared(root, config, [...history, ...found]);
    ledger.replaceAll(newRunId(), startedAt, [...history, ...found]);
    return { version: 1, stamps: found.length, history: history.length, invalid, setAside: setAside && toPosix(path.relative(root, setAside)), ...(shared ? { shared } : {}) };
  } finally {
    ledger.close();
  }
}

/** With a shared ledger configured, it takes every stamp it lacks; it never drops another clone's rows. */
async function fillShared(root: string, config: Config, stamps: readonly NewStamp[]): Promise<RebuildReport['shared'] | null> {
  if (ledgerTarget(root, config).backend === 'sqlite') return null;
  const seam = openSeam(root, config, { create: true });
  if (!seam) return null;
  try {
    return { ledger: seam.where, added: await seam.fill(stamps) };
  } finally {
    await seam.close();
  }
}

/** `provenant ledger sync`: sends the rows the shared ledger could not take when they were made. */
export async function syncLedger(options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<SyncReport> {
  const { config, root } = await loadConfig({ cwd: options.cwd });
  const seam = openSeam(root, config, { create: false, ...(options.env ? { env: options.env } : {}) });
  if (!seam) return { version: 1, ledger: path.join('.provenant', 'ledger.db'), backend: 'sqlite', sent: 0, pending: 0, reason: null };
  try {
    const r = await seam.sync();
    return { version: 1, ledger: seam.where, backend: seam.backend, ...r };
  } finally {
    await seam.close();
  }
}

/**
 * For an unsigned stamp of an artifact that still has the stamped bytes: what the stamp says of the content
 * that the content contradicts. (A changed artifact is indexed as it is: verify reports it tampered.)
 */
function unsignedClaims(root: string, artifact: string, statement: Statement): string[] {
  const subject = statement.subject[0];
  const abs = insideRoot(root, artifact);
  if (!subject || !abs || !existsSync(abs)) return [];
  try {
    if (digestArtifact(abs).sha256 !== subject.digest.sha256) return [];
    return contentMismatches(abs, artifact, subject);
  } catch (error) {
    // a folder that cannot be hashed whole is verify's to report, not a reason to drop the stamp
    if (error instanceof UserError) return [];
    throw error;
  }
}

/** Sidecars under the root (excludes honoured) and, whatever the excludes say, under the stamps folder. */
function findSidecars(root: string, exclude: string[], stampsDir: string | null): string[] {
  const include = [`**/*${STAMP_SUFFIX}`];
  const rels = new Set(discover({ root, targets: [root], include, exclude }).files.map((f) => f.path));
  if (stampsDir) {
    const abs = path.join(root, stampsDir);
    for (const f of discover({ root: abs, targets: [abs], include, exclude: [] }).files) rels.add(`${toPosix(stampsDir)}/${f.path}`);
  }
  return [...rels].sort();
}

/** The ledger, opened; an unreadable one is moved aside first and a new one started. */
function openOrSetAside(root: string): { ledger: Ledger; setAside: string | null } {
  try {
    return { ledger: mustOpen(root), setAside: null };
  } catch (error) {
    // a newer provenant's ledger is readable by that provenant: never move it aside
    if (!(error instanceof UserError) || error.cause instanceof SchemaFromFutureError) throw error;
    const setAside = setLedgerAside(root);
    return { ledger: mustOpen(root), setAside };
  }
}

function mustOpen(root: string): Ledger {
  const ledger = openLedger(root, { create: true });
  if (!ledger) throw new UserError(`${root}: cannot create the ledger`);
  return ledger;
}

/** Rows of stamps no sidecar holds any more (overwritten by a newer run): the artifact's history. */
function superseded(ledger: Ledger, current: ReadonlySet<string>): NewStamp[] {
  return ledger
    .all()
    .filter((row) => !current.has(row.stamp_sha256) && row.tmp === null)
    .map((row) => ({
      artifact: row.artifact,
      sidecar: row.sidecar,
      tmp: null,
      stampSha256: row.stamp_sha256,
      artifactSha256: row.artifact_sha256,
      producer: row.producer,
      gitCommit: row.git_commit,
      createdAt: row.created_at,
      summary: row.summary,
      inputs: ledger.inputsOf(row.id),
    }));
}
