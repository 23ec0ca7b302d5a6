/**
 * `provenant pipeline plan`: for each stage, whether it is up to date and why not, the pre-flight problems
 * that would stop it, and the GPU hours and cost of what will run. A stage is up to date when every output
 * has a stamp recording the same stage hash — command, producer script digest, params and input digests, as
 * dvc.lock pins them — and still holds the stamped content (the fast path spares unchanged files a reread).
 * The stamp is the lock: nothing else records what ran.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { audit } from '../audit/engine.js';
import { loadConfig } from '../config/config.js';
import { UserError } from '../core/errors.js';
import { redactArgv, redactValue } from '../core/redact.js';
import { sha256Text } from '../provenance/hash.js';
import { DigestCache } from '../provenance/digest-cache.js';
import { moduleChanges } from '../provenance/modules.js';
import { producerLookup, producerOf } from '../provenance/producer.js';
import { checkOutput, locate, producerAuditOf, type AuditedScript } from '../provenance/run.js';
import { readStampFile, sidecarPath } from '../provenance/stamp-file.js';
import { verifyPaths } from '../provenance/verify.js';
import type { Config } from '../schemas/config.js';
import type { Plan, PlanStage, PreflightProblem } from '../schemas/pipeline.js';
import { openLedger } from '../provenance/ledger.js';
import { loadSpec, PARAM_REFERENCE, producerOf as stageWriting, type LoadedSpec, type Params, type Stage } from './spec.js';
import { commandFound } from './which.js';

export interface PlanOptions {
  cwd: string;
  spec?: string;
  smoke?: boolean;
  env: NodeJS.ProcessEnv;
  warn(message: string): void;
}

/** What a stage's hash is made of, recorded in its stamps so a later plan can say what changed. */
export interface StageKey {
  stage: string;
  hash: string;
  /** The command as the spec writes it, before params are filled in. */
  template: string[] | string;
  argv: string[];
  script: string | null;
  scriptSha256: string | null;
  params: Params;
  inputs: { path: string; sha256: string | null }[];
  /** Made by `pipeline run --smoke` (absent for a full run, so full runs' hashes stay what they were). */
  smoke?: true;
}

export interface PlanContext {
  root: string;
  config: Config;
  spec: LoadedSpec;
  smoke: boolean;
  digests: DigestCache;
  producers: Awaited<ReturnType<typeof producerLookup>>;
}

export async function openPlan(options: PlanOptions): Promise<PlanContext & { close(): void }> {
  const { config, root } = await loadConfig({ cwd: options.cwd });
  const spec = await loadSpec(root, options.spec ? path.relative(root, path.resolve(options.cwd, options.spec)) : undefined);
  // plan and gate read: in a read-only checkout they work without remembering digests
  const ledger = openLedger(root, config, { create: true, orReadOnly: true });
  return {
    root,
    config,
    spec,
    smoke: options.smoke ?? false,
    digests: new DigestCache(ledger?.local ?? null, false),
    producers: await producerLookup(root, config),
    close: () => void ledger?.close(),
  };
}

/** A stage's params as a map with no prototype: `constructor` or `toString` is not a param unless written. */
export function paramsOf(stage: Stage, smoke: boolean): Params {
  return Object.assign(Object.create(null) as Params, stage.spec.params ?? {}, smoke ? (stage.spec.smoke?.params ?? {}) : {});
}

export function gpuHoursOf(stage: Stage, smoke: boolean): number {
  return (smoke ? stage.spec.smoke?.['gpu-hours'] : undefined) ?? stage.spec['gpu-hours'] ?? 0;
}

/** argv with `${params.NAME}` replaced (spec.ts refused a reference to a param the stage lacks); a string command with `shell: true` runs under /bin/sh -c. */
export function argvOf(stage: Stage, params: Params): string[] {
  const fill = (word: string): string => word.replace(PARAM_REFERENCE, (whole, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : whole));
  const cmd = stage.spec.cmd;
  return typeof cmd === 'string' ? ['/bin/sh', '-c', fill(cmd)] : cmd.map(fill);
}

export function stageKey(ctx: PlanContext, stage: Stage): StageKey {
  const params = paramsOf(stage, ctx.smoke);
  const argv = argvOf(stage, params);
  const script = typeof stage.spec.cmd === 'string' ? null : producerOf(argv, ctx.root, ctx.root);
  const scriptSha256 = script ? ctx.producers.facts(script).sha256 : null;
  const inputs = stage.inputs.map((p) => ({ path: p, sha256: ctx.digests.digest(p, path.join(ctx.root, p)).sha256 }));
  const smoke = ctx.smoke ? { smoke: true as const } : {};
  const hash = sha256Text(JSON.stringify({ argv, shell: stage.spec.shell ?? false, scriptSha256, params, inputs, ...smoke }));
  return { stage: stage.id, hash, template: stage.spec.cmd, argv, script, scriptSha256, params, inputs, ...smoke };
}

/** Why the stage must run, or an empty list when its outputs are stamped with this very key. */
export function staleness(ctx: PlanContext, stage: Stage, key: StageKey): string[] {
  for (const out of stage.outputs) {
    const abs = path.join(ctx.root, out);
    if (!existsSync(abs)) return [`output ${out} does not exist`];
    const stamp = readStampFile(sidecarPath(ctx.root, out, ctx.config.provenance.stampsDir));
    if (stamp.kind === 'none') return [`output ${out} has no stamp`];
    if (stamp.kind === 'invalid') return [`output ${out}: ${stamp.problem}`];
    const recorded = (stamp.statement.predicate.buildDefinition.externalParameters as { pipeline?: StageKey }).pipeline;
    if (!recorded || recorded.stage !== stage.id) return [`output ${out} was not made by this stage`];
    if (recorded.hash !== key.hash) return whatChanged(recorded, key);
    const modules = moduleChanges(ctx.root, stamp.statement, ctx.producers);
    if (modules.length) return modules;
    const now = ctx.digests.digest(out, abs).sha256;
    if (now !== stamp.statement.subject[0]?.digest.sha256) return [`output ${out} changed since it was stamped`];
  }
  return [];
}

function whatChanged(then: StageKey, unredacted: StageKey): string[] {
  const reasons: string[] = [];
  // the stamp holds the key with its secrets redacted: compare like with like, and print no secret
  const now = redactValue(unredacted, 'key').value as StageKey;
  // a command that differs only through its params is reported as the params that changed
  const sameTemplate = JSON.stringify(then.template ?? null) === JSON.stringify(now.template);
  if (!sameTemplate && JSON.stringify(then.argv) !== JSON.stringify(now.argv)) reasons.push(`command changed: ${then.argv.join(' ')} → ${now.argv.join(' ')}`);
  if (then.scriptSha256 !== now.scriptSha256) reasons.push(`script ${now.script ?? then.script ?? '?'} changed`);
  for (const name of new Set([...Object.keys(then.params ?? {}), ...Object.keys(now.params)])) {
    const a = then.params?.[name];
    const b = now.params[name];
    if (a !== b) reasons.push(`param ${name}: ${a ?? '(unset)'} → ${b ?? '(unset)'}`);
  }
  const old = new Map((then.inputs ?? []).map((i) => [i.path, i.sha256]));
  for (const input of now.inputs) {
    if (!old.has(input.path)) reasons.push(`new input ${input.path}`);
    else if (old.get(input.path) !== input.sha256) reasons.push(`input ${input.path} changed`);
  }
  if (reasons.length) return reasons;
  if ((then.smoke ?? false) !== (now.smoke ?? false)) return [then.smoke ? 'its outputs were made by a smoke run' : 'its outputs were made by a full run, not a smoke run'];
  return ['the stage definition changed'];
}

export async function planPipeline(options: PlanOptions): Promise<Plan> {
  const ctx = await openPlan(options);
  try {
    return await buildPlan(ctx, options);
  } finally {
    ctx.digests.flush();
    ctx.close();
  }
}

async function buildPlan(ctx: PlanContext, options: PlanOptions): Promise<Plan> {
  const { problems } = await preflight(ctx, options);
  const blocked = new Set(problems.filter((p) => !p.allowed).map((p) => p.stage));
  const willRun = new Set<string>();
  const stages: PlanStage[] = ctx.spec.stages.map((stage) => {
    const key = stageKey(ctx, stage);
    const upstream = stage.deps.filter((d) => willRun.has(d) || blocked.has(d));
    let reasons = upstream.length ? upstream.map((d) => `upstream stage ${d} ${blocked.has(d) ? 'is blocked' : 'will run'}`) : staleness(ctx, stage, key);
    let state: PlanStage['state'] = reasons.length ? 'will-run' : 'up-to-date';
    if (blocked.has(stage.id) || upstream.some((d) => blocked.has(d))) {
      state = 'blocked';
      blocked.add(stage.id);
      reasons = [...problems.filter((p) => p.stage === stage.id && !p.allowed).map((p) => p.message), ...upstream.filter((d) => blocked.has(d)).map((d) => `upstream stage ${d} is blocked`)];
    }
    if (state === 'will-run') willRun.add(stage.id);
    return { id: stage.id, state, reasons, argv: redactArgv(key.argv).value, script: key.script, inputs: stage.inputs, outputs: stage.outputs, after: stage.deps, gpuHours: gpuHoursOf(stage, ctx.smoke), hash: key.hash, executor: stage.executor };
  });
  const gpuHours = round(stages.filter((s) => s.state !== 'up-to-date').reduce((sum, s) => sum + s.gpuHours, 0));
  const rate = ctx.spec.spec['hourly-rate'];
  const cost = rate === undefined ? null : round(gpuHours * rate);
  const budget = ctx.spec.spec.budget ?? null;
  return {
    version: 1,
    spec: ctx.spec.file,
    smoke: ctx.smoke,
    stages,
    problems,
    estimate: { gpuHours, cost, currency: ctx.spec.spec.currency ?? 'USD', budget, overBudget: budget !== null && cost !== null && cost > budget },
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

export interface Preflight {
  problems: PreflightProblem[];
  /** The stage scripts' audits, by path, so that running a stage does not audit its script again. */
  audited: Map<string, AuditedScript>;
}

function unwritableOutput(ctx: PlanContext, out: string): string | null {
  try {
    checkOutput(ctx.root, ctx.config, locate(ctx.root, ctx.root, out, 'output'), 'output');
    return null;
  } catch (error) {
    if (error instanceof UserError) return error.message;
    throw error;
  }
}

/** Problems found before anything runs: scripts missing, deprecated or with audit errors, bad external inputs. */
export async function preflight(ctx: PlanContext, options: Pick<PlanOptions, 'cwd' | 'env' | 'warn'>): Promise<Preflight> {
  const problems: PreflightProblem[] = [];
  const audited = new Map<string, AuditedScript>();
  const scripts = new Map<string, string[]>();
  for (const stage of ctx.spec.stages) {
    // an output whose stamp cannot be written (a name too long, a symlink leading outside) would fail only
    // after the stage ran, and after every stage before it had run
    for (const out of stage.outputs) {
      const problem = unwritableOutput(ctx, out);
      if (problem) problems.push({ stage: stage.id, kind: 'unwritable-output', message: problem, allowed: false });
    }
    const argv = argvOf(stage, paramsOf(stage, ctx.smoke));
    const program = argv[0] ?? '';
    if (typeof stage.spec.cmd !== 'string' && !commandFound(program, ctx.root)) {
      problems.push({ stage: stage.id, kind: 'missing-script', message: `command not found: ${program}`, allowed: false });
      continue;
    }
    const script = typeof stage.spec.cmd === 'string' ? null : producerOf(argv, ctx.root, ctx.root);
    const named = argv.slice(1).find((w) => /\.(py|sh|js|mjs|ts)$/.test(w));
    if (!script && named && !existsSync(path.join(ctx.root, named))) {
      const renamed = existsSync(path.join(ctx.root, `${named}.DEPRECATED`));
      problems.push({ stage: stage.id, kind: 'missing-script', message: `script ${named} does not exist${renamed ? ` (only ${named}.DEPRECATED does: it was deprecated)` : ''}`, allowed: false });
      continue;
    }
    if (!script) continue;
    const facts = ctx.producers.facts(script);
    if (!facts.exists) {
      problems.push({ stage: stage.id, kind: 'missing-script', message: `script ${script} does not exist${facts.renamedDeprecated ? ` (only ${script}.DEPRECATED does: it was deprecated${facts.replacedBy ? `; use ${facts.replacedBy}` : ''})` : ''}`, allowed: false });
      continue;
    }
    if (facts.status === 'deprecated') {
      const allowed = stage.spec['allow-deprecated'] === true;
      problems.push({ stage: stage.id, kind: 'deprecated-script', message: `script ${script} is deprecated (${facts.reason})${facts.replacedBy ? `; use ${facts.replacedBy}` : ''}${allowed ? ' — allowed by allow-deprecated; what it makes will be quarantined' : ''}`, allowed });
    }
    scripts.set(script, [...(scripts.get(script) ?? []), stage.id]);
  }
  if (scripts.size) {
    const paths = [...scripts.keys()].map((s) => path.join(ctx.root, s));
    const result = await audit({ paths, cwd: ctx.root });
    // the stamps record every finding; only those the baseline leaves stop a stage
    const all = await audit({ paths, cwd: ctx.root, baseline: 'ignore' });
    for (const [script, ids] of scripts) {
      const summary = producerAuditOf(all.findings, script, result.findings);
      audited.set(script, { sha256: ctx.producers.facts(script).sha256, audit: summary });
      const blocking = summary.errors - (summary.baselined ?? 0);
      if (!blocking) continue;
      const codes = summary.codes.join(', ');
      for (const id of ids) problems.push({ stage: id, kind: 'audit-errors', message: `script ${script} has ${blocking} error-level audit finding(s) (${codes})`, allowed: false });
    }
  }
  const external = new Map<string, Stage[]>();
  for (const stage of ctx.spec.stages) {
    for (const input of stage.inputs) if (!stageWriting(input, ctx.spec.producers)) external.set(input, [...(external.get(input) ?? []), stage]);
  }
  const present = [...external.keys()].filter((p) => existsSync(path.join(ctx.root, p)));
  for (const p of external.keys()) {
    if (!present.includes(p)) for (const stage of external.get(p) ?? []) problems.push({ stage: stage.id, kind: 'missing-input', message: `input ${p} does not exist, and no stage writes it`, allowed: false });
  }
  if (present.length) {
    const report = await verifyPaths({ cwd: ctx.root, paths: present, env: options.env, warn: options.warn });
    for (const r of report.results) {
      for (const stage of external.get(r.path) ?? []) {
        const allowed = stage.spec['input-verdicts'] ?? ['ok'];
        if (!(allowed as string[]).includes(r.verdict)) problems.push({ stage: stage.id, kind: 'input-verdict', message: `input ${r.path} is ${r.verdict}: ${r.reasons[0] ?? ''}`, allowed: false });
      }
    }
  }
  return { problems, audited };
}
