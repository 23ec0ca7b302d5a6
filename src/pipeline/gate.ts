/**
 * `provenant gate`: one command for CI before anyone rents a GPU. It passes only when the audit has no
 * error-level finding, the registry check passes (when the project keeps a registry), and the pipeline plan
 * has no blocking pre-flight problem — missing, deprecated or failing stage scripts, inputs that do not
 * verify. Each part reports its problems with a file and line where there is one.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { audit, type AuditResult } from '../audit/engine.js';
import { loadConfig } from '../config/config.js';
import { checkRegistry } from '../registry/check.js';
import type { Plan } from '../schemas/pipeline.js';
import { planPipeline } from './plan.js';
import { loadSpec, SPEC_FILE } from './spec.js';
import { commandFound } from './which.js';

export interface GateOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  spec?: string;
  smoke?: boolean;
  warn(message: string): void;
}

export interface GateProblem {
  message: string;
  path: string | null;
  line: number | null;
}

export interface GateCheck {
  name: 'audit' | 'registry' | 'pipeline';
  /** null: not applicable here (no registry kept, no pipeline spec). */
  passed: boolean | null;
  summary: string;
  problems: GateProblem[];
}

export interface GateReport {
  root: string;
  ok: boolean;
  checks: GateCheck[];
  audit: AuditResult;
  plan: Plan | null;
}

export async function runGate(options: GateOptions): Promise<GateReport> {
  const { config, root } = await loadConfig({ cwd: options.cwd });
  const result = await audit({ paths: [root], cwd: options.cwd });
  const errors = result.findings.filter((f) => f.severity === 'error');
  // a file the audit could not read may hold exactly the finding that should stop the session: the gate
  // passes only over files that were read, or that the user chose to leave out (exclude, .gitignore)
  const skipped = result.skipped;
  const checks: GateCheck[] = [
    {
      name: 'audit',
      passed: errors.length === 0 && skipped.length === 0,
      summary: `${errors.length} error-level finding(s), ${result.findings.length - errors.length} other(s) in ${result.stats.filesDiscovered} files${skipped.length ? `, ${skipped.length} file(s) skipped unread` : ''}`,
      problems: [
        ...errors.map((f) => ({ message: `${f.code} ${f.message}`, path: f.path, line: f.span.line })),
        ...skipped.map((s) => ({
          message: `not audited: ${s.reason} (exclude it with \`extend-exclude\`, or raise \`max-file-size\` if it is too large)`,
          path: s.path,
          line: null,
        })),
      ],
    },
  ];

  const keepsRegistry = existsSync(path.join(root, config.registry.markdown)) || existsSync(path.join(root, config.registry.annotations));
  if (keepsRegistry) {
    const check = await checkRegistry({ cwd: root });
    const c = check.coverage;
    checks.push({
      name: 'registry',
      passed: check.ok,
      summary: `${c.documented}/${c.total} documented${check.ok ? '' : `, ${check.problems.length} problem(s)`}`,
      problems: check.problems.map((p) => ({ message: p.path && p.message.startsWith(`${p.path}:${p.line ?? ''} `) ? p.message.slice(`${p.path}:${p.line ?? ''} `.length) : p.message, path: p.path, line: p.line })),
    });
  } else {
    checks.push({ name: 'registry', passed: null, summary: `no registry kept (${config.registry.markdown}); \`provenant registry sync\` starts one`, problems: [] });
  }

  const specFile = options.spec ?? SPEC_FILE;
  let plan: Plan | null = null;
  if (options.spec !== undefined || existsSync(path.join(root, specFile))) {
    plan = await planPipeline({ cwd: root, env: options.env, warn: options.warn, smoke: options.smoke ?? false, ...(options.spec ? { spec: path.resolve(options.cwd, options.spec) } : {}) });
    const blocking = plan.problems.filter((p) => !p.allowed);
    const cluster = await askCluster(root, plan.spec, options.env);
    blocking.push(...cluster.problems);
    const e = plan.estimate;
    checks.push({
      name: 'pipeline',
      passed: blocking.length === 0 && !e.overBudget,
      summary: `${plan.stages.filter((s) => s.state !== 'up-to-date').length} stage(s) to run, ${e.gpuHours} GPU h${e.cost === null ? '' : ` ≈ ${e.cost} ${e.currency}`}${e.overBudget ? ' — over budget' : ''}; ${blocking.length} blocking problem(s)${cluster.note}`,
      problems: [
        ...blocking.map((p) => ({ message: `stage ${p.stage}: ${p.message}`, path: plan?.spec ?? null, line: null })),
        ...(e.overBudget ? [{ message: `estimated ${e.cost} ${e.currency} exceeds the budget of ${e.budget} ${e.currency}`, path: plan.spec, line: null }] : []),
      ],
    });
  } else {
    checks.push({ name: 'pipeline', passed: null, summary: `no pipeline spec (${SPEC_FILE})`, problems: [] });
  }
  return { root, ok: checks.every((c) => c.passed !== false), checks, audit: result, plan };
}

/**
 * The SLURM stages' options through `sbatch --test-only`: a partition, account, QOS or GPU request the
 * cluster would reject blocks the gate here, not after a night in the queue. Without sbatch on PATH the
 * cluster is not asked, and the summary says so.
 */
async function askCluster(root: string, specFile: string, env: NodeJS.ProcessEnv): Promise<{ problems: Plan['problems']; note: string }> {
  const spec = await loadSpec(root, specFile);
  const stages = spec.stages.filter((s) => s.executor === 'slurm');
  if (!stages.length) return { problems: [], note: '' };
  if (!commandFound('sbatch', root, env)) return { problems: [], note: `; SLURM not asked (no sbatch on PATH) about ${stages.length} stage(s)` };
  const { testOnly } = await import('./slurm/preflight.js');
  const rejected = testOnly(root, stages, env);
  return {
    problems: rejected.map((r) => ({ stage: r.stage, kind: 'slurm-rejected' as const, message: `SLURM would reject the job: ${r.message}`, allowed: false })),
    note: `; SLURM accepts ${stages.length - new Set(rejected.map((r) => r.stage)).size}/${stages.length} stage job(s)`,
  };
}
