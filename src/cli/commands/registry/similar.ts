/**
 * `provenant registry similar`: lists functions elsewhere that nearly duplicate a file's functions.
 */

import { findSimilar, type SimilarReport } from '../../../index.js';
import { UserError } from '../../../core/errors.js';
import type { Io } from '../../io.js';
import { COMMON_HELP, parseRegistryArgs, plural, printJson, printWarnings, registryOptions } from './options.js';

export const HELP = `provenant registry similar PATH[:FUNCTION] [--threshold 0.8] [--json] — functions elsewhere in the
project that nearly duplicate the file's functions (or the one named), best first, canonical
implementations marked. Bodies are compared with names and literals abstracted; the similarity is the
share of their winnowed token shingles they have in common. PATH is a Python file or a notebook (its
functions are placed by cell, nb.ipynb:cell 4:1). The function index under .provenant/ is
brought up to date first (only changed files are read).

Options:
  --threshold T   least similarity reported, 0-1 (default: registry.similarity-threshold, 0.8)
  --json          the pairs as JSON: function, duplicateOf (with canonical), similarity
${COMMON_HELP}
`;

/** `scripts/x.py:12`, or for a notebook's function `nb.ipynb:cell 4:1` (as the audit prints findings). */
function at(f: { path: string; line: number; cell?: { index: number; line: number } | undefined }): string {
  return f.cell ? `${f.path}:cell ${f.cell.index}:${f.cell.line}` : `${f.path}:${f.line}`;
}

function line(p: SimilarReport['pairs'][number]): string {
  const canonical = p.duplicateOf.canonical
    ? ` [canonical${p.duplicateOf.canonicalFor.length ? ` for ${p.duplicateOf.canonicalFor.map((c) => `"${c}"`).join(', ')}` : ''}]`
    : '';
  return `\`${p.function.qualname}\` in ${at(p.function)} duplicates \`${p.duplicateOf.qualname}\` in ${at(p.duplicateOf)} (${p.similarity}%)${canonical}`;
}

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = parseRegistryArgs('similar', args, io, HELP, { threshold: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (parsed === null) return 0;
  const { values, positionals } = parsed;
  const [target, ...extra] = positionals;
  if (!target || extra.length) {
    throw new UserError('registry similar: name one file, optionally with a function', { hint: 'provenant registry similar scripts/x.py:score_pair' });
  }
  const threshold = values.threshold === undefined ? undefined : Number(values.threshold);
  const r = await findSimilar({ ...registryOptions(values, io), target, ...(threshold === undefined ? {} : { threshold }) });
  printWarnings(io, r.warnings);
  for (const s of r.tooShort) {
    io.stderr.write(`provenant: \`${s.qualname}\` (${s.cell ? `cell ${s.cell.index}, line ${s.cell.line}` : `line ${s.line}`}) has ${s.tokens} tokens, fewer than min-tokens ${r.minTokens}: not compared\n`);
  }
  if (values.json) {
    printJson(io, { root: r.root, path: r.path, function: r.function, threshold: r.threshold, minTokens: r.minTokens, pairs: r.pairs, tooShort: r.tooShort });
    return 0;
  }
  if (r.pairs.length === 0) {
    io.stdout.write(`no function in the project is ${Math.round(r.threshold * 100)}% similar to ${r.function ? `\`${r.function}\` in ` : ''}${r.path}\n`);
    return 0;
  }
  io.stdout.write(`${r.pairs.map(line).join('\n')}\n`);
  io.stderr.write(`${plural(r.pairs.length, 'near-duplicate')} at ${Math.round(r.threshold * 100)}% or more\n`);
  return 0;
}
