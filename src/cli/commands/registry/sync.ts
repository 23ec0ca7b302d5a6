/**
 * `provenant registry sync`: rebuilds the registry index and its generated Markdown, then prints a summary
 * line.
 */

import { syncRegistry, type SyncResult } from '../../../index.js';
import type { Io } from '../../io.js';
import { COMMON_HELP, parseRegistryArgs, coverageText, plural, printJson, printWarnings, registryOptions } from './options.js';

export const HELP = `provenant registry sync [--json] — scan every registered file (purpose, CLI, definitions, imports,
dependents, data read and written, git history, status) into the index under .provenant/ and rewrite
the generated block of the Markdown registry (registry.markdown, default IMPLEMENTATION_REGISTRY.md)
when it changed. A block edited by hand is never overwritten (exit 2).

Options:
  --json          print the summary as JSON
${COMMON_HELP}
`;

export function summaryLine(r: SyncResult): string {
  const c = r.counts;
  const kinds = [plural(c.scripts, 'script'), plural(c.modules, 'module'), plural(c.launchers, 'launcher')];
  const parts = [`registered ${plural(c.files, 'file')}: ${kinds.join(', ')}`, coverageText(r.coverage), `${c.deprecated} deprecated`];
  if (c.canonical) parts.push(`${c.canonical} canonical`);
  if (r.stale.length) parts.push(plural(r.stale.length, 'stale annotation'));
  if (c.parseErrors) parts.push(plural(c.parseErrors, 'file') + ' with syntax errors');
  return parts.join('; ');
}

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseRegistryArgs('sync', args, io, HELP, { json: { type: 'boolean' } }, false);
  if (parsed === null) return 0;
  const { values } = parsed;
  const r = await syncRegistry(registryOptions(values, io));
  printWarnings(io, r.warnings);
  if (values.json) {
    // the fields one by one: `entries` is read from the index only when asked for
    const { markdown, markdownState, coverage, counts, stale, parsed: files, rebuilt, warnings } = r;
    printJson(io, { markdown, markdownState, coverage, counts, stale, parsed: files, rebuilt, warnings });
    return 0;
  }
  const markdown = r.markdownState === 'written' ? `wrote ${r.markdown}` : `${r.markdown} is up to date`;
  io.stdout.write(`${summaryLine(r)}\n${markdown}\n`);
  return 0;
}
