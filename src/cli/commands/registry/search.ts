/**
 * `provenant registry search`: ranked full-text search over the registry, to ask whether something exists.
 */

import { searchRegistry } from '../../../index.js';
import { UserError } from '../../../core/errors.js';
import { printableLines } from '../../../core/display.js';
import type { Io } from '../../io.js';
import { COMMON_HELP, parseRegistryArgs, printJson, printWarnings, registryOptions } from './options.js';

export const HELP = `provenant registry search QUERY [--limit N] [--json] — ranked full-text search over the registry
(file names, purposes, docstrings, function names and summaries, argument help), before writing
something that may already exist. Every word must match (as a prefix); when no file has them all, files
with any of them are ranked. The index is refreshed first when files changed since the last sync.

Options:
  --limit N       most hits to show (default 10)
  --no-refresh    answer from the index as the last sync left it, without checking the tree
  --json          hits as JSON: path, score, status, purpose, matched fields
${COMMON_HELP}
`;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseRegistryArgs('search', args, io, HELP, { limit: { type: 'string' }, json: { type: 'boolean' }, 'no-refresh': { type: 'boolean' } }, true);
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const query = positionals.join(' ').trim();
  if (!query) throw new UserError('registry search: what should it look for?', { hint: 'provenant registry search "log-prob critic"' });
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  const r = await searchRegistry({
    ...registryOptions(values, io),
    query,
    ...(limit === undefined ? {} : { limit }),
    ...(values['no-refresh'] ? { refresh: false } : {}),
  });
  printWarnings(io, r.warnings);
  if (values.json) {
    printJson(io, { query: r.query, hits: r.hits });
    return 0;
  }
  if (r.hits.length === 0) {
    io.stdout.write(`no match for "${query}"\n`);
    return 0;
  }
  const out = r.hits.map((h, i) => {
    const status = h.status === 'active' ? '' : `  [${h.status}]`;
    return `${String(i + 1).padStart(2)}. ${h.path}${status}\n    ${h.purpose ?? '(undocumented)'}`;
  });
  io.stdout.write(printableLines(`${out.join('\n')}\n`));
  return 0;
}
