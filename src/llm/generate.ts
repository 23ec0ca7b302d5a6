/**
 * `provenant generate`: a local pilot of the data step on a GGUF base model. Each instruction gets a
 * seeded few-shot completion prompt, the completion comes from the attested clean path, and the record
 * stores the exact prompt the model saw. Optionally a log-prob critic (single-token A/B) filters records,
 * recording its margin, or `bestOf` samples K candidates and writes preference pairs, best against each
 * of the rest. Records go to `<out>.partial` as they are made and the file is renamed into place only
 * when complete, then stamped (model digest, sentinel result, sampling settings, seed); an interrupted
 * run leaves the partial file unstamped, and a rerun with the same settings resumes from its whole lines.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { loadConfig } from '../config/config.js';
import { errorMessage, UserError } from '../core/errors.js';
import { writeAtomic } from '../core/fs.js';
import { workTreeState } from '../core/git-history.js';
import { sha256File, sha256Text } from '../provenance/hash.js';
import { linkInput, locate, stampArtifacts } from '../provenance/run.js';
import type { Attestation } from '../schemas/stamp.js';
import { modelAttestation } from './attest.js';
import { CRITIC_OPTIONS, criticPrompt, DEFAULT_EXAMPLES, FEW_SHOT_STOP, fewShotPrompt, HEADER, seededRandom, type Example } from './fewshot.js';
import { readExamples, readInstructions, readPartial, withModelMarkers, type Instruction, type Skipped } from './instructions.js';
import { Interrupted, openLocalModel, type OpenModel } from './model.js';
import { progressBar, type ProgressStream } from './progress.js';
import { runSentinel } from './sentinel.js';
import type { RuntimeOptions, Sampling, SentinelReport } from './types.js';

export interface GenerateOptions extends RuntimeOptions {
  model: string;
  instructions: string;
  out: string;
  examples?: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** The command line, recorded in the stamp. */
  argv: string[];
  seed?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  maxTokens?: number;
  /** Filter records with the A/B critic, keeping those whose margin log p(A) − log p(B) is at least `minMargin`. */
  critic?: boolean;
  minMargin?: number;
  /** K candidates per instruction → K−1 preference pairs (best vs the rest). */
  bestOf?: number;
  /** Discard a partial output instead of resuming it. */
  restart?: boolean;
  signal?: AbortSignal;
  progress?: ProgressStream;
  warn(message: string): void;
}

export type GenerateResult =
  | { kind: 'refused'; sentinel: SentinelReport }
  | { kind: 'interrupted'; partial: string; records: number }
  | { kind: 'done'; out: string; sidecar: string; qcPassed: boolean; records: number; resumed: number; skipped: Skipped[]; rejected: number };

interface Plan {
  sampling: Required<Pick<Sampling, 'temperature' | 'seed' | 'maxTokens'>> & Pick<Sampling, 'topK' | 'topP'> & { stop: string[] };
  pool: readonly Example[];
  critic: boolean;
  minMargin: number;
  bestOf: number;
}

function plan(o: GenerateOptions, pool: readonly Example[]): Plan {
  const bestOf = o.bestOf ?? 1;
  if (!Number.isInteger(bestOf) || bestOf < 1) throw new UserError(`--best-of ${bestOf}: expected a whole number of at least 1`);
  const temperature = o.temperature ?? (bestOf > 1 ? 0.8 : 0);
  if (bestOf > 1 && temperature === 0) throw new UserError('--best-of needs --temperature above 0: greedy decoding gives K identical candidates');
  const sampling = { temperature, seed: o.seed ?? 0, maxTokens: o.maxTokens ?? 128, stop: [...FEW_SHOT_STOP], ...(o.topK !== undefined ? { topK: o.topK } : {}), ...(o.topP !== undefined ? { topP: o.topP } : {}) };
  return { sampling, pool, critic: Boolean(o.critic) || bestOf > 1, minMargin: o.minMargin ?? 0, bestOf };
}

export async function generateDataset(o: GenerateOptions): Promise<GenerateResult> {
  const startedOn = new Date().toISOString();
  const { config, root } = await loadConfig({ cwd: o.cwd });
  const out = locate(root, o.cwd, o.out, '--out');
  const instructionsAbs = path.resolve(o.cwd, o.instructions);
  const pool = o.examples ? readExamples(path.resolve(o.cwd, o.examples), o.examples) : DEFAULT_EXAMPLES;
  if (!existsSync(instructionsAbs)) throw new UserError(`${o.instructions}: no such file`, { hint: 'give the instructions JSONL file' });
  const p = plan(o, pool);
  const read = readInstructions(instructionsAbs, o.instructions);
  const noneUsable = (): UserError => new UserError(`${o.instructions}: no usable instruction (${read.skipped.length} line(s) skipped)`, { hint: 'each line is {"instruction": "...", "id": "optional"}' });
  if (read.instructions.length === 0) throw noneUsable();
  writing(out.rel, () => mkdirSync(path.dirname(out.abs), { recursive: true }));
  const model = await openLocalModel(path.resolve(o.cwd, o.model), { ...o, display: o.model });
  try {
    // the model's own control-token texts, beyond the markers every model shares
    const { instructions, skipped } = withModelMarkers(read, model.view.controlTexts);
    if (instructions.length === 0) throw noneUsable();
    const sentinel = await runSentinel(model);
    if (!sentinel.passed) return { kind: 'refused', sentinel };

    const key = sha256Text(JSON.stringify({ model: model.report.sha256, instructions: sha256File(instructionsAbs), ...p }));
    const partial = `${out.abs}.partial`;
    const done = writing(out.rel, () => resume(partial, key, o));
    const todo = instructions.filter((i) => !done.lines.has(i.line));
    const bar = progressBar(o.progress, instructions.length, 'generate');
    let finished = instructions.length - todo.length;
    for (const instruction of todo) {
      if (o.signal?.aborted) return { kind: 'interrupted', partial, records: countLines(partial) };
      try {
        const made = await generateOne(model, instruction, p, o.signal);
        // one write per instruction: a Ctrl-C leaves whole instructions, never half of one's pairs
        const lines = made.records.map((r) => `${JSON.stringify(r)}\n`).join('') || `${JSON.stringify({ line: instruction.line, dropped: made.reason })}\n`;
        writing(out.rel, () => appendFileSync(partial, lines));
      } catch (error) {
        if (error instanceof Interrupted) return { kind: 'interrupted', partial, records: countLines(partial) };
        throw error;
      }
      bar.update(++finished);
    }
    bar.finish();
    const { records, rejected } = writing(out.rel, () => finalise(partial, out.abs));
    const attestation = runAttestation(model, sentinel, p);
    const inside = path.relative(root, instructionsAbs);
    const inputLinks = inside.startsWith('..') || path.isAbsolute(inside) ? [] : [linkInput(root, config, locate(root, o.cwd, o.instructions, '--instructions'))];
    const state = await workTreeState(root).catch((error: unknown) => {
      o.warn(`cannot read the git state (${errorMessage(error)}); the stamp records no commit`);
      return null;
    });
    const stamped = await stampArtifacts({ root, config, env: o.env, argv: o.argv, cwd: o.cwd, outputs: [out], inputLinks, producer: null, attestation, python: null, state, startedOn, finishedOn: new Date().toISOString(), warn: o.warn });
    const stamp = stamped.stamps[0];
    return { kind: 'done', out: out.rel, sidecar: stamp?.sidecar ?? '', qcPassed: stamp?.qcPassed ?? false, records, resumed: done.lines.size, skipped, rejected };
  } finally {
    await model.dispose();
  }
}

/** A file-system failure while writing the output is the user's to fix (permissions, a full disk), not a bug. */
function writing<T>(display: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (typeof (error as NodeJS.ErrnoException).code === 'string') {
      throw new UserError(`cannot write ${display}: ${errorMessage(error)}`, { hint: 'check the folder exists and is writable; a rerun resumes what was written', cause: error });
    }
    throw error;
  }
}

/** Instruction lines already in a partial output made with the same settings; anything else starts afresh. */
function resume(partial: string, key: string, o: GenerateOptions): { lines: Set<number> } {
  const meta = `${partial}.json`;
  const same = !o.restart && existsSync(partial) && existsSync(meta) && readMetaKey(meta) === key;
  if (same) {
    const { records, bytes } = readPartial(readFileSync(partial, 'utf8'));
    truncateSync(partial, bytes);
    const lines = new Set(records.map((r) => r.line).filter((l): l is number => typeof l === 'number'));
    if (lines.size) o.warn(`resuming ${path.basename(partial)}: ${lines.size} instruction(s) already done`);
    return { lines };
  }
  if (existsSync(partial)) o.warn(`${path.basename(partial)} ${o.restart ? 'discarded (--restart)' : 'was made with other settings or inputs; starting afresh'}`);
  rmSync(partial, { force: true });
  writeAtomic(meta, JSON.stringify({ key }));
  writeFileSync(partial, '');
  return { lines: new Set() };
}

function readMetaKey(meta: string): string | null {
  try {
    const v = JSON.parse(readFileSync(meta, 'utf8')) as { key?: unknown };
    return typeof v.key === 'string' ? v.key : null;
  } catch (error) {
    if (error instanceof SyntaxError) return null; // a torn meta file means: start afresh
    throw error;
  }
}

function countLines(file: string): number {
  return existsSync(file) ? readPartial(readFileSync(file, 'utf8')).records.filter((r) => !('dropped' in r)).length : 0;
}

/** Drops the rejection markers, writes the records in instruction order and renames into place. */
function finalise(partial: string, out: string): { records: number; rejected: number } {
  const all = readPartial(readFileSync(partial, 'utf8')).records;
  const records = all.filter((r) => !('dropped' in r));
  records.sort((a, b) => Number(a.line) - Number(b.line));
  writeAtomic(out, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
  rmSync(partial, { force: true });
  rmSync(`${partial}.json`, { force: true });
  return { records: records.length, rejected: all.length - records.length };
}

interface Made {
  records: Record<string, unknown>[];
  reason: string;
}

async function generateOne(model: OpenModel, ins: Instruction, p: Plan, signal: AbortSignal | undefined): Promise<Made> {
  const fs = fewShotPrompt(ins.instruction, p.pool, seededRandom(p.sampling.seed, ins.line));
  const base = { id: ins.id, line: ins.line, instruction: ins.instruction, prompt: fs.prompt, examples: fs.examples };
  const candidates: { seed: number; completion: string; stopReason: string; margin: number | null; a: number | null; b: number | null }[] = [];
  for (let k = 0; k < p.bestOf; k++) {
    const seed = recordSeed(p.sampling.seed, ins.line, k);
    const c = await model.complete(fs.prompt, { ...p.sampling, seed }, { signal });
    let critic = { margin: null as number | null, a: null as number | null, b: null as number | null };
    if (p.critic && c.text.trim()) {
      const cmp = await model.compareOptions(criticPrompt(ins.instruction, c.text), CRITIC_OPTIONS);
      const [a, b] = cmp.options.map((x) => x.logprob) as [number, number];
      critic = { margin: a - b, a, b };
    }
    candidates.push({ seed, completion: c.text, stopReason: c.stopReason, ...critic });
  }
  const round = (n: number | null): number | null => (n === null ? null : Math.round(n * 1e6) / 1e6);
  if (p.bestOf === 1) {
    const c = candidates[0];
    if (!c) return { records: [], reason: 'no candidate' };
    if (!c.completion.trim()) return { records: [], reason: 'empty completion' };
    if (p.critic && (c.margin ?? -Infinity) < p.minMargin) return { records: [], reason: `critic margin ${round(c.margin)} below ${p.minMargin}` };
    const critic = p.critic ? { critic: { margin: round(c.margin), logprob_a: round(c.a), logprob_b: round(c.b) } } : {};
    return { records: [{ ...base, completion: c.completion, response: c.completion.trim(), seed: c.seed, stop_reason: c.stopReason, ...critic }], reason: '' };
  }
  const scored = candidates.filter((c) => c.completion.trim() && c.margin !== null).sort((x, y) => (y.margin ?? 0) - (x.margin ?? 0));
  const [best, ...rest] = scored;
  if (!best) return { records: [], reason: 'every candidate was empty' };
  const pairs = rest
    .filter((r) => r.completion.trim() !== best.completion.trim())
    .map((r) => ({ r, margin: (best.margin ?? 0) - (r.margin ?? 0) }))
    .filter(({ margin }) => margin > 0 && margin >= p.minMargin)
    .map(({ r, margin }) => ({ ...base, chosen: best.completion.trim(), rejected: r.completion.trim(), margin: round(margin), chosen_score: round(best.margin), rejected_score: round(r.margin), chosen_seed: best.seed, rejected_seed: r.seed }));
  return { records: pairs, reason: pairs.length ? '' : 'no pair with a positive margin (candidates identical or tied)' };
}

/** A per-record, per-candidate seed: independent of the order records are made in, so resuming changes nothing. */
export function recordSeed(seed: number, line: number, k: number): number {
  return Math.floor(seededRandom(seed, line, k)() * 2 ** 31);
}

function runAttestation(model: OpenModel, sentinel: SentinelReport, p: Plan): Attestation {
  return {
    ...modelAttestation(model.report, model.addBos, false),
    sampling: {
      ...p.sampling,
      fewShot: { header: HEADER, pool: p.pool.length, perPrompt: '3-4', custom: p.pool !== DEFAULT_EXAMPLES },
      critic: p.critic ? { options: [...CRITIC_OPTIONS], minMargin: p.minMargin } : null,
      bestOf: p.bestOf,
      threads: model.threads,
      contextSize: model.contextSize,
    },
    seed: p.sampling.seed,
    sentinel: { passed: true, checks: [...sentinel.checks.map((c) => ({ name: c.name, passed: c.passed })), { name: 'every-call-clean', passed: true }] },
  };
}
