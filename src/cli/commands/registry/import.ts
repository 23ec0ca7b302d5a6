/**
 * `provenant registry import`: reads a hand-written registry into the annotations file and reports on it.
 */

import { importLegacyRegistry, type LegacyImportReport } from '../../../index.js';
import { UserError } from '../../../core/errors.js';
import type { Io } from '../../io.js';
import { COMMON_HELP, parseRegistryArgs, plural, printJson, printWarnings, registryOptions } from './options.js';

export const HELP = `provenant registry import LEGACY.md [--dry-run] [--json] — read a hand-written registry (headings,
bullets or tables of script paths; ⭐ PRIMARY and ❌ DEPRECATED marks; Purpose, Why, Use instead, Status
and Known bug lines) into the annotations file. Adds only what the annotations file does not say yet;
reports the legacy registry's coverage and its entries for files that no longer exist.

Options:
  --dry-run   report, write nothing
  --json      the report as JSON
${COMMON_HELP}
`;

function text(r: LegacyImportReport): string {
  const out = [`${r.legacyFile}: ${plural(r.entries.length, 'entry', 'entries')}`];
  for (const e of r.entries) {
    const status = e.status === null || e.status === 'active' ? '' : ` (${e.status})`;
    out.push(`  ${r.legacyFile}:${e.line}  ${e.path}${status}${e.target === null ? '  [stale]' : ''}`);
  }
  for (const s of r.stale) out.push(`stale: ${s.path} (${r.legacyFile}:${s.line}): ${s.message}`);
  for (const c of r.conflicts) out.push(c.message);
  out.push(r.coverageLine);
  const fields = r.changes.reduce((n, c) => n + c.fields.length, 0);
  const what = `${plural(fields, 'field')} for ${plural(r.changes.length, 'file')}`;
  if (r.dryRun) out.push(`dry run: would add ${what} to ${r.annotationsFile}; nothing written`);
  else out.push(r.written ? `added ${what} to ${r.annotationsFile}` : `${r.annotationsFile} already says all of it; nothing written`);
  return `${out.join('\n')}\n`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseRegistryArgs('import', args, io, HELP, { 'dry-run': { type: 'boolean' }, json: { type: 'boolean' } }, true);
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) throw new UserError('registry import takes one file', { hint: 'e.g. `provenant registry import docs/IMPLEMENTATION_REGISTRY.md`' });
  const r = await importLegacyRegistry({ ...registryOptions(values, io), file, dryRun: Boolean(values['dry-run']) });
  printWarnings(io, r.warnings.map((w) => `${r.legacyFile}${w.line === null ? '' : `:${w.line}`}: ${w.message}`));
  if (values.json) printJson(io, r);
  else io.stdout.write(text(r));
  return 0;
}
