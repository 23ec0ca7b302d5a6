/**
 * Writing stamps so that none is ever half there, even when the process is killed mid-way:
 * 1. the ledger records the run as `pending`, with the temporary sidecar path of every stamp;
 * 2. every temporary sidecar is written and flushed, then the run becomes `written`;
 * 3. each temporary file is renamed over its sidecar (atomic on one file system), then the run is `done`.
 * Whoever opens the ledger next finishes a dead process's run: a `written` run rolls forward (its files are
 * complete), a `pending` one is undone (its temporary files deleted, its rows dropped). A run holds the lock
 * `run:<id>` from step 1 to its end; the kernel drops it when the process dies, so "dead" is "its lock can
 * be taken" — never a guess from a process id, which a container may give to the next process.
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

import { removeLock, tryLock } from '../core/lock.js';
import { isErrno } from '../core/fs.js';
import { errorMessage, UserError } from '../core/errors.js';
import type { LocalLedger as Ledger, NewStamp } from './ledger.js';
import { writeDurable } from './stamp-file.js';

export interface PreparedStamp {
  /** Root-relative artifact path. */
  artifact: string;
  /** Absolute sidecar path. */
  sidecar: string;
  text: string;
  row: Omit<NewStamp, 'tmp' | 'sidecar' | 'artifact'>;
}

/**
 * Fault injection for the crash tests: `PROVENANT_CRASH_AT=planned|written|renamed` kills the process with
 * SIGKILL right after that step, exactly as `kill -9` would, so each interruption point is tested for sure.
 */
function crashPoint(step: 'planned' | 'written' | 'renamed'): void {
  if (process.env.PROVENANT_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}

export function newRunId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

/** Writes every stamp or none; `ledger` may be null (no ledger: each stamp is still written atomically). */
export function commitStamps(root: string, ledger: Ledger | null, runId: string, stamps: readonly PreparedStamp[], startedAt: string): void {
  const planned = stamps.map((s) => ({ ...s, tmp: `${s.sidecar}.${runId}.tmp` }));
  const rel = (abs: string): string => path.relative(root, abs).split(path.sep).join('/');
  const held = ledger ? tryLock(root, runLock(runId), { what: `run ${runId}` }) : null;
  if (ledger && !held) throw new UserError(`run ${runId}: its lock is taken by another process`);
  try {
    ledger?.planRun(
      { id: runId, pid: process.pid, startedAt },
      planned.map((s) => ({ ...s.row, artifact: s.artifact, sidecar: rel(s.sidecar), tmp: rel(s.tmp) })),
    );
    crashPoint('planned');
    try {
      for (const s of planned) writeDurable(s.tmp, s.text);
    } catch (error) {
      for (const s of planned) removeTmp(s.tmp);
      ledger?.deleteRun(runId);
      // the file system refused the stamp (its name, space, permissions): the user's to fix, and nothing is left half-done
      if (isErrno(error, 'ENAMETOOLONG', 'ENOSPC', 'EDQUOT', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'EEXIST')) {
        throw new UserError(`cannot write the stamp of ${planned.map((s) => s.artifact).join(', ')}: ${errorMessage(error)}; the run's ledger entry was rolled back and nothing was stamped`, { cause: error });
      }
      throw error;
    }
    ledger?.setRunState(runId, 'written');
    crashPoint('written');
    planned.forEach((s, i) => {
      renameSync(s.tmp, s.sidecar);
      if (i === 0) crashPoint('renamed');
    });
    ledger?.setRunState(runId, 'done');
  } finally {
    held?.release();
  }
  if (held) removeLock(root, runLock(runId));
}

function runLock(runId: string): string {
  return `run:${runId}`;
}

/** Removes a temporary sidecar; one whose name the file system cannot even hold never existed. */
function removeTmp(file: string): void {
  try {
    rmSync(file, { force: true });
  } catch (error) {
    if (!isErrno(error, 'ENAMETOOLONG', 'ENOTDIR')) throw error;
  }
}

/**
 * Finishes or undoes the runs of processes that died while stamping; returns what it did, for a warning.
 * Runs whose process is still stamping are left alone and listed in `busy`.
 */
export function recoverRuns(root: string, ledger: Ledger, busy: string[] = []): string[] {
  const notes: string[] = [];
  if (ledger.readOnly) {
    const left = ledger.unfinishedRuns().length;
    // nothing can be renamed or deleted here; verify still judges the stamps that are in place
    return left ? [`${left} interrupted run(s) in the ledger cannot be finished in this read-only checkout`] : [];
  }
  for (const listed of ledger.unfinishedRuns()) {
    const held = tryLock(root, runLock(listed.id), { what: `run ${listed.id}` });
    if (!held) {
      busy.push(listed.id);
      continue;
    }
    try {
      // read again under the lock: another process may have finished it in between
      const run = ledger.unfinishedRuns().find((r) => r.id === listed.id);
      if (run) notes.push(recoverRun(root, ledger, run));
    } finally {
      held.release();
    }
    removeLock(root, runLock(listed.id));
  }
  return notes;
}

function recoverRun(root: string, ledger: Ledger, run: { id: string; state: string }): string {
  const rows = ledger.stampsOfRun(run.id);
  if (run.state === 'pending') {
    for (const row of rows) if (row.tmp) removeTmp(path.join(root, row.tmp));
    ledger.deleteRun(run.id);
    return `undid an interrupted run (${run.id}): no stamp of it was complete`;
  }
  ledger.db.transaction(() => {
    for (const row of rows) {
      const tmp = row.tmp ? path.join(root, row.tmp) : null;
      if (tmp && existsSync(tmp)) renameSync(tmp, path.join(root, row.sidecar));
      else if (!existsSync(path.join(root, row.sidecar))) ledger.deleteStamp(row.id);
    }
  })();
  ledger.setRunState(run.id, 'done');
  return `finished an interrupted run (${run.id}): ${rows.length} stamp(s) put in place`;
}
