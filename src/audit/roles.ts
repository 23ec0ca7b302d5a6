/**
 * Code roles: what a file is for, so rules and the engine can treat test code, examples, library modules
 * and entry-point scripts differently. The path decides first (the config's `[tool.provenant.roles]` globs,
 * then pytest/unittest and documentation conventions); the file's facts only when the path leaves it open
 * (a `test_*.py` that is really a research script, a test module not named as one, an entry point inside
 * a package). Nothing here walks the tree: the one question about other files (is there an `__init__.py`
 * beside it?) goes through `ProjectFiles`, which `--staged` answers path by path.
 */

import type { FileFacts, Language } from '../analysis/facts.js';
import { languageOf } from '../analysis/index.js';
import { compileGlob } from '../core/glob.js';
import { CODE_ROLES, type CodeRole, type Config } from '../schemas/config-values.js';
import type { ProjectFiles } from './project.js';

export type { CodeRole } from '../schemas/config-values.js';

/**
 * Folders of tests at any depth: `tests/`, `test/`, `testing/`, `__tests__/`. Only these names: research
 * folders such as `test_time_scaling/` or `test-time-compute/` hold experiments, so a file in a variant is
 * decided by its own code.
 */
const TEST_FOLDER = /^(?:tests?|testing|__tests__)$/;
/** Folders of documentation and examples at any depth. */
const EXAMPLE_FOLDER = /^(?:examples?|docs?|tutorials?|notebooks?|demos?)$/;
/** Files pytest (`test_*.py`, `*_test.py`) and JS test runners (`*.test.ts`, `*.spec.js`) collect. */
const TEST_NAME = /^test_[^/]*\.py$|^[^/]*_test\.py$|\.(?:test|spec)\.[cm]?[jt]sx?$/;

function folders(file: string): string[] {
  const parts = file.split('/');
  parts.pop();
  return parts;
}

function basename(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}

/**
 * True when a Python file's own code says it is a test module: it imports pytest or unittest *and*
 * defines what they collect or use (a `test_*` function, a `Test*` class, a `*TestCase` subclass, a
 * `pytest.fixture`). Importing `unittest.mock` in library code is not enough on its own.
 */
/** What pytest collects from a `test_*.py` even without importing it: module-level `test_*` functions, `Test*` classes. */
function definesTests(facts: Pick<FileFacts, 'defs'>): boolean {
  return facts.defs.some((d) => !d.qualname.includes('.') && (d.kind === 'function' ? d.name.startsWith('test_') : /^Test(?:[A-Z_]|$)/.test(d.name)));
}

/** Module-level calls outside test frameworks: the file does its work when run (`test_gsm8k.py` loading a model). */
function runsAtTopLevel(facts: Pick<FileFacts, 'calls'>): boolean {
  return facts.calls.some((c) => c.scope === '<module>' && !/^(?:pytest|unittest)(?:\.|$)/.test(c.qname));
}

export function isTestModule(facts: Pick<FileFacts, 'imports' | 'defs'>): boolean {
  const framework = facts.imports.some((i) => /^(?:pytest|unittest|absl\.testing)(?:\.|$)/.test(i.module));
  if (!framework) return false;
  return facts.defs.some(
    (d) =>
      (d.kind === 'function' && (d.name.startsWith('test_') || d.decorators.some((x) => /(?:^|\.)fixture$/.test(x)))) ||
      (d.kind === 'class' && (/^Test(?:[A-Z_]|$)/.test(d.name) || d.bases.some((b) => /TestCase$/.test(b)))),
  );
}

/**
 * The role the built-in conventions give a file, from its path and (when the path leaves it open) its
 * facts. `library` needs the tree, so it is not decided here: `null` means "library or script".
 *
 * A `test_*.py` that defines nothing a test runner collects and runs as a program (a main guard, or
 * work done at module level) is a script someone named "test" (research repositories do: `test_gsm8k.py`
 * launched from a shell script), not a test module; one with only helpers (`test_utils.py`) is test
 * support. Without facts the name decides.
 */
export function conventionalRole(file: string, facts: Pick<FileFacts, 'imports' | 'defs' | 'calls' | 'mainGuard' | 'language'> | null): 'test' | 'example' | null {
  const dirs = folders(file);
  const name = basename(file);
  if (dirs.some((d) => TEST_FOLDER.test(d)) || name === 'conftest.py') return 'test';
  const python = !facts || facts.language === 'python';
  if (TEST_NAME.test(name)) {
    if (!facts || !python || definesTests(facts) || isTestModule(facts) || !(facts.mainGuard || runsAtTopLevel(facts))) return 'test';
  } else if (facts && python && isTestModule(facts)) {
    return 'test';
  }
  if (dirs.some((d) => EXAMPLE_FOLDER.test(d))) return 'example';
  return null;
}

const LAUNCHERS: ReadonlySet<Language> = new Set(['shell', 'make', 'yaml']);

/** Roles of the files of one run: the config's globs first, then the conventions, then the tree. */
export class CodeRoles {
  private readonly globs: { role: CodeRole; match: (p: string) => boolean }[];
  private readonly packages = new Map<string, boolean>();

  constructor(
    config: Pick<Config, 'roles'>,
    private readonly files: ProjectFiles,
  ) {
    this.globs = CODE_ROLES.flatMap((role) => config.roles[role].map((g) => ({ role, match: compileGlob(g, { dot: true }) })));
  }

  /** The role a config glob gives the path, or null. */
  configured(file: string): CodeRole | null {
    return this.globs.find((g) => g.match(file))?.role ?? null;
  }

  /**
   * True when the path alone says test code, whatever the file holds: a config glob or a test folder.
   * The engine skips such files without reading them when test code reports nothing.
   */
  testByPath(file: string): boolean {
    const configured = this.configured(file);
    if (configured) return configured === 'test';
    return folders(file).some((d) => TEST_FOLDER.test(d)) || basename(file) === 'conftest.py';
  }

  /** A file's role; `facts` null (a file no rule parsed) leaves the decision to its path and the tree. */
  of(file: string, facts: Pick<FileFacts, 'imports' | 'defs' | 'calls' | 'mainGuard' | 'language'> | null): CodeRole {
    return this.settle(file, () => conventionalRole(file, facts), facts?.language ?? null, facts?.mainGuard === true);
  }

  /**
   * The role of a file whose conventional role was decided before (a loader summary remembers it), the
   * config's globs still first.
   */
  ofKnown(file: string, known: { conventional: 'test' | 'example' | null; language: Language; mainGuard: boolean }): CodeRole {
    return this.settle(file, () => known.conventional, known.language, known.mainGuard);
  }

  private settle(file: string, conventional: () => 'test' | 'example' | null, known: Language | null, mainGuard: boolean): CodeRole {
    const configured = this.configured(file);
    if (configured) return configured;
    const role = conventional();
    if (role) return role;
    const language = known ?? languageOf(file);
    if (language && LAUNCHERS.has(language)) return 'script';
    // a notebook is run, never imported
    if (mainGuard || basename(file) === '__main__.py' || language === 'notebook') return 'script';
    // a Python module of a package is imported; a loose one is run. TS/JS without an entry point is imported.
    if (language === 'python') return this.inPackage(file) ? 'library' : 'script';
    return 'library';
  }

  private inPackage(file: string): boolean {
    const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
    let held = this.packages.get(dir);
    if (held === undefined) {
      held = dir !== '' && this.files.has(`${dir}/__init__.py`);
      this.packages.set(dir, held);
    }
    return held;
  }
}
