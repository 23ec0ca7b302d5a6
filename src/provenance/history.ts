/**
 * `provenant log PATH`: the history of an artifact's stamps, newest first — when each was made, at which
 * commit, by which producer and with what registry status then, the artifact's digest, whether it was
 * signed — from the ledger, plus the git history of the sidecar when it is committed. Without a ledger it
 * says so and shows the stamp on disk alone; an unreadable ledger is the ledger's own error, which names
 * `provenant ledger rebuild`.
 */
import path from 'node:path';

import { loadConfig } from '../config/config.js';
import { pathHistory } from '../core/git-history.js';
import { toPosix } from '../core/paths.js';
import type { LogEntry, LogReport } from '../schemas/provenance-reports.js';
import { BUILD_TYPE_LEGACY } from '../schemas/stamp.js';
import { openLedger, type StampRow } from './ledger.js';
import { artifactPath } from './lineage.js';
import { readStampFile, sidecarPath, type ReadStamp } from './stamp-file.js';
import { rowOfStatement } from './rebuild.js';

export interface LogOptions {
  cwd: string;
  path: string;
}

export async function stampLog(options: LogOptions): Promise<LogReport> {
  const { config, root } = await loadConfig({ cwd: options.cwd });
  const rel = artifactPath(root, options.cwd, options.path);
  const sidecarAbs = sidecarPath(root, rel, config.provenance.stampsDir);
  const sidecarRel = toPosix(path.relative(root, sidecarAbs));
  const read = readStampFile(sidecarAbs);
  const notes: string[] = [];
  const ledger = openLedger(root, config, { create: false });
  let entries: LogEntry[];
  if (ledger) {
    try {
      entries = (await ledger.history(rel)).reverse().map((row) => fromRow(row, read));
    } finally {
      await ledger.close();
    }
    if (read.kind === 'ok' && !entries.some((e) => e.current)) {
      notes.push(`the stamp on disk (${sidecarRel}) is not in the ledger: written by hand, edited, or copied from elsewhere (\`provenant verify\` says which)`);
    }
  } else {
    notes.push('no ledger (.provenant/ledger.db): only the stamp on disk is shown — `provenant ledger rebuild` restores the history the sidecars still hold');
    entries = read.kind === 'ok' ? [fromSidecar(read)] : [];
  }
  if (read.kind === 'none' && entries.length === 0) notes.push(`${rel} has never been stamped`);
  return {
    version: 1,
    path: rel,
    ledger: ledger !== null,
    sidecar: { path: sidecarRel, state: read.kind, problem: read.kind === 'invalid' ? read.problem : null },
    entries,
    gitHistory: await pathHistory(root, sidecarRel),
    notes,
  };
}

interface Summary {
  status?: unknown;
  signed?: unknown;
  legacy?: unknown;
}

function summaryOf(row: StampRow): Summary {
  try {
    const parsed: unknown = JSON.parse(row.summary);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Summary) : {};
  } catch (error) {
    // the summary is a convenience copy; the row's own columns still make an entry
    if (error instanceof SyntaxError) return {};
    throw error;
  }
}

function fromRow(row: StampRow, read: ReadStamp): LogEntry {
  const summary = summaryOf(row);
  const current = read.kind === 'ok' && read.sha256 === row.stamp_sha256;
  const legacy = typeof summary.legacy === 'string' || (current && read.statement.predicate.buildDefinition.buildType === BUILD_TYPE_LEGACY);
  return {
    createdAt: row.created_at,
    commit: row.git_commit,
    producer: row.producer,
    status: typeof summary.status === 'string' ? summary.status : null,
    artifactSha256: row.artifact_sha256,
    stampSha256: row.stamp_sha256,
    signed: current ? read.envelope !== null : typeof summary.signed === 'boolean' ? summary.signed : null,
    current,
    kind: legacy ? 'legacy' : 'run',
  };
}

function fromSidecar(read: Extract<ReadStamp, { kind: 'ok' }>): LogEntry {
  const row = rowOfStatement(read.statement, read.envelope !== null);
  const legacy = read.statement.predicate.buildDefinition.buildType === BUILD_TYPE_LEGACY;
  return {
    createdAt: row.createdAt,
    commit: row.gitCommit,
    producer: row.producer,
    status: read.statement.predicate.provenant.producer?.status ?? null,
    artifactSha256: row.artifactSha256,
    stampSha256: read.sha256,
    signed: read.envelope !== null,
    current: true,
    kind: legacy ? 'legacy' : 'run',
  };
}

/** The log as text: one stamp a line, then the sidecar's commits. */
export function renderLogText(report: LogReport): string {
  const lines: string[] = [`${report.path}  (stamp: ${report.sidecar.path}${report.sidecar.state === 'ok' ? '' : `, ${report.sidecar.state === 'none' ? 'none on disk' : 'unreadable'}`})`];
  if (report.sidecar.problem) lines.push(`  ! ${report.sidecar.problem}`);
  for (const e of report.entries) {
    const who = e.kind === 'legacy' ? 'legacy stamp (investigation)' : `${e.producer ?? 'no producer script'}${e.status ? ` (${e.status})` : ''}`;
    const signed = e.signed === null ? 'signed?' : e.signed ? 'signed' : 'unsigned';
    lines.push(`${e.current ? '*' : ' '} ${e.createdAt}  ${e.commit ? e.commit.slice(0, 7) : 'no-commit'}  ${who}  sha256 ${e.artifactSha256.slice(0, 12)}  ${signed}`);
  }
  if (report.gitHistory.length) {
    lines.push('', `committed history of ${report.sidecar.path}:`);
    for (const c of report.gitHistory) lines.push(`  ${c.commit.slice(0, 7)}  ${c.date}  ${c.author}  ${c.subject}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  if (report.entries.some((e) => e.current)) lines.push('(* = the stamp on disk now)');
  return lines.join('\n') + '\n';
}
