/**
 * `provenant registry show`: prints one registry entry in full, as text or JSON.
 */

import { showRegistryEntry, type RegistryEntry } from '../../../index.js';
import { UserError } from '../../../core/errors.js';
import { printableLines } from '../../../core/display.js';
import type { Io } from '../../io.js';
import { COMMON_HELP, parseRegistryArgs, printJson, printWarnings, registryOptions } from './options.js';

export const HELP = `provenant registry show PATH [--json] — one registry entry in full: purpose, status, command line,
definitions, imports, dependents, data read and written, git history, known bugs.

Options:
  --json          the entry as JSON
${COMMON_HELP}
`;

function list(title: string, items: readonly string[]): string[] {
  return items.length ? [`${title}:`, ...items.map((i) => `  ${i}`)] : [];
}

export function renderEntry(e: RegistryEntry): string {
  const status = [e.status, e.statusSource === 'path' ? '(by path)' : '', e.replacedBy ? `→ ${e.replacedBy}` : ''].filter(Boolean).join(' ');
  const lines = [
    e.path,
    `  purpose: ${e.purpose ?? '(undocumented)'}${e.purposeSource === 'annotation' ? ' (annotation)' : ''}`,
    `  kind: ${e.kind} (${e.language})${e.entryPoint ? ', entry point' : ''}`,
    `  status: ${status}`,
  ];
  if (e.reason) lines.push(`  reason: ${e.reason}`);
  if (e.canonicalFor.length) lines.push(`  canonical for: ${e.canonicalFor.join(', ')}`);
  if (e.owner) lines.push(`  owner: ${e.owner}`);
  if (e.notes) lines.push(`  notes: ${e.notes}`);
  if (e.git) lines.push(`  git: added ${e.git.added}, last changed ${e.git.lastChanged} (${e.git.lastCommit}), ${e.git.commits === 1 ? '1 commit' : `${e.git.commits} commits`} by ${e.git.authors.join(', ')}`);
  if (e.parseErrors) lines.push(`  syntax errors: ${e.parseErrors}`);
  const cli = (e.cli?.args ?? []).map((a) => {
    const extra = [a.type, a.default === null ? null : `default ${a.default}`, a.required ? 'required' : null].filter(Boolean).join(', ');
    return `${a.flags.join(', ')}${extra ? ` (${extra})` : ''}${a.help ? ` — ${a.help}` : ''}`;
  });
  const body = [
    ...list(`command line${e.cli ? ` (${e.cli.framework})` : ''}`, cli),
    ...list('defines', e.defs.map((d) => `${d.name}${d.kind === 'class' ? ' (class)' : '()'} ${d.cell ? `cell ${d.cell.index}:${d.cell.line}` : `:${d.line}`}${d.summary ? ` — ${d.summary}` : ''}`)),
    ...list('imports', e.imports),
    ...list('runs', e.runs),
    ...list('used by', e.dependents.map((d) => `${d.path}:${d.cell ? `cell ${d.cell.index}:${d.cell.line}` : d.line} (${d.via})`)),
    ...list('reads', e.reads),
    ...list('writes', e.writes),
    ...list('known bugs', e.bugs.map((b) => `${b.summary}${b.fixed_in ? ` (fixed in ${b.fixed_in})` : ' (not fixed)'}`)),
  ];
  return `${[...lines, ...body.map((l) => `  ${l}`)].join('\n')}\n`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseRegistryArgs('show', args, io, HELP, { json: { type: 'boolean' } }, true);
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length) throw new UserError('registry show: expected one PATH', { hint: 'provenant registry show scripts/utils/instruction_critic.py' });
  const r = await showRegistryEntry({ ...registryOptions(values, io), file });
  printWarnings(io, r.warnings);
  if (values.json) printJson(io, r.entry);
  else io.stdout.write(printableLines(renderEntry(r.entry)));
  return 0;
}
