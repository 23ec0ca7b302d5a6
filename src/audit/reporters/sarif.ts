/**
 * The `--format sarif` reporter: the audit as a SARIF 2.1.0 log for code-scanning tools. Rule descriptors are
 * built from each rule.md, and our fingerprints go into `partialFingerprints`.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Sarif from 'sarif';
import { BugError } from '../../core/errors.js';
import { packageRoot } from '../../core/paths.js';
import type { Severity } from '../../schemas/config.js';
import type { Finding, Fix } from '../../schemas/finding.js';
import { explainRule, listRules, type RuleInfo } from '../catalog.js';
import type { AuditResult } from '../engine.js';

/** The OASIS-published schema of the format (errata 01), what `$schema` names. */
export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** The key of our own fingerprint in `result.partialFingerprints`; `primaryLocationLineHash` is GitHub's to compute. */
export const FINGERPRINT_KEY = 'provenant/v1';

const SRCROOT = '%SRCROOT%';

const LEVEL: Record<Severity, Sarif.ReportingConfiguration.level> = { error: 'error', warning: 'warning', info: 'note' };

export interface SarifOptions {
  version: string;
  cwd: string;
}

/** The audit as a SARIF 2.1.0 log: one run, every rule of the catalog, one result per finding. */
export async function buildSarif(result: AuditResult, options: SarifOptions): Promise<Sarif.Log> {
  const rules = listRules();
  const index = new Map(rules.map((r, i) => [r.code, i]));
  const descriptors = await Promise.all(rules.map(ruleDescriptor));
  const informationUri = await packageInformationUri();
  const run: Sarif.Run = {
    tool: {
      driver: {
        name: 'provenant',
        version: options.version,
        semanticVersion: options.version,
        ...(informationUri ? { informationUri } : {}),
        rules: descriptors,
      },
    },
    invocations: [
      {
        executionSuccessful: true,
        workingDirectory: { uri: directoryUri(options.cwd) },
        // skipped files are conditions of the run, not results: viewers list them apart
        toolExecutionNotifications: result.skipped.map((s) => ({
          level: 'warning',
          message: { text: `skipped: ${s.reason}` },
          locations: [{ physicalLocation: { artifactLocation: artifactLocation(s.path) } }],
        })),
      },
    ],
    originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(result.root) } },
    columnKind: 'utf16CodeUnits',
    results: result.findings.map((f) => {
      const ruleIndex = index.get(f.code);
      if (ruleIndex === undefined) throw new BugError(`finding for ${f.code}, which is not in the rule catalog`);
      return toResult(f, ruleIndex);
    }),
  };
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}

export async function renderSarif(result: AuditResult, options: SarifOptions): Promise<string> {
  return JSON.stringify(await buildSarif(result, options), null, 2) + '\n';
}

function toResult(f: Finding, ruleIndex: number): Sarif.Result {
  const region: Sarif.Region = {
    startLine: f.span.line,
    startColumn: f.span.col,
    endLine: f.span.endLine,
    endColumn: f.span.endCol,
  };
  const snippet = regionText(f);
  if (snippet !== undefined) region.snippet = { text: snippet };
  // a notebook finding's frame holds its cell's lines, not the notebook JSON's the region is on
  const first = f.cell ? undefined : f.frame[0];
  const last = f.frame[f.frame.length - 1];
  return {
    ruleId: f.code,
    ruleIndex,
    level: LEVEL[f.severity],
    message: { text: f.cell ? `${f.message} (cell ${f.cell.index}, line ${f.cell.line})` : f.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: artifactLocation(f.path),
          region,
          ...(first && last
            ? { contextRegion: { startLine: first.line, endLine: last.line, snippet: { text: f.frame.map((l) => l.text).join('\n') } } }
            : {}),
        },
      },
    ],
    partialFingerprints: { [FINGERPRINT_KEY]: f.fingerprint },
    ...(f.fix && !f.cell ? { fixes: [sarifFix(f.path, f.fix)] } : {}),
  };
}

/**
 * A fix as SARIF states one: replacements in the finding's file. A notebook's fix edits the text of a cell,
 * which is not a region of the notebook's JSON: the JSON report carries those (with `cell`), SARIF does not.
 */
function sarifFix(rel: string, fix: Fix): Sarif.Fix {
  return {
    description: { text: `${fix.message} (${fix.applicability} fix)` },
    artifactChanges: [
      {
        artifactLocation: artifactLocation(rel),
        replacements: fix.edits.map((e) => ({
          deletedRegion: { startLine: e.span.line, startColumn: e.span.col, endLine: e.span.endLine, endColumn: e.span.endCol },
          ...(e.content ? { insertedContent: { text: e.content } } : {}),
        })),
      },
    ],
    properties: { applicability: fix.applicability },
  };
}

/** The exact text of the finding's span, when the frame holds every line of it. */
export function regionText(f: Pick<Finding, 'span' | 'frame' | 'cell'>): string | undefined {
  if (f.cell) return undefined;
  const { line, col, endLine, endCol } = f.span;
  const parts: string[] = [];
  for (let n = line; n <= endLine; n++) {
    const text = f.frame.find((l) => l.line === n)?.text;
    if (text === undefined) return undefined;
    const from = n === line ? col - 1 : 0;
    const to = n === endLine ? endCol - 1 : text.length;
    parts.push(text.slice(from, to));
  }
  return parts.join('\n');
}

/** A root-relative path as a relative URI reference under %SRCROOT% (segments percent-encoded). */
function artifactLocation(rel: string): Sarif.ArtifactLocation {
  return { uri: rel.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(path.resolve(dir)).href;
  return href.endsWith('/') ? href : `${href}/`;
}

async function ruleDescriptor(rule: RuleInfo): Promise<Sarif.ReportingDescriptor> {
  const { markdown } = await explainRule(rule.code);
  const doc = ruleDoc(markdown);
  const what = doc.sections.get('What it does');
  const why = doc.sections.get('Why is this bad?');
  if (what === undefined || why === undefined) {
    throw new BugError(`${rule.room}/rule.md lacks a "What it does" or "Why is this bad?" section`);
  }
  return {
    id: rule.code,
    name: rule.name,
    shortDescription: { text: rule.summary },
    fullDescription: { text: plainText(what), markdown: what },
    help: { text: `${plainText(what)}\n\n${plainText(why)}`, markdown },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: [rule.category], status: rule.status },
  };
}

/** A rule.md split at its `## ` headings (fenced code is never mistaken for a heading). */
export function ruleDoc(markdown: string): { sections: Map<string, string> } {
  const sections = new Map<string, string>();
  let heading: string | null = null;
  let body: string[] = [];
  let fenced = false;
  const close = () => {
    if (heading !== null) sections.set(heading, body.join('\n').trim());
  };
  for (const line of markdown.split(/\r?\n/)) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const h = fenced ? null : /^## +(.+?)\s*$/.exec(line);
    if (h?.[1]) {
      close();
      heading = h[1];
      body = [];
    } else {
      body.push(line);
    }
  }
  close();
  return { sections };
}

/**
 * Markdown prose as plain text for viewers that show no Markdown: paragraphs unwrapped onto one
 * line, list items kept on their own, code spans and emphasis markers dropped, links as `text (url)`.
 */
export function plainText(markdown: string): string {
  const paragraphs: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length) paragraphs.push(current.join(' '));
    current = [];
  };
  for (const raw of markdown.split('\n')) {
    const line = raw.trim();
    if (!line) {
      flush();
      continue;
    }
    if (/^([-*+]|\d+\.)\s/.test(line)) flush();
    current.push(line);
  }
  flush();
  return paragraphs
    .map((p) =>
      p
        .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, '$1 ($2)')
        .replace(/`+([^`]*?)`+/g, '$1')
        .replace(/\*\*([^*]+)\*\*/g, '$1')
        .replace(/(^|[\s(])[*_]([^*_\s][^*_]*?)[*_](?=[\s).,;:!?]|$)/g, '$1$2'),
    )
    .join('\n');
}

/**
 * The package's repository as a browsable https URL, from package.json's `repository` field
 * (`{ url: "git+https://…/x.git" }`, `"github:owner/name"` or `"owner/name"`); undefined when absent.
 */
export function repositoryUrl(repository: unknown): string | undefined {
  const raw = typeof repository === 'string' ? repository : (repository as { url?: unknown } | null)?.url;
  if (typeof raw !== 'string' || !raw.trim()) return undefined;
  const spec = raw.trim();
  const shorthand = /^(?:github:)?([\w.-]+\/[\w.-]+)$/.exec(spec);
  if (shorthand?.[1]) return `https://github.com/${shorthand[1].replace(/\.git$/, '')}`;
  const url = spec.replace(/^git\+/, '').replace(/^git:\/\//, 'https://').replace(/\.git$/, '');
  return /^https?:\/\/[^\s]+$/.test(url) ? url : undefined;
}

async function packageInformationUri(): Promise<string | undefined> {
  const file = path.join(packageRoot(), 'package.json');
  let pkg: { repository?: unknown };
  try {
    pkg = JSON.parse(await readFile(file, 'utf8')) as { repository?: unknown };
  } catch (error) {
    throw new BugError(`cannot read the package manifest ${file}`, { cause: error });
  }
  return repositoryUrl(pkg.repository);
}
