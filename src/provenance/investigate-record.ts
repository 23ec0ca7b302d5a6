/**
 * `provenant investigate --record`: a legacy stamp for a file made before stamps existed. It is a Statement
 * like any other (subject digest, git state, signed when a key is at hand) whose build type says no command
 * was recorded and whose `provenant.investigation` holds the verdict, reason, candidates and evidence, so
 * `provenant verify` can refuse a quarantined file. Written through the crash-safe stamp commit and indexed
 * in the ledger; a file already stamped by `provenant run` is refused, a legacy stamp is replaced (the ledger
 * keeps the old one in the file's log).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';

import { errorMessage, UserError } from '../core/errors.js';
import { realOutside } from '../core/files.js';
import { workTreeState } from '../core/git.js';
import { toPosix } from '../core/paths.js';
import type { Config } from '../schemas/config.js';
import type { InvestigateReport } from '../schemas/provenance-reports.js';
import { BUILD_TYPE_LEGACY, StatementSchema } from '../schemas/stamp.js';
import { openLedger } from '../store/ledger.js';
import { digestArtifact, subjectOf } from './artifact.js';
import { commitStamps, newRunId, recoverRuns } from './commit.js';
import { sha256Text } from './hash.js';
import { signingKey } from './keys.js';
import { rowOfStatement } from './rebuild.js';
import { buildStatement } from './run.js';
import { readStampFile, serialiseStamp, sidecarPath } from './stamp-file.js';

/** Writes the legacy stamp; returns its root-relative path. */
export async function recordLegacyStamp(root: string, config: Config, report: InvestigateReport, env: NodeJS.ProcessEnv, warn: (m: string) => void): Promise<string> {
  const abs = path.join(root, report.path);
  const sidecar = sidecarPath(root, report.path, config.provenance.stampsDir);
  const sidecarRel = toPosix(path.relative(root, sidecar));
  for (const [what, file] of [[report.path, abs], [`the stamp of ${report.path}`, sidecar]] as const) {
    const real = realOutside(root, file);
    if (real) throw new UserError(`${what}: leads outside the project through a symlink (to ${real}); no legacy stamp is written there`, { hint: 'investigate files inside the project' });
  }
  const existing = readStampFile(sidecar);
  if (existing.kind === 'invalid') {
    throw new UserError(`${sidecarRel}: an unreadable stamp is in the way (${existing.problem})`, { hint: 'look at it, then move it away and record again' });
  }
  if (existing.kind === 'ok' && existing.statement.predicate.buildDefinition.buildType !== BUILD_TYPE_LEGACY) {
    throw new UserError(`${report.path} is already stamped by \`provenant run\` (${sidecarRel}): it is not a legacy file`, { hint: `provenant verify ${report.path}` });
  }
  const state = await workTreeState(root).catch((error: unknown) => {
    warn(`cannot read the git state (${errorMessage(error)}); the stamp records no commit`);
    return null;
  });
  const signer = signingKey(root, config.provenance.keysDir, env);
  const now = new Date().toISOString();
  const runId = newRunId();
  const statement = buildStatement({
    subject: subjectOf(report.path, abs, digestArtifact(abs)),
    argv: [],
    cwd: '.',
    env: {},
    python: null,
    state,
    producerBlock: null,
    inputLinks: [],
    attestation: null,
    qc: [],
    startedOn: now,
    finishedOn: now,
    runId,
  });
  statement.predicate.buildDefinition.buildType = BUILD_TYPE_LEGACY;
  statement.predicate.provenant.exitCode = null;
  statement.predicate.provenant.investigation = {
    verdict: report.verdict,
    reason: report.reason,
    candidates: report.candidates.map((c) => ({ path: c.path, score: c.score, reasons: c.reasons })),
    evidence: report.evidence,
    firstSeen: report.firstSeen,
    loader: report.loader,
  };
  StatementSchema.parse(statement);
  mkdirSync(path.dirname(sidecar), { recursive: true });
  const text = serialiseStamp(statement, signer);
  const ledger = openLedger(root, { create: true });
  try {
    if (ledger) for (const note of recoverRuns(root, ledger)) warn(note);
    const row = { ...rowOfStatement(statement, signer !== null), stampSha256: sha256Text(text) };
    commitStamps(root, ledger, runId, [{ artifact: report.path, sidecar, text, row }], now);
  } finally {
    ledger?.close();
  }
  return sidecarRel;
}
