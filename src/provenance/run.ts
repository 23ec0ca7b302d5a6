/**
 * `provenant run -- CMD ARGS…`: runs a command without a shell, streaming its output, and on success
 * stamps every declared output. Before anything runs it refuses a deprecated producer script or one with
 * error-level audit findings (unless allowed), and checks that every declared input exists. While the
 * command runs, `PROVENANT_ATTEST` names a file the sanctioned loader can write its facts into (model,
 * revision, chat template state, special tokens, sentinel results); they land in the stamps.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import picomatch from 'picomatch';

import { audit } from '../audit/engine.js';
import { loadConfig } from '../config/config.js';
import { errorMessage, UserError } from '../core/errors.js';
import { toPosix } from '../core/paths.js';
import { notRegular, realOutside } from '../core/files.js';
import { redactArgv, redactEnv, redactValue } from '../core/redact.js';
import { workTreeState, type WorkTreeState } from '../core/git-history.js';
import type { Config } from '../schemas/config.js';
import type { Finding } from '../schemas/finding.js';
import { AttestationSchema, BUILD_TYPE_COMMAND, PREDICATE_TYPE, STAMP_VERSION, STATEMENT_TYPE, type Attestation, type InputLink, type Job, type Producer, type Statement } from '../schemas/stamp.js';
import { openLedger } from './ledger.js';
import { VERSION } from '../version.js';
import { digestArtifact, subjectOf, type ArtifactDigest } from './artifact.js';
import { inputRefusals, jobOf } from './job.js';
import { DigestCache } from './digest-cache.js';
import { sha256Text } from './hash.js';
import { commitStamps, newRunId, recoverRuns, type PreparedStamp } from './commit.js';
import { signingKey } from './keys.js';
import { importedModules, type ModuleDigest } from './modules.js';
import { producerLookup, resolveProducer, type ProducerFacts } from './producer.js';
import { runQc } from './qc.js';
import { holdOutputs } from './output-locks.js';
import { checkStampName, insideRoot, readStampFile, serialiseStamp, sidecarPath } from './stamp-file.js';
import { isRecord } from '../core/fs.js';

export interface RunOptions {
  argv: string[];
  cwd: string;
  outputs: string[];
  inputs: string[];
  allowDeprecated?: boolean;
  allowFindings?: boolean;
  /** Verify every input first and refuse unless each has one of these verdicts (a pipeline job's `input-verdicts`). */
  inputVerdicts?: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Recorded in the stamps' externalParameters beside argv (e.g. the pipeline stage and its hash). */
  parameters?: Record<string, unknown>;
  /** When given, the command's stdout and stderr come here instead of the terminal (a pipeline's log view). */
  output?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** Where progress and warnings go (the command's own output is inherited, not passed through here). */
  warn(message: string): void;
  /**
   * Producer scripts the caller has just audited (a pipeline's pre-flight), by path: taken as they are when
   * the script still has those bytes, audited again otherwise.
   */
  audited?: ReadonlyMap<string, AuditedScript>;
}

export type ProducerAudit = NonNullable<Producer['audit']>;

/** An audit's verdict on a script, for the script's bytes of `sha256`. */
export interface AuditedScript {
  sha256: string | null;
  audit: ProducerAudit;
}

export type RunResult =
  | { kind: 'refused'; reasons: string[] }
  | { kind: 'failed'; exitCode: number; signal: string | null }
  | { kind: 'stamped'; stamps: { artifact: string; sidecar: string; qcPassed: boolean }[]; signedBy: string | null };

export interface Located {
  rel: string;
  abs: string;
}

export function locate(root: string, cwd: string, p: string, what: string): Located {
  const abs = path.resolve(cwd, p);
  const rel = path.relative(root, abs).split(path.sep).join('/');
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel) || !insideRoot(root, rel)) {
    throw new UserError(`${what} ${p}: outside the project (${root})`, { hint: 'stamped artifacts live inside the project, so their stamps can name them' });
  }
  return { rel, abs };
}

/** The same output named twice, or a name whose stamp the file system cannot hold, is refused up front. */
function checkOutputs(root: string, config: Config, typed: readonly string[], outputs: readonly Located[]): void {
  const seen = new Map<string, string>();
  outputs.forEach((out, i) => {
    const first = seen.get(out.rel);
    if (first !== undefined) throw new UserError(`--out ${first} is given twice (as ${first} and ${typed[i]})`, { hint: 'name each output once' });
    seen.set(out.rel, typed[i] ?? out.rel);
    checkOutput(root, config, out);
  });
}

/**
 * An output and its stamp must be writable where they are named: names the file system can hold, and no
 * symlink (a folder on the way, the output itself, the stamps folder) leading outside the project.
 */
export function checkOutput(root: string, config: Config, out: Located, label = '--out'): void {
  checkStampName(root, out.rel, config.provenance.stampsDir, newRunId().length, label);
  const kind = existsSync(out.abs) && !statSync(out.abs).isDirectory() ? notRegular(statSync(out.abs)) : null;
  if (kind) throw new UserError(`${label} ${out.rel}: ${kind}, not a file or folder that can be stamped`);
  const sidecar = sidecarPath(root, out.rel, config.provenance.stampsDir);
  for (const [what, abs] of [[`${label} ${out.rel}`, out.abs], [`the stamp of ${out.rel}`, sidecar]] as const) {
    const real = realOutside(root, abs);
    if (real) throw new UserError(`${what}: leads outside the project through a symlink (to ${real})`, { hint: 'provenant writes only inside the project: name a path whose folders are inside it' });
  }
}

export async function runAndStamp(options: RunOptions): Promise<RunResult> {
  if (options.argv.length === 0) throw new UserError('no command to run', { hint: 'provenant run --out FILE -- python scripts/make.py …' });
  if (!options.argv[0]) throw new UserError('the command is empty (`--` is followed by an empty word)', { hint: 'provenant run --out FILE -- python scripts/make.py …' });
  if (options.outputs.length === 0) throw new UserError('no --out given: nothing would be stamped', { hint: 'name every file or folder the command writes with --out' });
  const { config, root } = await loadConfig({ cwd: options.cwd });
  // every name is checked before the command runs: a stamp that cannot be written must not cost a run
  const outputs = options.outputs.map((p) => locate(root, options.cwd, p, '--out'));
  checkOutputs(root, config, options.outputs, outputs);
  const inputs = options.inputs.map((p) => locate(root, options.cwd, p, '--in'));
  for (const input of inputs) if (!existsSync(input.abs)) throw new UserError(`--in ${input.rel}: no such file or folder`);
  const held = await holdOutputs(root, config.provenance.stampsDir, outputs);
  try {
    return await runHeld(options, config, root, outputs, inputs);
  } finally {
    held.release();
  }
}

/** The run itself, while this process holds its outputs. */
async function runHeld(options: RunOptions, config: Config, root: string, outputs: Located[], inputs: Located[]): Promise<RunResult> {
  const resolved = resolveProducer(options.argv, root, options.cwd);
  const lookup = await producerLookup(root, config);
  const producer = resolved.path ? lookup.facts(resolved.path) : null;
  const refusals: string[] = [];
  // every script the command runs is checked, the producer or not: a launcher running a retired script is refused
  for (const script of resolved.scripts.map((p) => lookup.facts(p))) {
    if (script.status === 'deprecated' && !options.allowDeprecated) {
      refusals.push(`${script.path} is deprecated (${script.reason})${script.replacedBy ? `; use ${script.replacedBy}` : ''} — pass --allow-deprecated to run it anyway`);
    }
  }
  const known = producer ? options.audited?.get(producer.path) : undefined;
  const audited = !producer?.exists ? null : known && known.sha256 === producer.sha256 ? known.audit : await auditProducer(root, options.cwd, producer.path);
  const blocking = audited ? audited.errors - (audited.baselined ?? 0) : 0;
  if (audited && blocking > 0 && !options.allowFindings) {
    refusals.push(`${producer?.path} has ${blocking} error-level audit finding(s) (${audited.codes.join(', ')}) — fix them, or pass --allow-findings`);
  }
  if (options.inputVerdicts) refusals.push(...(await inputRefusals(options.cwd, inputs, options.inputVerdicts, options.env, options.warn)));
  if (refusals.length) return { kind: 'refused', reasons: refusals };
  const modules = producer?.exists ? await importedModules(root, producer.path) : [];
  // the launcher that ran the producer (a shell script, a Makefile) is part of the code that made the outputs
  const launcher = resolved.via ? lookup.digest(resolved.via) : null;
  if (resolved.via && launcher) modules.unshift({ path: resolved.via, sha256: launcher });
  // inputs through the fast path: a pipeline stage's large inputs were hashed when first verified, not again here
  const inputLinks = withLedger(root, config, options.env, (digests) => inputs.map((input) => linkInput(root, config, input, digests)));

  const startedOn = new Date().toISOString();
  const attestDir = mkdtempSync(path.join(os.tmpdir(), 'provenant-attest-'));
  const attestFile = path.join(attestDir, 'attest.jsonl');
  // git and the interpreter are asked while the command runs; neither may fail the run
  const git = workTreeState(root).catch((error: unknown) => {
    options.warn(`cannot read the git state (${errorMessage(error)}); the stamps record no commit`);
    return null;
  });
  const python = pythonInfo(options.argv, producer);
  const exit = await spawnInherited(options.argv, options.cwd, { ...options.env, PROVENANT_ATTEST: attestFile }, options.output);
  const attestation = readAttestation(attestFile, options.warn);
  rmSync(attestDir, { recursive: true, force: true });
  if (exit.code !== 0) return { kind: 'failed', exitCode: exit.code ?? 128 + signalNumber(exit.signal), signal: exit.signal };
  const finishedOn = new Date().toISOString();
  for (const out of outputs) {
    if (!existsSync(out.abs)) throw new UserError(`--out ${out.rel}: the command succeeded but did not write it; nothing was stamped`);
  }

  return await stampArtifacts({
    root,
    config,
    env: options.env,
    argv: options.argv,
    cwd: options.cwd,
    outputs,
    inputLinks,
    producer: producer ? producerRecord(producer, audited, modules) : null,
    producerUnknown: producer ? null : (resolved.unknown ?? 'no producer script was found'),
    attestation,
    python: await python,
    state: await git,
    startedOn,
    finishedOn,
    parameters: options.parameters ?? {},
    job: jobOf(options.env, startedOn, finishedOn),
    warn: options.warn,
  });
}

export interface StampRequest {
  root: string;
  config: Config;
  env: NodeJS.ProcessEnv;
  argv: string[];
  cwd: string;
  outputs: { rel: string; abs: string }[];
  inputLinks: InputLink[];
  producer: Producer | null;
  /** Why the command names no producer script, when it does not. */
  producerUnknown?: string | null;
  attestation: Attestation | null;
  python: PythonInfo | null;
  state: WorkTreeState | null;
  startedOn: string;
  finishedOn: string;
  parameters?: Record<string, unknown>;
  /** The batch job the command ran in, when it ran in one. */
  job?: Job | null;
  warn(message: string): void;
}

/**
 * Stamps finished outputs: digests, QC, the statement, signing when a key is at hand, and the crash-safe
 * commit through the ledger. `run` calls it after the command; in-process producers (e.g. generation
 * through the library) call it directly.
 */
export async function stampArtifacts(r: StampRequest): Promise<Extract<RunResult, { kind: 'stamped' }>> {
  const signer = signingKey(r.root, r.config.provenance.keysDir, r.env);
  const runId = newRunId();
  // stamps are committed files: what looks like a secret is replaced, and the stamp says where
  const argv = redactArgv(r.argv);
  const env = redactEnv(selectEnv(r.env, r.config.provenance.env));
  const parameters = redactValue(r.parameters ?? {}, 'parameters');
  const redacted = [...argv.where, ...env.where, ...parameters.where];
  if (redacted.length) r.warn(`redacted ${redacted.length} secret-looking value(s) from the stamp: ${redacted.join(', ')}`);
  const shared = {
    argv: argv.value,
    cwd: path.relative(r.root, r.cwd).split(path.sep).join('/') || '.',
    env: env.value,
    python: r.python,
    state: r.state,
    producerBlock: r.producer,
    producerUnknown: r.producerUnknown ?? null,
    inputLinks: r.inputLinks,
    attestation: r.attestation,
    startedOn: r.startedOn,
    finishedOn: r.finishedOn,
    parameters: parameters.value as Record<string, unknown>,
    redacted,
    job: r.job ?? null,
    runId,
  };
  for (const out of r.outputs) checkOutput(r.root, r.config, out);
  const ledger = openLedger(r.root, r.config, { create: true, env: r.env });
  try {
    const local = ledger?.local ?? null;
    const digests = new DigestCache(local, true);
    const prepared = r.outputs.map((out) => prepareStamp(r, shared, signer, out, digests.fresh(out.rel, out.abs)));
    if (local) for (const note of recoverRuns(r.root, local)) r.warn(note);
    const rows = prepared.map((p) => ({ ...p.row, artifact: p.artifact, sidecar: toPosix(path.relative(r.root, p.sidecar)), tmp: null }));
    const commit = (): void => commitStamps(r.root, local, runId, prepared, r.startedOn);
    const sent = ledger ? await ledger.record(runId, rows, commit) : (commit(), null);
    // after the commit: a stamp that never landed leaves no digest behind either
    digests.flush();
    if (sent?.reason) r.warn(`the stamps are written; ${sent.pending} ledger row(s) are pending (${sent.reason ?? 'not sent'}): \`provenant ledger sync\` sends them`);
    return {
      kind: 'stamped',
      signedBy: signer?.id ?? null,
      stamps: prepared.map((p) => ({ artifact: p.artifact, sidecar: path.relative(r.root, p.sidecar).split(path.sep).join('/'), qcPassed: JSON.parse(p.row.summary).qcPassed as boolean })),
    };
  } finally {
    await ledger?.close();
  }
}

type Shared = Omit<BuildInput, 'subject' | 'qc'>;

function prepareStamp(r: StampRequest, shared: Shared, signer: ReturnType<typeof signingKey>, out: Located, digest: ArtifactDigest): PreparedStamp {
  const qc = digest.kind === 'file' ? runQc(out.abs, out.rel, r.config.provenance.qc) : [];
  const statement = buildStatement({ ...shared, subject: subjectOf(out.rel, out.abs, digest, r.warn), qc });
  const sidecar = sidecarPath(r.root, out.rel, r.config.provenance.stampsDir);
  mkdirSync(path.dirname(sidecar), { recursive: true });
  const text = serialiseStamp(statement, signer);
  return {
    artifact: out.rel,
    sidecar,
    text,
    row: {
      stampSha256: sha256Text(text),
      artifactSha256: digest.sha256,
      producer: r.producer?.path ?? null,
      gitCommit: r.state?.commit ?? null,
      createdAt: r.finishedOn,
      summary: JSON.stringify({ status: r.producer?.status ?? null, qcPassed: qc.every((q) => q.passed), signed: signer !== null }),
      inputs: r.inputLinks.map((l) => ({ path: l.path, sha256: l.sha256 })),
    },
  };
}

/** The script's audit, every finding counted; `baselined` of its errors are in the baseline (they do not refuse the run). */
export async function auditProducer(root: string, cwd: string, rel: string): Promise<ProducerAudit> {
  const paths = [path.join(root, rel)];
  const acted = await audit({ paths, cwd });
  // answered from the results cache: the same file, the baseline left aside
  const all = await audit({ paths, cwd, baseline: 'ignore' });
  return producerAuditOf(all.findings, rel, acted.findings);
}

/**
 * What a stamp records of an audit's findings in the script `rel`: errors, warnings and the error codes,
 * baselined findings included; given the findings left after the baseline, how many errors it hid.
 */
export function producerAuditOf(findings: readonly Finding[], rel: string, afterBaseline?: readonly Finding[]): ProducerAudit {
  const errorsIn = (list: readonly Finding[]): Finding[] => list.filter((f) => f.path === rel && f.severity === 'error');
  const mine = findings.filter((f) => f.path === rel);
  const errors = errorsIn(findings);
  const baselined = afterBaseline ? errors.length - errorsIn(afterBaseline).length : 0;
  return { errors: errors.length, warnings: mine.filter((f) => f.severity === 'warning').length, codes: [...new Set(errors.map((f) => f.code))].sort(), baselined };
}

export function producerRecord(producer: ProducerFacts, audited: Producer['audit'], modules: readonly ModuleDigest[] = []): Producer | null {
  if (!producer.sha256) return null;
  return {
    path: producer.path,
    sha256: producer.sha256,
    registryId: producer.path,
    status: producer.status,
    audit: audited,
    modules: modules.map((m) => ({ path: m.path, sha256: m.sha256 })),
    ...(producer.sameAs ? { sameAs: producer.sameAs } : {}),
  };
}

/** Runs `use` with a digest cache on the ledger's fast path, then remembers what it hashed. */
function withLedger<T>(root: string, config: Config, env: NodeJS.ProcessEnv, use: (digests: DigestCache) => T): T {
  // the stat cache is this clone's (`local`), whichever ledger holds the stamps
  const ledger = openLedger(root, config, { create: true, env })?.local ?? null;
  try {
    const digests = new DigestCache(ledger, false);
    const out = use(digests);
    digests.flush();
    return out;
  } finally {
    ledger?.close();
  }
}

export function linkInput(root: string, config: Config, input: Located, digests?: DigestCache): InputLink {
  const sha256 = digests ? digests.digest(input.rel, input.abs).sha256 : digestArtifact(input.abs).sha256;
  if (sha256 === null) throw new UserError(`--in ${input.rel}: no such file or folder`);
  const stamp = readStampFile(sidecarPath(root, input.rel, config.provenance.stampsDir));
  return { path: input.rel, sha256, stamp: stamp.kind === 'ok' ? stamp.sha256 : null };
}

/** The shared ledger's URL is configuration, not a fact about the run: never recorded. */
const NOT_RECORDED = new Set(['PROVENANT_ATTEST', 'PROVENANT_LEDGER_URL']);

/** The configured variables (a secret among them is redacted by the caller, by name and by value). */
export function selectEnv(env: NodeJS.ProcessEnv, globs: readonly string[]): Record<string, string> {
  const wanted = picomatch([...globs]);
  const out: Record<string, string> = {};
  for (const name of Object.keys(env).sort()) {
    const value = env[name];
    if (value !== undefined && wanted(name) && !NOT_RECORDED.has(name)) out[name] = value;
  }
  return out;
}

export interface BuildInput {
  subject: Statement['subject'][number];
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  python: PythonInfo | null;
  state: Awaited<ReturnType<typeof workTreeState>>;
  producerBlock: Producer | null;
  producerUnknown?: string | null;
  inputLinks: InputLink[];
  attestation: Attestation | null;
  qc: ReturnType<typeof runQc>;
  startedOn: string;
  finishedOn: string;
  parameters?: Record<string, unknown>;
  job?: Job | null;
  /** Where a secret-looking value was replaced (`argv[3] (--token)`, `env.HF_TOKEN`). */
  redacted?: string[];
  runId: string;
}

export function buildStatement(b: BuildInput): Statement {
  const deps: Statement['predicate']['buildDefinition']['resolvedDependencies'] = [];
  if (b.producerBlock) {
    deps.push({ name: 'producer', uri: `file:${b.producerBlock.path}`, digest: { sha256: b.producerBlock.sha256, ...(b.state?.commit ? { gitCommit: b.state.commit } : {}) } });
  }
  for (const link of b.inputLinks) {
    deps.push({ name: 'input', uri: `file:${link.path}`, digest: { sha256: link.sha256 }, ...(link.stamp ? { annotations: { stampSha256: link.stamp } } : {}) });
  }
  const model = b.attestation?.model;
  if (model?.format === 'gguf' && model.path) {
    // a local weights file: named by its path, pinned by its content digest
    deps.push({ name: 'model', uri: `file:${model.path}`, ...(model.sha256 ? { digest: { sha256: model.sha256 } } : {}) });
  } else if (model?.id) {
    deps.push({ name: 'model', uri: `hf://${model.id}${model.revision ? `@${model.revision}` : ''}`, ...(model.revision ? { digest: { gitCommit: model.revision } } : {}) });
  }
  return {
    _type: STATEMENT_TYPE,
    subject: [b.subject],
    predicateType: PREDICATE_TYPE,
    predicate: {
      buildDefinition: {
        buildType: BUILD_TYPE_COMMAND,
        externalParameters: { ...(b.parameters ?? {}), argv: b.argv, cwd: b.cwd },
        internalParameters: {
          env: b.env,
          node: process.version,
          platform: `${process.platform}-${process.arch}`,
          host: os.hostname(),
          ...(b.python ? { python: b.python } : {}),
        },
        resolvedDependencies: deps,
      },
      runDetails: {
        builder: { id: `https://provenant.dev/cli@${VERSION}`, version: { provenant: VERSION } },
        metadata: { invocationId: b.runId, startedOn: b.startedOn, finishedOn: b.finishedOn },
      },
      provenant: {
        version: STAMP_VERSION,
        git: { commit: b.state?.commit ?? null, dirty: (b.state?.dirtyPaths.length ?? 0) > 0, dirtyPaths: b.state?.dirtyPaths ?? [] },
        producer: b.producerBlock,
        ...(b.producerBlock === null && b.producerUnknown ? { producerUnknown: b.producerUnknown } : {}),
        inputs: b.inputLinks,
        exitCode: 0,
        attestation: b.attestation,
        qc: b.qc,
        ...(b.job ? { job: b.job } : {}),
        ...(b.redacted?.length ? { redacted: b.redacted } : {}),
      },
    },
  };
}

/** Runs the command with the terminal's streams, forwarding Ctrl-C and termination to it. */
function spawnInherited(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  output?: (text: string, stream: 'stdout' | 'stderr') => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const [command, ...args] = argv as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: output ? ['inherit', 'pipe', 'pipe'] : 'inherit', shell: false });
    if (output) {
      child.stdout?.setEncoding('utf8').on('data', (text: string) => output(text, 'stdout'));
      child.stderr?.setEncoding('utf8').on('data', (text: string) => output(text, 'stderr'));
    }
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, forward);
    const done = (): void => {
      for (const s of signals) process.off(s, forward);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      done();
      reject(error.code === 'ENOENT' ? new UserError(`${command}: command not found`, { hint: 'the command runs without a shell: give the program and its arguments', cause: error }) : error);
    });
    child.on('close', (code, signal) => {
      done();
      resolve({ code, signal });
    });
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? (os.constants.signals[signal] ?? 0) : 0;
}

/** The attestation lines the command wrote, merged in order (later keys win, objects merge). */
export function readAttestation(file: string, warn: (message: string) => void): Attestation | null {
  if (!existsSync(file)) return null;
  const merged: Record<string, unknown> = {};
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      warn(`PROVENANT_ATTEST line ${i + 1}: not JSON (${error instanceof Error ? error.message : String(error)}); ignored`);
      return;
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) deepMerge(merged, value as Record<string, unknown>);
    else warn(`PROVENANT_ATTEST line ${i + 1}: not a JSON object; ignored`);
  });
  const parsed = AttestationSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    warn(`PROVENANT_ATTEST: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}; the attestation was not recorded`);
    return null;
  }
  return parsed.data;
}

function deepMerge(into: Record<string, unknown>, from: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(from)) {
    const old = into[key];
    if (isRecord(old) && isRecord(value)) deepMerge(old, value);
    else into[key] = value;
  }
}

export interface PythonInfo {
  version: string;
  executable: string;
  packages: Record<string, string>;
}

const PY_PROBE = [
  'import json, sys, platform',
  'from importlib import metadata',
  'p = {}',
  'for n in ("torch", "transformers", "trl", "peft", "datasets", "accelerate", "vllm", "tokenizers", "numpy", "llama-cpp-python"):',
  '    try: p[n] = metadata.version(n)',
  '    except Exception: pass',
  'print(json.dumps({"version": platform.python_version(), "executable": sys.executable, "packages": p}))',
].join('\n');

/** Best effort: the interpreter's version and the ML packages it has, asked while the command runs. */
function pythonInfo(argv: readonly string[], producer: ProducerFacts | null): Promise<PythonInfo | null> {
  const first = path.basename(argv[0] ?? '');
  const interpreter = /^python[0-9.]*$/.test(first) ? argv[0] : producer?.path.endsWith('.py') ? 'python3' : null;
  if (!interpreter) return Promise.resolve(null);
  return new Promise((resolve) => {
    const child = spawn(interpreter, ['-c', PY_PROBE], { stdio: ['ignore', 'pipe', 'ignore'], timeout: 15_000 });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.on('error', () => resolve(null));
    child.on('close', (code) => {
      if (code !== 0) return resolve(null);
      try {
        resolve(JSON.parse(out) as PythonInfo);
      } catch (error) {
        if (!(error instanceof SyntaxError)) throw error;
        // best effort by design: an interpreter that prints something else records no versions
        resolve(null);
      }
    });
  });
}
