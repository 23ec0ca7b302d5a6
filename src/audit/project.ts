/**
 * What rules know beyond one file: the file tree, sanctioned loaders, model verdicts and script targets.
 * Models are classified by the config lists, then by name markers; script calls resolve to ok, deprecated,
 * missing or external.
 */

import path from 'node:path';
import { pathDeprecation } from '../core/deprecation.js';
import type { ScriptCallFact } from '../analysis/facts.js';
import { moduleNameOf, moduleQname } from '../analysis/modules.js';
import type { Config, UnknownModelSeverity } from '../schemas/config.js';
import { looksLikeModelId, modelClassifier, type ModelVerdict } from './model-classes.js';

export type { ModelVerdict } from './model-classes.js';

export interface SanctionedLoader {
  /** Dotted name as in config: `utils.clean_model_loader.CleanModelLoader`. */
  name: string;
  source: 'config' | 'inferred';
  reasons: string[];
}

export type ScriptResolution =
  | { status: 'ok'; path: string }
  | { status: 'deprecated'; path: string; reason: string }
  | { status: 'missing'; tried: string[] }
  | { status: 'external' }
  /** Absent from the tree, but nothing says it belongs there (see `Project.resolveScript`). */
  | { status: 'unknown'; reason: string };


/** True when `name` occurs in the dotted path `path` as whole segments (`b.c` in `a.b.c.d`, not in `a.bb.c`). */
function hasDottedRun(path: string, name: string): boolean {
  for (let i = path.indexOf(name); i >= 0; i = path.indexOf(name, i + 1)) {
    const end = i + name.length;
    if ((i === 0 || path[i - 1] === '.') && (end === path.length || path[end] === '.')) return true;
  }
  return false;
}

/**
 * A qualified name as config spells loaders: TS/JS names start with a module path
 * (`src/llm/loader.Clean`), read as dotted (`src.llm.loader.Clean`), so `llm.loader.Clean` names it.
 */
function dottedName(qname: string): string {
  return qname.replace(/\(\)/g, '').replace(/\//g, '.');
}

/** The qualified-name root of a file's own definitions, as its front end writes them. */
function moduleOf(file: string): string {
  return /\.[cm]?[jt]sx?$/.test(file) ? moduleQname(file) : moduleNameOf(file);
}

/**
 * The files of the project as rules ask about them: a set from a full walk, or answers from the file
 * system one path at a time in `--staged` mode, which never walks the tree.
 */
export interface ProjectFiles {
  has(path: string): boolean;
  /** True when the project holds a top-level package or module of that name (`pkg.py`, `pkg/`, `src/pkg/`). */
  holdsPackage(pkg: string): boolean;
  /** True when the project holds a file under that folder (`''` is the root). */
  hasFolder(dir: string): boolean;
}

/** `ProjectFiles` over every file under the root (`Discovery.all`). */
export function filesFromSet(all: ReadonlySet<string>): ProjectFiles {
  const packages = new Map<string, boolean>();
  let folders: Set<string> | null = null;
  return {
    has: (p) => all.has(p),
    hasFolder(dir) {
      if (dir === '') return true;
      if (folders === null) {
        // built once, on the first question: every folder that holds a file
        folders = new Set();
        for (const f of all) {
          for (let slash = f.lastIndexOf('/'); slash > 0; slash = f.lastIndexOf('/', slash - 1)) {
            const folder = f.slice(0, slash);
            if (folders.has(folder)) break;
            folders.add(folder);
          }
        }
      }
      return folders.has(dir);
    },
    holdsPackage(pkg) {
      let held = packages.get(pkg);
      if (held === undefined) {
        held = false;
        for (const f of all) {
          if (f === `${pkg}.py` || f.startsWith(`${pkg}/`) || f.startsWith(`src/${pkg}/`)) {
            held = true;
            break;
          }
        }
        packages.set(pkg, held);
      }
      return held;
    },
  };
}

/** Everything the rules know beyond one file: config, the file tree, loaders, model identity. */
export class Project {
  private readonly classify: (id: string) => ModelVerdict;
  private readonly deprecatedBy: (p: string) => string | null;
  /**
   * What a finding on a model that is neither known base nor known instruct gets: the configured
   * `unknown-model-severity`, else `info` while the project names no base model and has no sanctioned
   * loader (nothing says it works on base models at all), `warning` once it does.
   */
  readonly unknownModelSeverity: UnknownModelSeverity;

  constructor(
    readonly root: string,
    readonly config: Config,
    /** Every file under the root (repo-relative, `/`), excluded folders left out. */
    readonly files: ProjectFiles,
    readonly sanctioned: readonly SanctionedLoader[],
    /** `replaced_by` of the registry's annotations, read on first use (see audit/replacements.ts). */
    private readonly replacements: () => ReadonlyMap<string, string> = () => new Map(),
  ) {
    this.classify = modelClassifier(config);
    this.unknownModelSeverity = config.unknownModelSeverity ?? (config.baseModels.length || sanctioned.length ? 'warning' : 'info');
    this.deprecatedBy = pathDeprecation(config.deprecatedPaths);
  }

  classifyModel(id: string): ModelVerdict {
    return this.classify(id);
  }

  /** Whether a dotted string looks like a model id or local checkpoint worth classifying. */
  static looksLikeModelId(value: string): boolean {
    return looksLikeModelId(value);
  }

  /** The sanctioned loader a qualified name refers to (the loader itself, or something under it). */
  sanctionedFor(qname: string): SanctionedLoader | undefined {
    const plain = dottedName(qname);
    return this.sanctioned.find((l) => hasDottedRun(plain, l.name));
  }

  /** True when code in `scope` of `file` sits inside a sanctioned loader's body. */
  inSanctionedLoader(file: string, scope: string): boolean {
    if (scope === '<module>') return false;
    const full = dottedName(`${moduleOf(file)}.${scope}`);
    return this.sanctioned.some((l) => hasDottedRun(full, l.name));
  }

  /** Why a path counts as deprecated, or null. */
  deprecation(file: string): string | null {
    return this.deprecatedBy(file);
  }

  /**
   * What the registry names as the replacement of a deprecated script a call resolved to (`path` as the
   * call names it), under any name the deprecated file goes by: itself, `.DEPRECATED`, `deprecated/`.
   */
  replacementOf(file: string): string | null {
    const known = this.replacements();
    const moved = path.posix.join(path.posix.dirname(file), 'deprecated', path.posix.basename(file));
    for (const name of [file, `${file}.DEPRECATED`, `${file}.deprecated`, moved]) {
      const to = known.get(name);
      if (to !== undefined && to !== file && this.files.has(to) && !this.deprecation(to)) return to;
    }
    return null;
  }

  resolveScript(call: ScriptCallFact): ScriptResolution {
    if (!call.candidates.length) return { status: 'external' };
    for (const c of call.candidates) {
      if (this.files.has(c)) {
        const reason = this.deprecation(c);
        return reason ? { status: 'deprecated', path: c, reason } : { status: 'ok', path: c };
      }
    }
    for (const c of call.candidates) {
      for (const suffix of ['.DEPRECATED', '.deprecated']) {
        if (this.files.has(c + suffix)) {
          return { status: 'deprecated', path: c, reason: `it exists only as \`${path.posix.basename(c)}${suffix}\`` };
        }
      }
      const moved = path.posix.join(path.posix.dirname(c), 'deprecated', path.posix.basename(c));
      if (this.files.has(moved)) return { status: 'deprecated', path: c, reason: `it was moved to \`${moved}\`` };
    }
    // `python -m pkg.mod` for a package the repo does not hold is an installed tool, not a missing script
    if (call.module && !this.files.holdsPackage(call.target.split('.')[0] ?? call.target)) return { status: 'external' };
    if (call.unknownWhenAbsent === 'cwd') return { status: 'unknown', reason: 'it runs in a folder the analysis cannot follow' };
    if (call.unknownWhenAbsent === 'runtime') return { status: 'unknown', reason: 'the same file writes or fetches it at run time' };
    // A script missing from this project sits in a folder the project has (`scripts/gone.py` beside the
    // other scripts). One under a folder the project does not hold at all (a clone, a checkout of
    // another repository, a build folder, `cd` into a folder made at run time) is not this project's file.
    if (!call.candidates.some((c) => this.files.hasFolder(path.posix.dirname(c) === '.' ? '' : path.posix.dirname(c)))) {
      return { status: 'unknown', reason: 'no candidate folder exists in the project' };
    }
    return { status: 'missing', tried: call.candidates };
  }
}
