/**
 * `provenant verify`: a verdict for each artifact, the cheapest checks first, the first failure wins:
 * unstamped → tampered (stamp unreadable, names another file or a path outside the project, content digest
 * differs; the (size, mtime, inode) fast path skips rehashing unchanged files unless `full`; what the stamp
 * says of the content — size, record count, fields, file count — no longer matches it, checked whenever no
 * signature or ledger row vouches for the stamp's bytes) → bad-signature → quarantined (producer deprecated
 * now or then, a known bug fixed after the producing commit, a chat template or special tokens on a base
 * model, a failed sentinel, a legacy investigation that said so) → suspect (a legacy stamp nobody accepted;
 * an unknown producer where the config requires a known one) → stale (the producer's code, a module it
 * imports or an input changed since) → failed-qc → upstream-bad (an input's own verdict, recursively, with
 * the chain) → ok.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import type { KeyObject } from 'node:crypto';

import { modelClassifier, type ModelVerdict } from '../audit/model-classes.js';
import { loadConfig } from '../config/config.js';
import { UserError } from '../core/errors.js';
import { isAncestor } from '../core/git-history.js';
import type { Config } from '../schemas/config.js';
import type { Statement, Verdict, VerifyReport, VerifyResult } from '../schemas/stamp.js';
import { openLedger, type Ledger } from './ledger.js';
import { DigestCache } from './digest-cache.js';
import { moduleChanges } from './modules.js';
import { contentMismatches } from './recompute.js';
import { recoverRuns } from './commit.js';
import { allowedKeys, verifyEnvelope } from './keys.js';
import { producerLookup, type ProducerLookup } from './producer.js';
import { insideRoot, readStampFile, sidecarPath } from './stamp-file.js';

export interface VerifyOptions {
  cwd: string;
  paths: string[];
  /** Rehash every artifact instead of trusting unchanged (size, mtime, inode). */
  full?: boolean;
  env: NodeJS.ProcessEnv;
  warn(message: string): void;
}

interface Context {
  root: string;
  config: Config;
  ledger: Ledger | null;
  keys: Map<string, KeyObject> | null;
  producers: ProducerLookup;
  memo: Map<string, VerifyResult>;
  digests: DigestCache;
  ancestry: Map<string, Promise<boolean | null>>;
  classify: (model: string) => ModelVerdict;
}

export async function verifyPaths(options: VerifyOptions): Promise<VerifyReport> {
  const { config, root } = await loadConfig({ cwd: options.cwd });
  const ledger = openLedger(root, config, { create: false, env: options.env });
  if (!ledger) options.warn(`no ledger at ${path.join('.provenant', 'ledger.db')}: verifying from the stamps alone, rehashing every artifact (\`provenant ledger rebuild\` restores it)`);
  const ctx: Context = {
    root,
    config,
    ledger,
    keys: null,
    producers: await producerLookup(root, config, { twins: 'annotated' }),
    memo: new Map(),
    digests: new DigestCache(ledger?.local ?? null, options.full ?? false),
    ancestry: new Map(),
    classify: modelClassifier(config),
  };
  try {
    if (ledger?.local) for (const note of recoverRuns(root, ledger.local)) options.warn(note);
    const results: VerifyResult[] = [];
    await ledger?.warm(options.paths.map((p) => relative(root, options.cwd, p)));
    for (const p of options.paths) results.push(await verifyOne(ctx, relative(root, options.cwd, p), []));
    ctx.digests.flush();
    return { version: 1, ok: results.every((r) => r.verdict === 'ok'), results };
  } finally {
    await ledger?.close();
  }
}

function relative(root: string, cwd: string, p: string): string {
  return path.relative(root, path.resolve(cwd, p)).split(path.sep).join('/');
}

function result(rel: string, verdict: Verdict, reasons: string[], extra: Partial<VerifyResult> = {}): VerifyResult {
  return { path: rel, verdict, reasons, stamp: null, signedBy: null, signature: null, notes: [], chain: [], fastPath: false, ...extra };
}

async function verifyOne(ctx: Context, rel: string, visiting: readonly string[]): Promise<VerifyResult> {
  const known = ctx.memo.get(rel);
  if (known) return known;
  const r = await check(ctx, rel, visiting);
  ctx.memo.set(rel, r);
  return r;
}

async function check(ctx: Context, rel: string, visiting: readonly string[]): Promise<VerifyResult> {
  const abs = insideRoot(ctx.root, rel);
  if (!abs) return result(rel, 'tampered', [`${rel} is outside the project`]);
  const file = sidecarPath(ctx.root, rel, ctx.config.provenance.stampsDir);
  const stampRel = path.relative(ctx.root, file).split(path.sep).join('/');
  const stamp = readStampFile(file);
  if (stamp.kind === 'none') {
    return result(rel, 'unstamped', [existsSync(abs) ? `no stamp (${stampRel}): nothing says how this was made` : 'no such file, and no stamp']);
  }
  if (stamp.kind === 'invalid') return result(rel, 'tampered', [`${stampRel}: ${stamp.problem}`], { stamp: stampRel });
  const base = { stamp: stampRel, signature: stamp.envelope ? ('signed' as const) : ('unsigned' as const) };
  const st = stamp.statement;
  const subject = st.subject[0];
  if (!subject) return result(rel, 'tampered', [`${stampRel}: no subject`], base);

  // tampered
  if (subject.name !== rel) {
    return result(rel, 'tampered', [`${stampRel} is the stamp of ${subject.name}, not of this file (a copied stamp?)`], base);
  }
  const made = st.predicate.provenant.producer;
  const escaping = [...st.predicate.provenant.inputs.map((i) => i.path), made?.path ?? '', ...(made?.modules ?? []).map((m) => m.path)].filter((p) => p && !insideRoot(ctx.root, p));
  if (escaping.length) return result(rel, 'tampered', [`${stampRel} names paths outside the project: ${escaping.join(', ')}`], base);
  const history = (await ctx.ledger?.history(rel)) ?? [];
  if (history.length && !history.some((row) => row.stamp_sha256 === stamp.sha256)) {
    return result(rel, 'tampered', [`${stampRel} was edited after provenant wrote it (the ledger knows ${history.length} stamp(s) of this file, none with these bytes)`], base);
  }
  if (!existsSync(abs)) return result(rel, 'tampered', ['the artifact is gone but its stamp is still here'], base);
  let current: ReturnType<DigestCache['digest']>;
  try {
    current = ctx.digests.digest(rel, abs);
  } catch (error) {
    // a folder that can no longer be hashed whole (a link that points nowhere) is not the folder stamped
    if (!(error instanceof UserError)) throw error;
    return result(rel, 'tampered', [error.message], base);
  }
  const fastPath = current.fast;
  if (current.sha256 !== subject.digest.sha256) {
    return result(rel, 'tampered', [`content changed after it was stamped (sha256 ${short(subject.digest.sha256)} recorded, ${short(current.sha256)} now)`], { ...base, fastPath });
  }

  // bad-signature
  let signedBy: string | null = null;
  if (stamp.envelope) {
    const outcome = verifyEnvelope(stamp.envelope, (ctx.keys ??= allowedKeys(ctx.root, ctx.config.provenance.keysDir)));
    if ('problem' in outcome) return result(rel, 'bad-signature', [`${stampRel}: ${outcome.problem}`], { ...base, fastPath });
    signedBy = outcome.keyId;
  } else if (ctx.config.provenance.requireSignature) {
    return result(rel, 'bad-signature', [`${stampRel} is not signed, and the config sets require-signature`], { ...base, fastPath });
  }
  // what the content determines is recomputed unless a signature or the ledger vouches for the stamp's bytes
  // (provenant wrote those claims from the very bytes the digest just matched)
  const vouched = signedBy !== null || history.some((row) => row.stamp_sha256 === stamp.sha256);
  if (!vouched) {
    const mismatches = contentMismatches(abs, rel, subject);
    if (mismatches.length) return result(rel, 'tampered', mismatches.map((m) => `${stampRel} does not describe the content: ${m}`), { ...base, fastPath, signedBy });
  }
  const done = { ...base, fastPath, signedBy, notes: notesOf(st) };

  const quarantine = await quarantineReasons(ctx, st);
  if (quarantine.length) return result(rel, 'quarantined', quarantine, done);
  const suspect = suspectReasons(ctx, st, rel);
  if (suspect.length) return result(rel, 'suspect', suspect, done);
  const stale = staleReasons(ctx, st);
  if (stale.length) return result(rel, 'stale', stale, done);
  const failed = st.predicate.provenant.qc.flatMap((q) => q.checks.filter((c) => !c.passed).map((c) => `QC ${q.policy}: ${c.name} failed (${c.value ?? '?'}${c.threshold !== undefined && c.threshold !== null ? ` vs ${c.threshold}` : ''})${c.detail ? ` — ${c.detail}` : ''}`));
  if (failed.length) return result(rel, 'failed-qc', failed, done);

  for (const input of st.predicate.provenant.inputs) {
    if (visiting.includes(input.path)) continue;
    const hasStamp = input.stamp !== null || existsSync(sidecarPath(ctx.root, input.path, ctx.config.provenance.stampsDir));
    if (!hasStamp) continue; // an external input, pinned by its digest above
    const upstream = await verifyOne(ctx, input.path, [...visiting, rel]);
    if (upstream.verdict !== 'ok') {
      const chain = [{ path: rel, verdict: 'upstream-bad' as Verdict }, ...(upstream.chain.length ? upstream.chain : [{ path: upstream.path, verdict: upstream.verdict }])];
      const bad = chain[chain.length - 1];
      return result(rel, 'upstream-bad', [`input ${input.path} is ${upstream.verdict}${bad && bad.path !== input.path ? ` (through ${chain.slice(1).map((c) => c.path).join(' ← ')})` : ''}: ${upstream.reasons[0] ?? ''}`], { ...done, chain });
    }
  }
  return result(rel, 'ok', [], done);
}

/** What a person should know about an artifact even when it verifies. */
function notesOf(st: Statement): string[] {
  const block = st.predicate.provenant;
  const notes: string[] = [];
  if (block.producerUnknown) notes.push(`producer unknown: ${block.producerUnknown}`);
  const accepted = block.investigation?.accepted;
  if (accepted) notes.push(`legacy file accepted by ${accepted.by ?? 'a person'} on ${accepted.at}: ${accepted.reason}`);
  return notes;
}

function suspectReasons(ctx: Context, st: Statement, rel: string): string[] {
  const block = st.predicate.provenant;
  const reasons: string[] = [];
  const investigation = block.investigation;
  if (investigation && !investigation.accepted) {
    reasons.push(`legacy stamp: nothing recorded how this was made; the investigation says ${investigation.verdict} (${investigation.reason}) — once a person has checked it: provenant investigate --accept --reason "…" ${rel}`);
  }
  if (block.producerUnknown && ctx.config.provenance.requireKnownProducer) {
    reasons.push(`producer unknown (${block.producerUnknown}), and the config sets require-known-producer`);
  }
  return reasons;
}

function short(sha: string | null): string {
  return sha ? sha.slice(0, 12) : 'none';
}

async function quarantineReasons(ctx: Context, st: Statement): Promise<string[]> {
  const block = st.predicate.provenant;
  const reasons: string[] = [];
  if (block.investigation?.verdict === 'quarantine') reasons.push(`legacy investigation: ${block.investigation.reason}`);
  const made = block.producer;
  if (made) {
    if (made.status === 'deprecated') reasons.push(`made by ${made.path} while it was already deprecated`);
    const now = ctx.producers.facts(made.path);
    if (now.status === 'deprecated' && made.status !== 'deprecated') {
      reasons.push(`producer ${made.path} is now deprecated (${now.reason})${now.replacedBy ? `; regenerate with ${now.replacedBy}` : ''}`);
    }
    for (const bug of now.bugs) {
      if (!bug.fixed_in) continue;
      const commit = block.git.commit;
      if (!commit) {
        reasons.push(`known bug of ${made.path} ("${bug.summary}", fixed in ${bug.fixed_in}); this artifact records no commit, so it may predate the fix`);
        continue;
      }
      const key = `${bug.fixed_in}..${commit}`;
      let pending = ctx.ancestry.get(key);
      if (!pending) ctx.ancestry.set(key, (pending = isAncestor(ctx.root, bug.fixed_in, commit)));
      const fixed = await pending;
      if (fixed === false) reasons.push(`made at ${commit.slice(0, 12)}, before the fix of a known bug of ${made.path}: "${bug.summary}" (fixed in ${bug.fixed_in})`);
      if (fixed === null) reasons.push(`cannot tell whether ${commit.slice(0, 12)} includes the fix of "${bug.summary}" (${bug.fixed_in} is not a revision git knows here)`);
    }
  }
  const a = block.attestation;
  if (a) {
    const modelId = a.model?.id ?? null;
    // what the run said about the model wins; otherwise the same verdict the audit gives its id
    const base = a.model?.base ?? (modelId !== null && ctx.classify(modelId).kind === 'base');
    const who = modelId ?? 'the model';
    if (base && a.tokenizer?.chatTemplateApplied === true) reasons.push(`the run attested a chat template applied to base model ${who}`);
    if (base && a.tokenizer?.addSpecialTokens === true) reasons.push(`the run attested add_special_tokens=True on base model ${who}`);
    if (a.sentinel && a.sentinel.passed === false) {
      const failedChecks = (a.sentinel.checks ?? []).filter((c) => !c.passed).map((c) => c.name);
      reasons.push(`the clean-path sentinel failed during the run${failedChecks.length ? ` (${failedChecks.join(', ')})` : ''}`);
    }
  }
  return reasons;
}

function staleReasons(ctx: Context, st: Statement): string[] {
  const block = st.predicate.provenant;
  const reasons: string[] = [];
  const made = block.producer;
  if (made) {
    const now = ctx.producers.facts(made.path);
    if (!now.exists) reasons.push(`producer ${made.path} no longer exists`);
    else if (now.sha256 !== made.sha256) reasons.push(`producer ${made.path} changed since this was made (sha256 ${short(made.sha256)} then, ${short(now.sha256)} now)`);
    reasons.push(...moduleChanges(ctx.root, st, ctx.producers));
  }
  for (const input of block.inputs) {
    const abs = insideRoot(ctx.root, input.path);
    const now = abs ? ctx.digests.digest(input.path, abs).sha256 : null;
    if (now === null) reasons.push(`input ${input.path} no longer exists`);
    else if (now !== input.sha256) reasons.push(`input ${input.path} changed since this was made (sha256 ${short(input.sha256)} then, ${short(now)} now)`);
  }
  return reasons;
}
