import path from 'node:path';
import { performance } from 'node:perf_hooks';
import picomatch from 'picomatch';
import { RULES } from '../../audits/index.js';
import type { FileFacts, Language, Span } from '../analysis/facts.js';
import { languageOf, loadFrontEnds, type FrontEnds } from '../analysis/index.js';
import { isRuleEnabled, loadConfig, ruleMatches, severityFor } from '../core/config.js';
import { discover, readSource, type DiscoveredFile } from '../core/files.js';
import type { Config, Severity } from '../schemas/config.js';
import type { Finding, SkippedFile } from '../schemas/finding.js';
import { inferSanctionedLoaders } from './infer.js';
import { FileModels } from './models.js';
import { Project, type SanctionedLoader } from './project.js';
import { renderMessage, type Rule, type RuleContext } from './rule.js';

export interface AuditOptions {
  /** Files or folders; default: the current directory. */
  paths: string[];
  cwd: string;
  configPath?: string;
  isolated?: boolean;
  /** Replace / extend the configured selection, like ruff's --select / --ignore. */
  select?: string[];
  ignore?: string[];
  failOn?: Severity;
  /** Parse every file afresh instead of reusing cached facts. */
  noCache?: boolean;
}

export interface AuditResult {
  root: string;
  configSource: string | null;
  config: Config;
  findings: Finding[];
  skipped: SkippedFile[];
  sanctioned: readonly SanctionedLoader[];
  stats: {
    filesDiscovered: number;
    filesAnalysed: number;
    filesSkipped: number;
    bytesDiscovered: number;
    seconds: number;
  };
}

const FRAME_BEFORE = 1;
const FRAME_MAX_LINES = 3;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function anyOf(words: readonly string[]): RegExp {
  return new RegExp(words.map(escapeRegExp).join('|'));
}

/**
 * The Python prefilter: a file is parsed only when some enabled rule could fire on it (its triggers,
 * and its `requires` when set). One union regex rejects most files in a single pass.
 */
function pythonPrefilter(rules: readonly Rule[]): (text: string) => boolean {
  const python = rules.filter((r) => r.languages.includes('python') && r.triggers.length);
  if (!python.length) return () => false;
  const tests = python.map((r) => ({
    triggers: anyOf(r.triggers),
    requires: r.requires?.length ? anyOf(r.requires) : null,
    prefilter: r.prefilter,
  }));
  const union = anyOf([...new Set(python.flatMap((r) => r.triggers))]);
  return (text) =>
    union.test(text) &&
    tests.some((t) => t.triggers.test(text) && (!t.requires || t.requires.test(text)) && (!t.prefilter || t.prefilter(text)));
}

function frameOf(lines: string[], span: Span): Finding['frame'] {
  const first = Math.max(1, span.line - FRAME_BEFORE);
  const last = Math.min(lines.length, span.line + FRAME_MAX_LINES - 1, Math.max(span.line, span.endLine));
  const frame: Finding['frame'] = [];
  for (let n = first; n <= last; n++) frame.push({ line: n, text: (lines[n - 1] ?? '').replace(/\r$/, '') });
  return frame;
}

interface Source {
  file: DiscoveredFile;
  text: string;
  language: Language;
}

export async function audit(options: AuditOptions): Promise<AuditResult> {
  const started = performance.now();
  const targets = (options.paths.length ? options.paths : ['.']).map((p) => path.resolve(options.cwd, p));
  const first = targets[0] ?? options.cwd;
  const loaded = await loadConfig({
    cwd: path.extname(first) && !first.endsWith(path.sep) ? path.dirname(first) : first,
    ...(options.configPath ? { configPath: path.resolve(options.cwd, options.configPath) } : {}),
    ...(options.isolated ? { isolated: true } : {}),
  });
  const config: Config = {
    ...loaded.config,
    ...(options.select?.length ? { select: options.select } : {}),
    ...(options.ignore?.length ? { ignore: [...loaded.config.ignore, ...options.ignore] } : {}),
    ...(options.failOn ? { failOn: options.failOn } : {}),
  };
  const root = loaded.root;
  const discovery = discover({ root, targets, include: config.include, exclude: config.exclude });
  const rules = RULES.filter((r) => isRuleEnabled(config, r.code));
  const isCandidate = pythonPrefilter(rules);
  const languages = new Set(rules.flatMap((r) => r.languages));
  const skipped = [...discovery.skipped];

  // read and prefilter; remember, while the text is at hand, which files could define a loader
  const candidates: Source[] = [];
  const loaderHints = new Map<string, string>();
  let bytes = 0;
  for (const file of discovery.files) {
    bytes += file.size;
    const language = languageOf(file.path);
    if (!language || !languages.has(language)) continue;
    const read = readSource(file, config.maxFileSize);
    if (!read.ok) {
      skipped.push({ path: file.path, reason: read.reason });
      continue;
    }
    if (language === 'python' && LOADER_HINT.test(read.text) && LOAD_HINT.test(read.text)) loaderHints.set(file.path, read.text);
    if (language === 'python' && !isCandidate(read.text)) continue;
    candidates.push({ file, text: read.text, language });
  }

  const frontEnds = await loadFrontEnds(new Set(candidates.map((c) => c.language)));
  const facts = new Map<string, FileFacts>();
  for (const c of candidates) facts.set(c.file.path, frontEnds.extract(c.text, c.file.path, c.language));

  const sanctioned: SanctionedLoader[] = config.sanctionedLoaders.length
    ? config.sanctionedLoaders.map((name) => ({ name, source: 'config' as const, reasons: ['listed in sanctioned-loaders'] }))
    : await inferLoaders(root, targets, discovery, loaderHints, facts, frontEnds, config.maxFileSize);

  const project = new Project(root, config, discovery.all, sanctioned);
  const ignoresFor = perFileIgnores(config);
  const findings: Finding[] = [];
  for (const c of candidates) {
    const fileFacts = facts.get(c.file.path);
    if (!fileFacts) continue;
    const ignored = ignoresFor(c.file.path);
    const lines = c.text.split('\n');
    const models = new FileModels(fileFacts, project);
    for (const rule of rules) {
      if (!rule.languages.includes(c.language)) continue;
      if (ignored.length && ruleMatches(rule.code, ignored)) continue;
      const configured = severityFor(config, rule.code, rule.severity);
      const ctx: RuleContext = {
        file: fileFacts,
        project,
        report: (r) => {
          findings.push({
            code: rule.code,
            name: rule.name,
            severity: r.severity ?? configured,
            message: renderMessage(rule.messages[r.messageId] ?? r.messageId, r.data),
            path: c.file.path,
            span: r.span,
            frame: frameOf(lines, r.span),
          });
        },
        inSanctionedLoader: (scope) => project.inSanctionedLoader(c.file.path, scope),
        modelOf: (call) => models.verdictForCall(call),
        severityForModel: (verdict, base) => {
          if (verdict.kind === 'instruct') return null;
          if (verdict.kind === 'base') return configured ?? base;
          return config.unknownModelSeverity === 'off' ? null : config.unknownModelSeverity;
        },
      };
      rule.check(ctx);
    }
  }

  return {
    root,
    configSource: loaded.source,
    config,
    findings: dedupeAndSort(findings),
    skipped: skipped.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    sanctioned,
    stats: {
      filesDiscovered: discovery.files.length,
      filesAnalysed: candidates.length,
      filesSkipped: skipped.length,
      bytesDiscovered: bytes,
      seconds: (performance.now() - started) / 1000,
    },
  };
}

function perFileIgnores(config: Config): (file: string) => string[] {
  const entries = Object.entries(config.perFileIgnores).map(([glob, codes]) => [picomatch(glob, { dot: true }), codes] as const);
  return (file) => entries.flatMap(([match, codes]) => (match(file) ? codes : []));
}

function dedupeAndSort(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of findings) {
    const key = `${f.path}\0${f.span.line}\0${f.span.col}\0${f.code}\0${f.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out.sort(
    (a, b) =>
      (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) ||
      a.span.line - b.span.line ||
      a.span.col - b.span.col ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0),
  );
}

const LOADER_HINT = /chat_template|add_special_tokens/;
const LOAD_HINT = /from_pretrained|LLM\(/;

/**
 * Zero config: find the sanctioned loader among all Python files of the project, not only those being
 * audited (a pre-commit run on one file must still know the loader). Texts already read are reused,
 * and files already parsed are not parsed again.
 */
async function inferLoaders(
  root: string,
  targets: string[],
  discovery: { files: DiscoveredFile[]; all: Set<string> },
  hinted: Map<string, string>,
  facts: Map<string, FileFacts>,
  frontEnds: FrontEnds,
  maxFileSize: number,
): Promise<SanctionedLoader[]> {
  const walked = new Set(discovery.files.map((f) => f.path));
  const rootCovered = targets.some((t) => path.resolve(t) === path.resolve(root));
  const texts = new Map(hinted);
  if (!rootCovered) {
    for (const rel of discovery.all) {
      if (!rel.endsWith('.py') || walked.has(rel)) continue;
      const read = readSource({ path: rel, abs: path.join(root, rel), size: 0 }, maxFileSize);
      if (read.ok && LOADER_HINT.test(read.text) && LOAD_HINT.test(read.text)) texts.set(rel, read.text);
    }
  }
  if (!texts.size) return [];
  const python = frontEnds.python ? frontEnds : await loadFrontEnds(new Set(['python']));
  const pool: FileFacts[] = [];
  for (const [rel, text] of texts) pool.push(facts.get(rel) ?? python.extract(text, rel, 'python'));
  return inferSanctionedLoaders(pool);
}
