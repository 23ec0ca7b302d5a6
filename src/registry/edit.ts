/**
 * The registry's edit commands: `registry deprecate`, `registry canonical` and `registry bug add`. Each
 * checks its arguments against the files (and git, for a fix revision), then changes only the named
 * entries of the annotations file through `editAnnotations`, and says what it changed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

import { loadConfig, type LoadedConfig } from '../config/config.js';
import { pathDeprecation } from '../core/deprecation.js';
import { gitRunner } from '../core/git.js';
import { gitTopLevel } from '../core/git-history.js';
import { errorMessage, UserError } from '../core/errors.js';
import { toPosix } from '../core/paths.js';
import { KnownBugSchema, type Annotation, type AnnotationsFile, type KnownBug } from '../schemas/registry.js';
import { editAnnotations } from './annotations.js';
import { registeredFiles } from './files.js';

export interface EditTarget {
  cwd: string;
  /** The file to annotate, relative to `cwd` or to the project root. */
  path: string;
  configPath?: string;
  isolated?: boolean;
  /** How long to wait for another edit of the annotations file (default: a minute). */
  lockWaitMs?: number;
}

export interface EditResult {
  /** The annotations file, relative to the project root. */
  annotationsFile: string;
  /** The annotated file, relative to the project root. */
  path: string;
  created: boolean;
  changed: boolean;
  /** What changed, one line each ("status: active → deprecated"). */
  changes: string[];
  /** Things worth knowing that did not stop the edit. */
  warnings: string[];
}

interface Context {
  loaded: LoadedConfig;
  rel: string;
  warnings: string[];
}

/** The options loadConfig takes, without undefined values (exactOptionalPropertyTypes). */
export function configOptions(o: { cwd: string; configPath?: string | undefined; isolated?: boolean | undefined }): { cwd: string; configPath?: string; isolated?: boolean } {
  return { cwd: o.cwd, ...(o.configPath === undefined ? {} : { configPath: o.configPath }), ...(o.isolated ? { isolated: true } : {}) };
}

async function context(target: EditTarget): Promise<Context> {
  const loaded = await loadConfig(configOptions(target));
  const rel = await existingPath(loaded.root, target.cwd, target.path, 'PATH');
  const warnings: string[] = [];
  const registered = registeredFiles(loaded.root, loaded.config).files.some((f) => f.path === rel);
  if (!registered) warnings.push(`${rel} is not a registered file (see registry.include); annotated anyway`);
  return { loaded, rel, warnings };
}

/** A root-relative `/` path for a path given relative to `cwd` or to the root; it must be an existing file inside the project. */
async function existingPath(root: string, cwd: string, given: string, what: string): Promise<string> {
  for (const abs of [path.resolve(cwd, given), path.resolve(root, given)]) {
    const rel = path.relative(root, abs);
    const inside = rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
    if (inside && (await isFile(abs))) return toPosix(rel);
  }
  if (await isFile(path.resolve(cwd, given))) throw new UserError(`${what} ${given} is outside the project (${root})`);
  throw new UserError(`${what} ${given}: no such file`, { hint: 'give a file relative to this folder or to the project root' });
}

/** True for a regular file; false when nothing (or a folder) is there; a user error when it cannot be told. */
export async function isFile(abs: string): Promise<boolean> {
  try {
    return (await fs.stat(abs)).isFile();
  } catch (error) {
    if (error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR')) return false;
    throw new UserError(`cannot inspect ${abs}: ${errorMessage(error)}`, { cause: error });
  }
}

function show(value: unknown): string {
  if (value === undefined) return '(none)';
  return Array.isArray(value) ? `[${value.map(String).join(', ')}]` : String(value);
}

/** Why `rel` counts as deprecated, or null: its annotation, or its name or place (as the audit sees it). */
function deprecatedBecause(rel: string, data: AnnotationsFile, deprecatedPaths: readonly string[]): string | null {
  if (data.files[rel]?.status === 'deprecated') return 'its annotation says so';
  return pathDeprecation(deprecatedPaths)(rel);
}

function recorder(before: Annotation | undefined, changes: string[]) {
  return (field: keyof Annotation, next: unknown): void => {
    const was = before?.[field];
    if (JSON.stringify(was) !== JSON.stringify(next)) changes.push(`${field}: ${show(was)} → ${show(next)}`);
  };
}

// ---------------------------------------------------------------------------------------------------

export interface DeprecateOptions extends EditTarget {
  replacedBy: string;
  reason: string;
}

export async function deprecateScript(options: DeprecateOptions): Promise<EditResult> {
  const { loaded, rel, warnings } = await context(options);
  const replacement = await existingPath(loaded.root, options.cwd, options.replacedBy, '--replaced-by');
  if (replacement === rel) throw new UserError(`--replaced-by names ${rel} itself`, { hint: 'name the file people should use instead' });
  const reason = options.reason.trim();
  if (reason === '') throw new UserError('--reason is empty', { hint: 'say in a few words why it must no longer be used' });
  const file = loaded.config.registry.annotations;
  const changes: string[] = [];
  const outcome = await editAnnotations(loaded.root, file, (editor) => {
    const why = deprecatedBecause(replacement, editor.data, loaded.config.deprecatedPaths);
    if (why !== null) {
      throw new UserError(`--replaced-by ${replacement} is itself deprecated (${why})`, {
        hint: `point at what replaced it${editor.data.files[replacement]?.replaced_by ? ` (${editor.data.files[replacement]?.replaced_by})` : ''}`,
      });
    }
    const before = editor.data.files[rel];
    const note = recorder(before, changes);
    note('status', 'deprecated');
    editor.set(rel, 'status', 'deprecated');
    note('replaced_by', replacement);
    editor.set(rel, 'replaced_by', replacement);
    note('reason', reason);
    editor.set(rel, 'reason', reason);
    if (before?.canonical_for !== undefined) {
      // A deprecated file is no longer the one to use for anything.
      note('canonical_for', undefined);
      editor.remove(rel, 'canonical_for');
    }
  }, options.lockWaitMs);
  return { annotationsFile: file, path: rel, created: outcome.created, changed: outcome.changed, changes, warnings };
}

export interface CanonicalOptions extends EditTarget {
  capability: string;
  /** Take the capability from the file that holds it (which becomes active when it has no other). */
  force?: boolean;
}

export async function markCanonical(options: CanonicalOptions): Promise<EditResult & { demoted: string[] }> {
  const { loaded, rel, warnings } = await context(options);
  const capability = options.capability.trim().replace(/\s+/g, ' ');
  if (capability === '') throw new UserError('--for is empty', { hint: 'name the capability, e.g. --for "log-prob critic"' });
  const file = loaded.config.registry.annotations;
  const changes: string[] = [];
  const demoted: string[] = [];
  const same = (c: string): boolean => c.toLowerCase() === capability.toLowerCase();
  const outcome = await editAnnotations(loaded.root, file, (editor) => {
    const why = deprecatedBecause(rel, editor.data, loaded.config.deprecatedPaths);
    if (why !== null) throw new UserError(`${rel} is deprecated (${why}); it cannot be canonical`, { hint: 'pick the file that replaced it' });
    const holders = Object.entries(editor.data.files).filter(([p, a]) => p !== rel && (a.canonical_for ?? []).some(same)).map(([p]) => p);
    if (holders.length > 0 && options.force !== true) {
      throw new UserError(`${holders.join(', ')} is already canonical for "${capability}"`, {
        hint: `run again with --force to make ${rel} canonical for it instead (${holders.join(', ')} then loses it)`,
      });
    }
    for (const holder of holders) {
      const annotation = editor.data.files[holder] ?? {};
      const rest = (annotation.canonical_for ?? []).filter((c) => !same(c));
      if (rest.length > 0) {
        editor.set(holder, 'canonical_for', rest);
        changes.push(`${holder}: canonical_for: ${show(annotation.canonical_for)} → ${show(rest)}`);
      } else {
        editor.remove(holder, 'canonical_for');
        editor.set(holder, 'status', 'active');
        changes.push(`${holder}: status: ${show(annotation.status)} → active (no longer canonical for "${capability}")`);
      }
      demoted.push(holder);
    }
    const before = editor.data.files[rel];
    const list = before?.canonical_for ?? [];
    const next = list.some(same) ? list : [...list, capability];
    recorder(before, changes)('status', 'canonical');
    editor.set(rel, 'status', 'canonical');
    recorder(before, changes)('canonical_for', next);
    editor.set(rel, 'canonical_for', next);
  }, options.lockWaitMs);
  return { annotationsFile: file, path: rel, created: outcome.created, changed: outcome.changed, changes, warnings, demoted };
}

export interface BugOptions extends EditTarget {
  summary: string;
  /** A git revision; verified, and recorded as a commit id when it is a name (`HEAD`, a branch). */
  fixedIn?: string;
  /** YYYY-MM-DD. */
  found?: string;
}

export async function addKnownBug(options: BugOptions): Promise<EditResult & { bug: KnownBug }> {
  const { loaded, rel, warnings } = await context(options);
  const candidate = {
    summary: options.summary.trim().replace(/\s+/g, ' '),
    ...(options.fixedIn === undefined ? {} : { fixed_in: await fixRevision(loaded.root, options.fixedIn, warnings) }),
    ...(options.found === undefined ? {} : { found: options.found }),
  };
  const checked = KnownBugSchema.safeParse(candidate);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const flag = { summary: '--summary', fixed_in: '--fixed-in', found: '--found' }[String(issue?.path[0])] ?? 'bug';
    throw new UserError(`${flag}: ${issue?.message ?? 'invalid'}`);
  }
  const bug = checked.data;
  const file = loaded.config.registry.annotations;
  const outcome = await editAnnotations(loaded.root, file, (editor) => editor.addBug(rel, bug), options.lockWaitMs);
  const fixed = bug.fixed_in === undefined ? 'not fixed yet' : `fixed in ${bug.fixed_in}`;
  return { annotationsFile: file, path: rel, created: outcome.created, changed: outcome.changed, changes: [`bugs: + ${bug.summary} (${fixed})`], warnings, bug };
}

/** The revision as git knows it: a commit id prefix stays as typed, a name becomes the full id. */
async function fixRevision(root: string, rev: string, warnings: string[]): Promise<string> {
  if (rev.trim() === '' || rev.startsWith('-')) throw new UserError(`--fixed-in: '${rev}' is not a revision`);
  const top = await gitTopLevel(root);
  if (top === null) {
    warnings.push(`${root} is not a git repository: --fixed-in ${rev} was recorded without checking it`);
    return rev;
  }
  let out: string;
  try {
    out = await (await gitRunner(root)).raw(['rev-parse', '-q', '--verify', `${rev}^{commit}`]);
  } catch (error) {
    throw new UserError(`--fixed-in: git could not check '${rev}': ${errorMessage(error).split('\n')[0] ?? ''}`, { cause: error });
  }
  const id = out.trim();
  if (!/^[0-9a-f]{40}(?:[0-9a-f]{24})?$/.test(id)) {
    throw new UserError(`--fixed-in: unknown revision '${rev}'`, { hint: 'give a commit of this repository (git log --oneline shows them)' });
  }
  return id.startsWith(rev.toLowerCase()) ? rev : id;
}
