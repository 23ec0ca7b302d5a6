/**
 * `provenant registry check`, for CI: the registry is what a sync would write, documented enough, points
 * at files that exist, and nothing in use still relies on a deprecated script. Reads the tree and
 * refreshes the index like a sync, but never writes the Markdown.
 */
import path from 'node:path';
import type { RegistryEntry } from '../schemas/registry.js';
import { build, openProject, staleMessage, type Coverage, type RegistryOptions } from './build.js';
import { inspectRegistryMarkdown, renderRegistryBlock } from './markdown.js';
import { readMarkdown } from './sync.js';

export type CheckProblemKind = 'markdown' | 'coverage' | 'stale-annotation' | 'uses-deprecated';

export interface CheckProblem {
  kind: CheckProblemKind;
  message: string;
  /** Root-relative file the problem is in, and its line, when there is one. */
  path: string | null;
  line: number | null;
}

export interface CheckResult {
  root: string;
  ok: boolean;
  coverage: Coverage;
  minCoverage: number;
  problems: CheckProblem[];
  warnings: string[];
}

const VIA: Record<string, string> = { subprocess: 'subprocess', 'os.system': 'os.system', 'command-list': 'a command list', shell: 'shell', make: 'make recipe', yaml: 'YAML' };

function markdownProblem(entries: RegistryEntry[], coverage: Coverage, file: string, existing: string | null): CheckProblem | null {
  const { state, detail } = inspectRegistryMarkdown(existing, renderRegistryBlock(entries, coverage), file);
  const why: Record<typeof state, string | null> = {
    fresh: null,
    missing: `${file} does not exist`,
    'no-block': `${file} has no generated registry block`,
    stale: `${file} is out of date`,
    'hand-edited': `${file}: the generated block was edited by hand`,
  };
  const message = why[state];
  if (message === null) return null;
  const fix = state === 'hand-edited' ? 'move the edit into the annotations file, then run `provenant registry sync`' : 'run `provenant registry sync` and commit the result';
  return { kind: 'markdown', message: `${message}${detail ? ` (${detail})` : ''}; ${fix}`, path: file, line: null };
}

/** Each place a file that is not deprecated imports or runs one that is. */
function deprecatedUses(entries: readonly RegistryEntry[]): CheckProblem[] {
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const problems: CheckProblem[] = [];
  for (const target of entries) {
    if (target.status !== 'deprecated') continue;
    const instead = target.replacedBy ? `; use ${target.replacedBy} instead` : '';
    for (const d of target.dependents) {
      if (byPath.get(d.path)?.status === 'deprecated') continue;
      const verb = d.via === 'import' ? 'imports' : `runs (${VIA[d.via] ?? d.via})`;
      problems.push({
        kind: 'uses-deprecated',
        // a notebook's line is placed by its cell; `line` stays the JSON's, where an annotation lands
        message: `${d.path}:${d.cell ? `cell ${d.cell.index}:${d.cell.line}` : d.line} ${verb} the deprecated ${target.path}${instead}`,
        path: d.path,
        line: d.line,
      });
    }
  }
  return problems.sort((a, b) => ((a.path ?? '') < (b.path ?? '') ? -1 : (a.path ?? '') > (b.path ?? '') ? 1 : 0) || (a.line ?? 0) - (b.line ?? 0));
}

export async function checkRegistry(options: RegistryOptions): Promise<CheckResult> {
  const project = await openProject(options);
  try {
    const built = await build(project);
    const { config, coverage, entries } = built;
    const problems: CheckProblem[] = [];
    const file = config.registry.markdown;
    const markdown = markdownProblem(entries, coverage, file, readMarkdown(path.resolve(built.root, file), file));
    if (markdown) problems.push(markdown);
    const min = config.registry.minCoverage;
    if (coverage.documented * 100 < min * coverage.total) {
      problems.push({
        kind: 'coverage',
        message: `coverage ${coverage.documented}/${coverage.total} documented (${coverage.percent}%) is under the required ${min}%; give the undocumented files a docstring or a purpose in ${config.registry.annotations}`,
        path: null,
        line: null,
      });
    }
    const annotationsFile = config.registry.annotations;
    for (const s of built.stale) {
      problems.push({ kind: 'stale-annotation', message: staleMessage(s, annotationsFile), path: annotationsFile, line: s.line });
    }
    problems.push(...deprecatedUses(entries));
    // stale annotations are problems here, not warnings
    const warnings = built.warnings.filter((w) => !built.stale.some((s) => w === staleMessage(s, annotationsFile)));
    return { root: built.root, ok: problems.length === 0, coverage, minCoverage: min, problems, warnings };
  } finally {
    project.index.close();
  }
}
