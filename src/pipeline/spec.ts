/**
 * Loading a pipeline spec: YAML parsed with line positions, validated with zod, then the stage graph:
 * which stage produces each output (two stages writing one output is an error), the edges its inputs and
 * `after` imply, and a stable topological order (spec order among stages that could go in either order).
 * Every problem names the file and line, and the whole list is reported at once.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';

import { closest, describeIssue, formatKeyPath } from '../core/describe.js';
import { isErrno } from '../core/fs.js';
import { errorMessage, UserError } from '../core/errors.js';
import { boundedToJs } from '../core/yaml.js';
import { notRegular } from '../core/files.js';
import { GATE_PATTERN, PipelineSpecSchema, SlurmOptionsSchema, StageSchema, type PipelineSpec, type SlurmOptions, type StageSpec } from '../schemas/pipeline.js';

export const SPEC_FILE = 'provenant.pipeline.yaml';

export interface Gate {
  text: string;
  file: string;
  key: string;
  op: '>=' | '<=' | '==' | '!=' | '>' | '<';
  value: number | boolean | string;
  decision: string | null;
}

export interface Stage {
  id: string;
  index: number;
  spec: StageSpec;
  inputs: string[];
  outputs: string[];
  /** Stages that must run first (from inputs and `after`). */
  deps: string[];
  gates: Gate[];
  line: number | null;
  /** Where it runs: the stage's `executor`, else the spec's, else local. */
  executor: 'local' | 'slurm';
  /** The spec's `slurm:` with the stage's own keys over it (`extra` adds up); empty for local stages. */
  slurm: SlurmOptions;
}

export interface LoadedSpec {
  /** Root-relative path of the spec file. */
  file: string;
  spec: PipelineSpec;
  /** In execution order. */
  stages: Stage[];
  byId: Map<string, Stage>;
  /** Output path → the stage that writes it. */
  producers: Map<string, string>;
}

export type Params = Record<string, string | number | boolean>;

/** `${params.NAME}` in a command word. */
export const PARAM_REFERENCE = /\$\{params\.([A-Za-z0-9_-]+)\}/g;

/** Every `${…}` a command names must be a param the stage defines (smoke params only override those). */
function paramProblems(stage: StageSpec, line: number | null): Problem[] {
  const defined = new Set(Object.keys(stage.params ?? {}));
  const problems: Problem[] = [];
  const words = typeof stage.cmd === 'string' ? [stage.cmd] : stage.cmd;
  for (const word of words) {
    for (const m of word.matchAll(/\$\{([^}]*)\}/g)) {
      const ref = m[1] ?? '';
      const name = /^params\.([A-Za-z0-9_-]+)$/.exec(ref)?.[1];
      if (name === undefined) {
        // a shell command may use its own ${VAR}; a list command has no shell to expand it
        if (typeof stage.cmd === 'string' && !ref.startsWith('params')) continue;
        problems.push({ line, text: `stage ${stage.id}: \`\${${ref}}\` is not a param reference (write \${params.NAME})` });
      } else if (!defined.has(name)) {
        const near = closest(name, [...defined]);
        problems.push({ line, text: `stage ${stage.id}: \`\${params.${name}}\` names a param the stage does not define${near ? ` (did you mean '${near}'?)` : ''}${defined.size ? `; its params: ${[...defined].join(', ')}` : '; it has no params'}` });
      }
    }
  }
  for (const name of Object.keys(stage.smoke?.params ?? {})) {
    if (!defined.has(name)) problems.push({ line, text: `stage ${stage.id}: smoke param ${name} overrides no param of the stage` });
  }
  return problems;
}

interface Problem {
  line: number | null;
  text: string;
}

export async function loadSpec(root: string, file: string = SPEC_FILE): Promise<LoadedSpec> {
  const abs = path.resolve(root, file);
  const display = path.relative(root, abs).split(path.sep).join('/') || file;
  let text: string;
  try {
    const kind = notRegular(await fs.stat(abs));
    if (kind) throw new UserError(`${display}: not a regular file (${kind}); a pipeline spec is a YAML file`);
    text = await fs.readFile(abs, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (isErrno(error, 'ENOENT')) throw new UserError(`${display}: no pipeline spec here`, { hint: `write ${SPEC_FILE} (see \`provenant pipeline --help\`), or pass --spec FILE`, cause: error });
    throw new UserError(`${display}: cannot read: ${errorMessage(error)}`, { cause: error });
  }
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const problems = doc.errors.map((e) => ({ line: counter.linePos(e.pos[0]).line, text: e.message.split('\n')[0] ?? e.message }));
    throw report(display, problems);
  }
  const raw: unknown = boundedToJs(doc, display);
  const lineAt = (at: readonly (string | number)[]): number | null => lineOf(doc, counter, at);
  const parsed = PipelineSpecSchema.safeParse(raw);
  if (!parsed.success) {
    throw report(display, parsed.error.issues.map((issue) => describe(issue, raw, lineAt)));
  }
  return buildGraph(display, parsed.data, lineAt);
}

function describe(issue: import('zod').z.core.$ZodIssue, raw: unknown, lineAt: (at: (string | number)[]) => number | null): Problem {
  const at = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (issue.code === 'unrecognized_keys') {
    const inStage = at[0] === 'stages';
    const known = Object.keys(at.includes('slurm') ? SlurmOptionsSchema.shape : inStage ? StageSchema.shape : PipelineSpecSchema.shape);
    const key = issue.keys[0] ?? '';
    const near = closest(key, known);
    return { line: lineAt([...at, key]), text: `unknown key '${formatKeyPath([...at, key])}'${near ? ` (did you mean '${near}'?)` : ''}` };
  }
  return { line: lineAt(at), text: describeIssue(issue, at, raw, 'a mapping') };
}

function lineOf(doc: Document, counter: LineCounter, at: readonly (string | number)[]): number | null {
  for (let n = at.length; n >= 0; n--) {
    const node = doc.getIn(at.slice(0, n), true) as { range?: [number, number, number] } | undefined;
    const parent = n > 0 ? doc.getIn(at.slice(0, n - 1), true) : null;
    // a key's line is better than its value's (a missing value has no range)
    if ((isMap(parent) || isSeq(parent)) && n > 0 && isMap(parent)) {
      const pair = parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === at[n - 1]);
      const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
      if (range) return counter.linePos(range[0]).line;
    }
    if (node?.range) return counter.linePos(node.range[0]).line;
  }
  return null;
}

function report(display: string, problems: Problem[]): UserError {
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  return new UserError(problems.map((p) => `${display}${p.line === null ? '' : `:${p.line}`}: ${p.text}`).join('\n'));
}

function parseGate(raw: NonNullable<StageSpec['gates']>[number]): Gate {
  const text = typeof raw === 'string' ? raw : raw.metric;
  const m = GATE_PATTERN.exec(text);
  if (!m) throw new Error(`unreachable: gate ${text} passed the schema`);
  const literal = m[4] ?? '';
  const value = literal === 'true' ? true : literal === 'false' ? false : Number.isFinite(Number(literal)) ? Number(literal) : literal.replace(/^["']|["']$/g, '');
  return { text: text.trim(), file: m[1] ?? '', key: m[2] ?? '', op: m[3] as Gate['op'], value, decision: typeof raw === 'string' ? null : (raw.decision ?? null) };
}

function buildGraph(display: string, spec: PipelineSpec, lineAt: (at: (string | number)[]) => number | null): LoadedSpec {
  const problems: Problem[] = [];
  const byId = new Map<string, Stage>();
  const producers = new Map<string, string>();
  spec.stages.forEach((s, index) => {
    const line = lineAt(['stages', index, 'id']);
    if (byId.has(s.id)) problems.push({ line, text: `stages[${index}]: a second stage with id "${s.id}"` });
    if (typeof s.cmd === 'string' && !s.shell) problems.push({ line: lineAt(['stages', index, 'cmd']), text: `stage ${s.id}: cmd is a string, which needs a shell; write it as a list [program, arg, …], or set shell: true` });
    problems.push(...paramProblems(s, lineAt(['stages', index, 'cmd'])));
    const executor = s.executor ?? spec.executor ?? 'local';
    if (executor === 'local' && s.slurm) problems.push({ line: lineAt(['stages', index, 'slurm']), text: `stage ${s.id}: has slurm options but runs locally; add executor: slurm to the stage (or to the spec for every stage)` });
    const slurm = executor === 'slurm' ? { ...spec.slurm, ...s.slurm, extra: [...(spec.slurm?.extra ?? []), ...(s.slurm?.extra ?? [])] } : {};
    const stage: Stage = { id: s.id, index, spec: s, inputs: norm(s.inputs ?? []), outputs: norm(s.outputs), deps: [], gates: (s.gates ?? []).map(parseGate), line, executor, slurm };
    byId.set(s.id, stage);
    for (const out of stage.outputs) {
      const other = producers.get(out);
      if (other && other !== s.id) problems.push({ line: lineAt(['stages', index, 'outputs']), text: `stage ${s.id}: output ${out} is also written by stage ${other}; two stages writing one output cannot both be stamped` });
      else producers.set(out, s.id);
    }
  });
  for (const stage of byId.values()) {
    const deps = new Set<string>();
    for (const input of stage.inputs) {
      const from = producerOf(input, producers);
      if (from === stage.id) problems.push({ line: lineAt(['stages', stage.index, 'inputs']), text: `stage ${stage.id}: reads ${input}, which it writes itself` });
      else if (from) deps.add(from);
    }
    for (const after of stage.spec.after ?? []) {
      if (!byId.has(after)) problems.push({ line: lineAt(['stages', stage.index, 'after']), text: `stage ${stage.id}: after names no stage "${after}"` });
      else deps.add(after);
    }
    stage.deps = [...deps];
    stage.gates.forEach((gate, g) => {
      if (!stage.outputs.some((o) => gate.file === o || gate.file.startsWith(`${o}/`))) {
        problems.push({ line: lineAt(['stages', stage.index, 'gates', g]), text: `stage ${stage.id}: gate ${gate.text} reads ${gate.file}, which is not among the stage's outputs` });
      }
    });
  }
  const order = problems.length ? [] : topoOrder([...byId.values()], problems, lineAt);
  if (problems.length) throw report(display, problems);
  return { file: display, spec, stages: order, byId, producers };
}

function norm(paths: readonly string[]): string[] {
  return paths.map((p) => path.posix.normalize(p.replace(/\\/g, '/')).replace(/\/$/, ''));
}

/** The stage writing `input`, or writing a folder that holds it. */
export function producerOf(input: string, producers: ReadonlyMap<string, string>): string | null {
  const direct = producers.get(input);
  if (direct) return direct;
  for (const [out, id] of producers) if (input.startsWith(`${out}/`) || out.startsWith(`${input}/`)) return id;
  return null;
}

/** Kahn's algorithm, taking the earliest stage in spec order whenever several are ready; a cycle is named. */
function topoOrder(stages: Stage[], problems: Problem[], lineAt: (at: (string | number)[]) => number | null): Stage[] {
  const remaining = new Map(stages.map((s) => [s.id, new Set(s.deps)]));
  const order: Stage[] = [];
  const byId = new Map(stages.map((s) => [s.id, s]));
  while (remaining.size) {
    const ready = stages.filter((s) => remaining.get(s.id)?.size === 0 && remaining.has(s.id));
    const next = ready[0];
    if (!next) {
      const cycle = findCycle(remaining);
      const first = byId.get(cycle[0] ?? '');
      problems.push({ line: first ? lineAt(['stages', first.index, 'id']) : null, text: `the stages form a cycle: ${cycle.join(' → ')}` });
      return [];
    }
    order.push(next);
    remaining.delete(next.id);
    for (const deps of remaining.values()) deps.delete(next.id);
  }
  return order;
}

function findCycle(remaining: Map<string, Set<string>>): string[] {
  const start = [...remaining.keys()][0] ?? '';
  const seen: string[] = [];
  let at = start;
  while (!seen.includes(at)) {
    seen.push(at);
    at = [...(remaining.get(at) ?? [])][0] ?? at;
  }
  const loop = seen.slice(seen.indexOf(at));
  return [...loop.reverse(), loop[0] ?? at];
}
