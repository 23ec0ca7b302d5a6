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

/** One regex per language from the enabled rules' triggers: a file matching none is not parsed. */
function prefilters(rules: readonly Rule[]): Map<Language, RegExp | null> {
  const out = new Map<Language, RegExp | null>();
  const byLang = new Map<Language, Set<string>>();
  for (const rule of rules) {
    for (const lang of rule.languages) {
      const set = byLang.get(lang) ?? new Set<string>();
      for (const t of rule.triggers) set.add(t);
      byLang.set(lang, set);
    }
  }
  for (const [lang, set] of byLang) {
    out.set(lang, set.size ? new RegExp([...set].map(escapeRegExp).join('|')) : null);
  }
  return out;
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
  const filters = prefilters(rules);
  const skipped = [...discovery.skipped];

  // read and prefilter
  const candidates: Source[] = [];
  let bytes = 0;
  for (const file of discovery.files) {
    bytes += file.size;
    const language = languageOf(file.path);
    if (!language) continue;
    const filter = filters.get(language);
    if (filter === undefined) continue;
    const read = readSource(file, config.maxFileSize);
    if (!read.ok) {
      skipped.push({ path: file.path, reason: read.reason });
      continue;
    }
    if (filter && !filter.test(read.text)) continue;
    candidates.push({ file, text: read.text, language });
  }

  const frontEnds = await loadFrontEnds(new Set(candidates.map((c) => c.language)));
  const facts = new Map<string, FileFacts>();
  for (const c of candidates) facts.set(c.file.path, frontEnds.extract(c.text, c.file.path, c.language));

  const sanctioned: SanctionedLoader[] = config.sanctionedLoaders.length
    ? config.sanctionedLoaders.map((name) => ({ name, source: 'config' as const, reasons: ['listed in sanctioned-loaders'] }))
    : await inferLoaders(root, discovery, facts, frontEnds, config.maxFileSize);

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
 * audited (a pre-commit run on one file must still know the loader). Files already parsed are reused.
 */
async function inferLoaders(
  root: string,
  discovery: { files: DiscoveredFile[]; all: Set<string> },
  facts: Map<string, FileFacts>,
  frontEnds: FrontEnds,
  maxFileSize: number,
): Promise<SanctionedLoader[]> {
  const known = new Map(discovery.files.map((f) => [f.path, f]));
  const pool: FileFacts[] = [];
  let python: FrontEnds | null = null;
  for (const rel of discovery.all) {
    if (!rel.endsWith('.py')) continue;
    const parsed = facts.get(rel);
    if (parsed) {
      pool.push(parsed);
      continue;
    }
    const file = known.get(rel) ?? { path: rel, abs: path.join(root, rel), size: 0 };
    const read = readSource(file, maxFileSize);
    if (!read.ok || !LOADER_HINT.test(read.text) || !LOAD_HINT.test(read.text)) continue;
    python ??= frontEnds.python ? frontEnds : await loadFrontEnds(new Set(['python']));
    pool.push(python.extract(read.text, rel, 'python'));
  }
  return inferSanctionedLoaders(pool);
}
