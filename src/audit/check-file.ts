/**
 * One file's own results: its role and what its file rules report, frames included. The same on the main
 * thread and in a parse worker (audit-worker.ts), which checks the files it parsed so that their facts never
 * cross to the main thread.
 */
import { RULES } from '../../audits/index.js';
import type { FileFacts, Language, Span } from '../analysis/facts.js';
import { frontEndOf } from '../analysis/front-ends.js';
import { compileGlob } from '../core/glob.js';
import type { CodeRole, Config } from '../schemas/config.js';
import type { Finding } from '../schemas/finding.js';
import { filesFromSet, Project, type ProjectFiles, type SanctionedLoader } from './project.js';
import { readReplacements } from './replacements.js';
import { CodeRoles } from './roles.js';
import type { FileRule } from './rule.js';
import { runFileRules } from './run-rules.js';

/** What the cache keeps of a file's own results: its role, and the findings of its file rules. */
export interface FileResults {
  role: CodeRole;
  findings: Finding[];
}

/** What checking a file needs beyond the file: built once per run (and once per worker). */
export interface Checker {
  project: Project;
  roles: CodeRoles;
  config: Config;
  fileRules: readonly FileRule[];
  ignoresFor(file: string): string[];
  knownCodes: ReadonlySet<string>;
}

/** What a parse worker is sent to build its `Checker`: plain data, the same the main thread built its own from. */
export interface CheckerData {
  root: string;
  config: Config;
  /** Every path under the root (a walked tree). */
  all: string[];
  sanctioned: SanctionedLoader[];
  /** The codes of the run's enabled rules. */
  codes: string[];
}

export function checker(project: Project, roles: CodeRoles, codes: readonly string[]): Checker {
  const enabled = new Set(codes);
  return {
    project,
    roles,
    config: project.config,
    fileRules: RULES.filter((r): r is FileRule => enabled.has(r.code) && r.phase !== 'after' && r.phase !== 'project'),
    ignoresFor: perFileIgnores(project.config),
    knownCodes: new Set(RULES.map((r) => r.code)),
  };
}

/** The run's project model; `warn` hears what reading the registry's annotations had to say (read once, on first use). */
export function projectFor(root: string, config: Config, files: ProjectFiles, sanctioned: readonly SanctionedLoader[], warn: (message: string) => void): Project {
  let replacements: Map<string, string> | undefined;
  return new Project(root, config, files, sanctioned, () => (replacements ??= readReplacements(root, config.registry.annotations, warn)));
}

/** A worker's `Checker`, built from what the main thread built its own from. */
export function checkerFromData(data: CheckerData, warn: (message: string) => void): Checker {
  const files = filesFromSet(new Set(data.all));
  return checker(projectFor(data.root, data.config, files, data.sanctioned, warn), new CodeRoles(data.config, files), data.codes);
}

/**
 * Runs the file rules on one file. `candidate`: some rule's triggers chose the file, so its facts say what it
 * is; a file read only for its suppressions has empty facts, which say nothing true about its role.
 */
export function checkFile(c: Checker, file: { path: string; language: Language; candidate: boolean; facts: FileFacts; source: () => string }): FileResults {
  const own: Finding[] = [];
  const role = c.roles.of(file.path, file.candidate ? file.facts : null);
  runFileRules(c.fileRules, {
    language: rulesLanguage(file.language),
    path: file.path,
    role,
    facts: file.facts,
    project: c.project,
    config: c.config,
    ignored: c.ignoresFor(file.path),
    knownCodes: c.knownCodes,
    out: own,
    source: file.source,
  });
  if (own.length) {
    const lines = file.source().split('\n');
    for (const f of own) f.frame = frameOf(lines, f.span);
  }
  return { role, findings: own };
}

const FRAME_BEFORE = 1;
const FRAME_MAX_LINES = 3;

/**
 * A finding's lines, each a copy of its own: a line split from the source is a slice that V8 keeps the whole
 * source alive for, and a large repository's findings would hold every source they point into until the end.
 */
export function frameOf(lines: string[], span: Span): Finding['frame'] {
  const first = Math.max(1, span.line - FRAME_BEFORE);
  const last = Math.min(lines.length, span.line + FRAME_MAX_LINES - 1, Math.max(span.line, span.endLine));
  const frame: Finding['frame'] = [];
  for (let n = first; n <= last; n++) frame.push({ line: n, text: Buffer.from((lines[n - 1] ?? '').replace(/\r$/, ''), 'utf8').toString('utf8') });
  return frame;
}

export function perFileIgnores(config: Config): (file: string) => string[] {
  const entries = Object.entries(config.perFileIgnores).map(([glob, codes]) => [compileGlob(glob, { dot: true }), codes] as const);
  return (file) => entries.flatMap(([match, codes]) => (match(file) ? codes : []));
}

/** The language whose rules run on a file of this language (a front end may run another's). */
export function rulesLanguage(language: Language): Language {
  return frontEndOf(language).rulesLanguage ?? language;
}
