/**
 * `provenant lineage PATH`: the tree of an artifact's provenance, as text, JSON or Mermaid.
 */

import { artifactLineage, formatLineage } from '../../index.js';
import { commandArgs, onePath, oneOf, type Io } from '../io.js';

export const HELP = `provenant lineage PATH [--down] [--verdicts] [--json | --format text|json|mermaid]

The tree of PATH's provenance from the stamps: each input its stamp names, and theirs, recursively, with
producer script, commit and date. Unstamped and unreadable stamps, inputs re-stamped since they were used,
cycles and artifacts already shown are marked, never fatal.

  --down      the other way: the stamped artifacts made from PATH (from the ledger)
  --verdicts  add \`provenant verify\`'s verdict to every node
  --format    text (default), json, or mermaid (a \`graph TD\` block; edges follow the data)
  --json      same as --format json
`;

const LINEAGE_FORMATS = ['text', 'json', 'mermaid'] as const;

export async function run(args: string[], io: Io): Promise<number> {
  const parsed = commandArgs('lineage', args, { down: { type: 'boolean' }, verdicts: { type: 'boolean' }, format: { type: 'string' }, json: { type: 'boolean' } }, io, HELP);
  if (!parsed) return 0;
  const { values } = parsed;
  const target = onePath(parsed.positionals, 'lineage takes one artifact path', 'provenant lineage data/sft/train.jsonl');
  const format = values.json ? 'json' : (oneOf('format', values.format, LINEAGE_FORMATS) ?? 'text');
  const report = await artifactLineage({
    cwd: io.cwd,
    path: target,
    down: Boolean(values.down),
    verdicts: Boolean(values.verdicts),
    env: io.env,
    warn: (m) => io.stderr.write(`provenant: warning: ${m}\n`),
  });
  io.stdout.write(format === 'json' ? JSON.stringify(report, null, 2) + '\n' : await formatLineage(report, format));
  return 0;
}
