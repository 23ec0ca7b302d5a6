/**
 * `provenant lineage PATH`: the tree of an artifact's provenance, read from the stamps. Upwards it follows
 * each stamp's `provenant.inputs` to the inputs' own stamps, recursively; downwards (`--down`) it asks the
 * ledger which artifacts' current stamps name this one as an input. Every node carries its producer, commit
 * and date; a missing or unreadable stamp, an input re-stamped since, a cycle and a node already shown are
 * marked on the node, never an error. Verdicts come from `verify` when asked for. Rendered as an indented
 * tree, JSON, or a Mermaid `graph TD` block.
 */
import path from 'node:path';

import { loadConfig } from '../config/config.js';
import { UserError } from '../core/errors.js';
import { toPosix } from '../core/paths.js';
import { CONTROL_CLASS, printable } from '../core/display.js';
import type { LineageNode, LineageReport } from '../schemas/provenance-reports.js';
import { BUILD_TYPE_LEGACY, type InputLink } from '../schemas/stamp.js';
import { openLedger, type Ledger } from './ledger.js';
import { STAMP_SUFFIX } from './hash.js';
import { insideRoot, readStampFile, sidecarPath } from './stamp-file.js';

export interface LineageOptions {
  cwd: string;
  path: string;
  /** Consumers (from the ledger) instead of inputs. */
  down?: boolean;
  /** Ask `verify` for each node's verdict. */
  verdicts?: boolean;
  env?: NodeJS.ProcessEnv;
  warn(message: string): void;
}

interface Walk {
  root: string;
  stampsDir: string | null;
  /** The sha256 of each shown node's stamp file, to tell an input re-stamped since. */
  stampOf: Map<string, string>;
  seen: Set<string>;
  ledger: Ledger | null;
  /** The first node not expanded because the tree was too deep. */
  truncated?: string;
}

/** A path the user typed (relative to cwd; a sidecar's path means its artifact) as a root-relative path. */
export function artifactPath(root: string, cwd: string, typed: string): string {
  const bare = typed.endsWith(STAMP_SUFFIX) ? typed.slice(0, -STAMP_SUFFIX.length) : typed;
  const rel = toPosix(path.relative(root, path.resolve(cwd, bare)));
  if (!rel || !insideRoot(root, rel)) {
    throw new UserError(`${typed}: outside the project (${root})`, { hint: 'name an artifact inside the project' });
  }
  return rel;
}

export async function lineage(options: LineageOptions): Promise<LineageReport> {
  const { config, root } = await loadConfig({ cwd: options.cwd });
  const rel = artifactPath(root, options.cwd, options.path);
  const direction = options.down ? 'down' : 'up';
  const notes: string[] = [];
  const ledger = options.down ? openLedger(root, config, { create: false, ...(options.env ? { env: options.env } : {}) }) : null;
  if (options.down && !ledger) notes.push('no ledger (.provenant/ledger.db): consumers are unknown — `provenant ledger rebuild` restores it from the stamps');
  const walk: Walk = { root, stampsDir: config.provenance.stampsDir, stampOf: new Map(), seen: new Set(), ledger };
  let tree: LineageNode;
  try {
    tree = options.down ? await down(walk, rel, []) : up(walk, rel, []);
  } finally {
    await ledger?.close();
  }
  if (walk.truncated) notes.push(`the tree is more than ${MAX_LINEAGE_DEPTH} levels deep and was cut at ${walk.truncated}`);
  if (options.verdicts) await addVerdicts(root, tree, options);
  return { version: 1, direction, root: tree, notes };
}

function node(walk: Walk, rel: string): LineageNode {
  const base: LineageNode = {
    path: rel, stamp: 'none', problem: null, producer: null, status: null, commit: null, date: null,
    sha256: null, signed: null, legacy: null, verdict: null, repeat: null, children: [],
  };
  if (!insideRoot(walk.root, rel)) return { ...base, problem: 'the path leaves the project' };
  const read = readStampFile(sidecarPath(walk.root, rel, walk.stampsDir));
  if (read.kind === 'none') return base;
  if (read.kind === 'invalid') return { ...base, stamp: 'invalid', problem: read.problem };
  walk.stampOf.set(rel, read.sha256);
  const p = read.statement.predicate;
  const legacy = p.buildDefinition.buildType === BUILD_TYPE_LEGACY;
  return {
    ...base,
    stamp: 'ok',
    producer: p.provenant.producer?.path ?? null,
    status: p.provenant.producer?.status ?? null,
    commit: p.provenant.git.commit?.slice(0, 7) ?? null,
    date: p.runDetails.metadata.finishedOn,
    sha256: read.statement.subject[0]?.digest.sha256 ?? null,
    signed: read.envelope !== null,
    legacy: legacy ? (p.provenant.investigation?.verdict ?? 'unknown') : null,
  };
}

/** Inputs of the stamp at `rel`, read again only for nodes that get expanded. */
function inputsOf(walk: Walk, rel: string): InputLink[] {
  const read = readStampFile(sidecarPath(walk.root, rel, walk.stampsDir));
  return read.kind === 'ok' ? read.statement.predicate.provenant.inputs : [];
}

/**
 * How deep a tree is followed: deeper than any real pipeline, shallow enough that walking, rendering and
 * serialising it never runs out of stack. A deeper node says so and is not expanded.
 */
export const MAX_LINEAGE_DEPTH = 256;

function tooDeep(walk: Walk, rel: string, ancestors: readonly string[]): LineageNode | null {
  if (ancestors.length < MAX_LINEAGE_DEPTH) return null;
  walk.truncated ??= rel;
  return { ...node(walk, rel), problem: `more than ${MAX_LINEAGE_DEPTH} levels deep: not followed further (run \`provenant lineage ${rel}\` to continue from here)` };
}

/** Where a walk stops at `rel` (a cycle, too deep, seen before), or null after marking it seen. */
function stopAt(walk: Walk, rel: string, ancestors: readonly string[]): LineageNode | null {
  if (ancestors.includes(rel)) return { ...node(walk, rel), repeat: 'cycle' };
  const deep = tooDeep(walk, rel, ancestors);
  if (deep) return deep;
  if (walk.seen.has(rel)) return { ...node(walk, rel), repeat: 'seen' };
  walk.seen.add(rel);
  return null;
}

function up(walk: Walk, rel: string, ancestors: readonly string[]): LineageNode {
  const stop = stopAt(walk, rel, ancestors);
  if (stop) return stop;
  const here = node(walk, rel);
  const trail = [...ancestors, rel];
  here.children = inputsOf(walk, rel).map((link) => {
    const child = up(walk, link.path, trail);
    return { ...child, problem: child.problem ?? linkProblem(walk, link, child) };
  });
  return here;
}

/** How the input now differs from what the consumer's stamp recorded of it. */
function linkProblem(walk: Walk, link: InputLink, child: LineageNode): string | null {
  if (child.stamp !== 'ok') return null;
  if (child.sha256 !== link.sha256) return `the input's stamp is for other content (sha256 ${link.sha256.slice(0, 12)} recorded by the consumer, ${child.sha256?.slice(0, 12) ?? '?'} now)`;
  const now = walk.stampOf.get(link.path);
  if (link.stamp && now && now !== link.stamp) return `re-stamped since it was used (stamp ${link.stamp.slice(0, 12)} then, ${now.slice(0, 12)} now)`;
  return null;
}

async function down(walk: Walk, rel: string, ancestors: readonly string[]): Promise<LineageNode> {
  const stop = stopAt(walk, rel, ancestors);
  if (stop) return stop;
  const here = node(walk, rel);
  const trail = [...ancestors, rel];
  here.children = [];
  for (const c of walk.ledger ? await walk.ledger.consumersOf(rel) : []) here.children.push(await down(walk, c, trail));
  return here;
}

async function addVerdicts(root: string, tree: LineageNode, options: LineageOptions): Promise<void> {
  const nodes: LineageNode[] = [];
  const collect = (n: LineageNode): void => {
    nodes.push(n);
    n.children.forEach(collect);
  };
  collect(tree);
  const paths = [...new Set(nodes.filter((n) => insideRoot(root, n.path)).map((n) => n.path))];
  const { verifyPaths } = await import('./verify.js');
  const report = await verifyPaths({ cwd: root, paths, env: options.env ?? process.env, warn: options.warn });
  const byPath = new Map(report.results.map((r) => [r.path, r.verdict]));
  for (const n of nodes) n.verdict = byPath.get(n.path) ?? null;
}

// ---------------------------------------------------------------------------------------------------
// Rendering

function describe(n: LineageNode): string {
  const parts = [printable(n.path)];
  if (n.stamp === 'none') parts.push('(unstamped)');
  else if (n.stamp === 'invalid') parts.push('(unreadable stamp)');
  else if (n.legacy) parts.push(`legacy: ${n.legacy}`);
  else parts.push(n.producer ? `${printable(n.producer)}${n.status && n.status !== 'active' ? ` (${n.status})` : ''}` : 'no producer script');
  if (n.commit) parts.push(`@${printable(n.commit)}`);
  if (n.date) parts.push(printable(n.date.slice(0, 10)));
  if (n.signed) parts.push('signed');
  if (n.verdict) parts.push(`[${n.verdict}]`);
  if (n.repeat === 'cycle') parts.push('↻ cycle: its own ancestor');
  if (n.repeat === 'seen') parts.push('(shown above)');
  return parts.join('  ');
}

/** The tree as text, one artifact a line; problems on their own line under the node. */
export function renderLineageText(report: LineageReport): string {
  const lines: string[] = [];
  const emit = (n: LineageNode, prefix: string, branch: string, last: boolean): void => {
    lines.push(prefix + branch + describe(n));
    const inner = prefix + (branch === '' ? '' : last ? '    ' : '│   ');
    if (n.problem) lines.push(`${inner}${n.children.length ? '│   ' : '    '}! ${printable(n.problem)}`);
    n.children.forEach((c, i) => emit(c, inner, i === n.children.length - 1 ? '└── ' : '├── ', i === n.children.length - 1));
  };
  emit(report.root, '', '', true);
  if (report.direction === 'down' && report.root.children.length === 0 && report.notes.length === 0) lines.push('  (no stamped artifact uses it)');
  for (const note of report.notes) lines.push(`note: ${printable(note)}`);
  return lines.join('\n') + '\n';
}

/**
 * A label for Mermaid: `#` first (entity codes start with it), then every character that could end the
 * label or the statement (quotes, brackets, line breaks), markup and control characters, as `#code;`.
 */
const MERMAID_SPECIAL = new RegExp(`[#"<>&\`[\\](){}|\\\\${CONTROL_CLASS}]`, 'g');
const mermaidText = (s: string): string => s.replace(MERMAID_SPECIAL, (ch) => (ch === '"' ? '#quot;' : `#${ch.charCodeAt(0)};`));

/** A Mermaid flowchart; edges point the way data flowed (input → artifact made from it). */
export function renderLineageMermaid(report: LineageReport): string {
  const ids = new Map<string, string>();
  const lines = ['graph TD'];
  const edges = new Set<string>();
  const bad: string[] = [];
  const idOf = (n: LineageNode): string => {
    let id = ids.get(n.path);
    if (!id) {
      id = `n${ids.size}`;
      ids.set(n.path, id);
      const label = [n.path, n.stamp === 'ok' ? (n.legacy ? `legacy: ${n.legacy}` : (n.producer ?? 'no producer')) : n.stamp === 'none' ? 'unstamped' : 'unreadable stamp'];
      if (n.commit) label.push(`@${n.commit}`);
      if (n.verdict) label.push(n.verdict);
      lines.push(`  ${id}["${label.map(mermaidText).join('<br/>')}"]`);
      if (n.stamp !== 'ok' || (n.verdict && n.verdict !== 'ok') || n.legacy === 'quarantine') bad.push(id);
    }
    return id;
  };
  const visit = (n: LineageNode): void => {
    const me = idOf(n);
    for (const c of n.children) {
      const other = idOf(c);
      edges.add(report.direction === 'up' ? `  ${other} --> ${me}` : `  ${me} --> ${other}`);
      visit(c);
    }
  };
  visit(report.root);
  lines.push(...edges);
  if (bad.length) lines.push('  classDef bad fill:#fdd,stroke:#c00', `  class ${bad.join(',')} bad`);
  return lines.join('\n') + '\n';
}
