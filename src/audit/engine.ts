import path from 'node:path';
import { performance } from 'node:perf_hooks';
import picomatch from 'picomatch';
import { RULES } from '../../audits/index.js';
import type { FileFacts, Span } from '../analysis/facts.js';
import { loadFrontEnds } from '../analysis/index.js';
import { isRuleEnabled, loadConfig, ruleMatches, severityFor } from '../core/config.js';
import { discover, readSource, type DiscoveredFile } from '../core/files.js';
import { LOAD_HINT, LOADER_HINT, scan } from './scan.js';
import type { Config, Severity } from '../schemas/config.js';
import type { Finding, SkippedFile } from '../schemas/finding.js';
import { assignFingerprints } from './fingerprint.js';
import { inferSanctionedLoaders } from './infer.js';
import { FileModels } from './models.js';
import { Project, type SanctionedLoader } from './project.js';
import { renderMessage, type RuleContext } from './rule.js';

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

function frameOf(lines: string[], span: Span): Finding['frame'] {
  const first = Math.max(1, span.line - FRAME_BEFORE);
  const last = Math.min(lines.length, span.line + FRAME_MAX_LINES - 1, Math.max(span.line, span.endLine));
  const frame: Finding['frame'] = [];
  for (let n = first; n <= last; n++) frame.push({ line: n, text: (lines[n - 1] ?? '').replace(/\r$/, '') });
  return frame;
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
  const scanned = await scan({ files: discovery.files, rules, maxFileSize: config.maxFileSize });
  const bytes = discovery.files.reduce((n, f) => n + f.size, 0);
  const skipped = [...discovery.skipped, ...scanned.skipped];
  const candidates = scanned.files;
  const facts = new Map(candidates.map((c) => [c.path, c.facts]));
  const sanctioned: SanctionedLoader[] = config.sanctionedLoaders.length
    ? config.sanctionedLoaders.map((name) => ({ name, source: 'config' as const, reasons: ['listed in sanctioned-loaders'] }))
    : await inferLoaders(root, targets, discovery, new Map(scanned.loaderHints), facts, config.maxFileSize);

  const project = new Project(root, config, discovery.all, sanctioned);
  const ignoresFor = perFileIgnores(config);
  const findings: Finding[] = [];
  for (const c of candidates) {
    const fileFacts = c.facts;
    const ignored = ignoresFor(c.path);
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
            path: c.path,
            span: r.span,
            frame: frameOf(lines, r.span),
            fingerprint: '',
          });
        },
        inSanctionedLoader: (scope) => project.inSanctionedLoader(c.path, scope),
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

  const sorted = dedupeAndSort(findings);
  assignFingerprints(sorted);
  return {
    root,
    configSource: loaded.source,
    config,
    findings: sorted,
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
  const unparsed = [...texts.keys()].filter((rel) => !facts.has(rel));
  const python = unparsed.length ? await loadFrontEnds(new Set(['python'])) : null;
  const pool: FileFacts[] = [];
  for (const [rel, text] of texts) {
    const parsed = facts.get(rel) ?? python?.extract(text, rel, 'python');
    if (parsed) pool.push(parsed);
  }
  return inferSanctionedLoaders(pool);
}
