/**
 * One pass from the working tree to entries, shared by `sync`, `check`, `search` and `show`: config,
 * registered files, parts (cached), annotations, git facts, resolution; then the index is brought up to
 * date in one transaction. Writing the Markdown is `sync`'s business, not this module's.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../core/config.js';
import type { Config } from '../schemas/config.js';
import type { RegistryEntry } from '../schemas/registry.js';
import { loadAnnotations, type LoadedAnnotations } from './annotations.js';
import { collect } from './collect.js';
import { registeredFiles, type Registered } from './files.js';
import { gitFacts } from './git-facts.js';
import { resolveEntries, type StaleAnnotation } from './resolve.js';
import { RegistryIndex } from './store.js';

export interface RegistryOptions {
  /** Where config discovery starts. */
  cwd: string;
  configPath?: string;
  isolated?: boolean;
}

export interface Coverage {
  /** Registered files with a purpose (written in the annotations, or a docstring's first sentence). */
  documented: number;
  total: number;
  /** Rounded, but never 100 while something is undocumented (as the Markdown shows it). */
  percent: number;
}

export interface Project {
  root: string;
  config: Config;
  configSource: string | null;
  registered: Registered;
  index: RegistryIndex;
  warnings: string[];
}

export interface Built extends Project {
  entries: RegistryEntry[];
  stale: StaleAnnotation[];
  coverage: Coverage;
  annotations: LoadedAnnotations;
  /** Files the front ends parsed in this run (0 on a warm run). */
  parsed: number;
  /** Entries whose indexed JSON changed in this run. */
  changed: number;
  /** A digest of every entry's JSON: equal digests, equal registries. */
  digest: string;
}

export function coverageOf(entries: readonly RegistryEntry[]): Coverage {
  const documented = entries.filter((e) => e.purpose !== null).length;
  const total = entries.length;
  const raw = total === 0 ? 100 : (documented / total) * 100;
  return { documented, total, percent: documented < total ? Math.min(99, Math.round(raw)) : Math.round(raw) };
}

/**
 * Opens the project: config, the registered files (one walk) and the index. Close `index` when done.
 * `walk: false` leaves the registered files empty, for answers straight from the index.
 */
export async function openProject(options: RegistryOptions, { walk = true }: { walk?: boolean } = {}): Promise<Project> {
  const loaded = await loadConfig({
    cwd: options.cwd,
    ...(options.configPath === undefined ? {} : { configPath: options.configPath }),
    ...(options.isolated ? { isolated: true } : {}),
  });
  const warnings: string[] = [];
  const registered = walk ? registeredFiles(loaded.root, loaded.config) : { files: [], all: new Set<string>(), skipped: [] };
  const index = RegistryIndex.open(loaded.root, (m) => warnings.push(m));
  return { root: loaded.root, config: loaded.config, configSource: loaded.source, registered, index, warnings };
}

function stampOf(file: string): string {
  try {
    const st = statSync(file);
    return `${st.mtimeMs}:${st.size}`;
  } catch {
    return 'absent';
  }
}

/**
 * Everything besides the registered files' bytes that entries depend on (config, annotations file),
 * so a search can tell whether the index still describes the tree. Git facts are left out on purpose:
 * a new commit does not make a search answer wrong.
 */
export function inputsStamp(project: Project): string {
  const { config, root, configSource } = project;
  return JSON.stringify({
    registry: config.registry,
    deprecated: config.deprecatedPaths,
    exclude: config.exclude,
    config: configSource ? stampOf(configSource) : null,
    annotations: stampOf(path.resolve(root, config.registry.annotations)),
  });
}

/** Brings the index up to date and returns the entries. */
export async function build(project: Project): Promise<Built> {
  const { root, config, registered, index, warnings } = project;
  const annotations = await loadAnnotations(root, config.registry.annotations);
  const collection = await collect(registered.files, index, config.maxFileSize);
  warnings.push(...collection.warnings);
  const git = await gitFacts(root, { get: () => index.gitMemo(), set: (v) => index.rememberGit(v) });
  if ('reason' in git) warnings.push(`git facts left out: ${git.reason}`);
  const { entries, stale } = resolveEntries({
    parts: collection.parts,
    all: registered.all,
    annotations: annotations.data,
    lineOf: (p) => annotations.lineOf(p),
    git: 'facts' in git ? git.facts : null,
    config,
  });
  for (const s of stale) warnings.push(staleMessage(s, config.registry.annotations));
  const { changed, digest } = index.write({
    files: collection.rows,
    keep: new Set(registered.files.map((f) => f.path)),
    vanished: collection.vanished,
    facts: collection.facts,
    entries,
    inputs: inputsStamp(project),
  });
  return { ...project, entries, stale, coverage: coverageOf(entries), annotations, parsed: collection.parsed, changed, digest };
}

export function staleMessage(s: StaleAnnotation, file: string): string {
  const where = s.line === null ? file : `${file}:${s.line}`;
  return s.missing === 'file'
    ? `${where}: stale annotation: ${s.path} does not exist`
    : `${where}: ${s.path}: replaced_by ${s.target} does not exist`;
}
