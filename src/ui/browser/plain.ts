/**
 * What `provenant tui` prints when stdout is not a terminal (a pipe, a file, CI): the script list as a
 * plain table (status, path, purpose) under the coverage line, with no colour and no cursor codes, so
 * the command ends with exit 0 instead of waiting for keys nobody can press.
 */
import type { BrowseRow } from './data.js';
import { columnsOf, coverageText, pad } from '../lines.js';

export interface PlainInput {
  rows: readonly BrowseRow[];
  coverage: { documented: number; total: number; percent: number };
  include: readonly string[];
}

export function plainTable({ rows, coverage, include }: PlainInput): string {
  if (rows.length === 0) {
    return `no scripts registered (registry.include: ${include.join(', ')})\n`;
  }
  const statusWidth = Math.max(6, ...rows.map((r) => r.status.length));
  const pathWidth = Math.max(4, ...rows.map((r) => columnsOf(r.path)));
  const line = (status: string, p: string, purpose: string): string => `${status.padEnd(statusWidth)}  ${pad(p, pathWidth)}  ${purpose}`.trimEnd();
  const out = [
    `${rows.length} registered files, ${coverageText(coverage)}`,
    line('STATUS', 'PATH', 'PURPOSE'),
    ...rows.map((r) => line(r.status, r.path, `${r.purpose ?? '(undocumented)'}${r.replacedBy ? ` → ${r.replacedBy}` : ''}`)),
  ];
  return `${out.join('\n')}\n`;
}
