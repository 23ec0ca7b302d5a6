/**
 * Findings as LSP diagnostics (rule code, severity, the rule's documentation as `codeDescription`), and a
 * configuration error as diagnostics on the file it names, at the line it names.
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic, type Range } from 'vscode-languageserver/node';
import type { Severity } from '../schemas/config.js';
import type { Finding, Fix } from '../schemas/finding.js';
import { ruleDocUrl } from './rule-docs.js';

export const SOURCE = 'provenant';

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
};

/** What a diagnostic carries for hovers and code actions: the rule, and the finding's fix when it has one. */
export interface DiagnosticData {
  code: string;
  fix?: Fix;
}

export function toDiagnostic(f: Finding, range: Range): Diagnostic {
  const href = ruleDocUrl(f.code);
  const data: DiagnosticData = { code: f.code, ...(f.fix ? { fix: f.fix } : {}) };
  return {
    range,
    severity: SEVERITY[f.severity],
    code: f.code,
    ...(href ? { codeDescription: { href } } : {}),
    source: SOURCE,
    message: f.message,
    data,
  };
}

/** The range of a finding in the file's own text. */
export function spanRange(f: Finding): Range {
  return {
    start: { line: f.span.line - 1, character: f.span.col - 1 },
    end: { line: f.span.endLine - 1, character: Math.max(0, f.span.endCol - 1) },
  };
}

/**
 * The range of a notebook finding in the notebook's JSON (a client editing the `.ipynb` as text): the
 * whole JSON line, since its column is a column of the cell's source line, not of the JSON.
 */
export function jsonLineRange(f: Finding, lines: readonly string[]): Range {
  const line = f.span.line - 1;
  return { start: { line, character: 0 }, end: { line, character: (lines[line] ?? '').length } };
}

/** The fix a diagnostic provenant published carries, if any. */
export function fixOf(d: Diagnostic): Fix | null {
  if (d.source !== SOURCE) return null;
  return (d.data as Partial<DiagnosticData> | undefined)?.fix ?? null;
}

/** A diagnostic's rule code when provenant published it. */
export function provenantCode(d: Diagnostic): string | null {
  if (d.source !== SOURCE) return null;
  const data = d.data as Partial<DiagnosticData> | undefined;
  return typeof data?.code === 'string' ? data.code : typeof d.code === 'string' ? d.code : null;
}

const PLACE = /^(.+?):(?:(\d+):(?:(\d+):)?)? (.+)$/;

/**
 * A configuration (or other user-file) error as diagnostics per file URI: each line of the message that
 * starts with a file (`provenant.toml:4: unknown key …`, `pyproject.toml:2:9: invalid TOML …`) lands on
 * that file and line; lines that name no file land on `fallback` (the config file discovery found), line 1.
 * Paths in the message are relative to `cwd`, where discovery started.
 */
export function errorDiagnostics(message: string, hint: string | undefined, cwd: string, fallback: string | null): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  const add = (file: string, line: number, character: number, text: string): void => {
    const uri = pathToFileURL(file).href;
    const lines = fileLines(file);
    const at = Math.min(Math.max(0, line), Math.max(0, lines.length - 1));
    const end = (lines[at] ?? '').length;
    const list = out.get(uri) ?? [];
    list.push({
      range: { start: { line: at, character: Math.min(character, end) }, end: { line: at, character: end } },
      severity: DiagnosticSeverity.Error,
      source: SOURCE,
      message: hint ? `${text}\n${hint}` : text,
    });
    out.set(uri, list);
  };
  for (const raw of message.split('\n')) {
    const m = PLACE.exec(raw);
    const file = m?.[1] ? path.resolve(cwd, m[1]) : null;
    if (m && file && isFile(file)) add(file, Number(m[2] ?? 1) - 1, Number(m[3] ?? 1) - 1, m[4] ?? raw);
    else if (fallback) add(fallback, 0, 0, raw);
  }
  return out;
}

function isFile(file: string): boolean {
  try {
    return existsSync(file) && statSync(file).isFile();
  } catch {
    // an unreadable path is no place for a diagnostic: the message goes to the fallback instead
    return false;
  }
}

function fileLines(file: string): string[] {
  try {
    return readFileSync(file, 'utf8').split('\n');
  } catch {
    // a diagnostic on a file that cannot be read still lands on its first line
    return [''];
  }
}
