/**
 * `provenant rules`: lists every rule with its code, name, default severity and summary, as text or JSON.
 */

import { parseArgs } from 'node:util';
import { listRules } from '../../index.js';
import { styleFor } from '../../core/style.js';
import { FORMATS, oneOf, usage, type Io } from '../io.js';

export const HELP = `provenant rules [--format text|json] — list every rule with its code, default severity, fix and summary\n`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values } = usage('rules', () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const rules = listRules();
  if ((oneOf('format', values.format, FORMATS) ?? 'text') === 'json') {
    io.stdout.write(JSON.stringify(rules, null, 2) + '\n');
    return 0;
  }
  const style = styleFor(io.stdout, io.env);
  const width = Math.max(...rules.map((r) => r.code.length));
  const nameWidth = Math.max(...rules.map((r) => r.name.length));
  // the fix column as Ruff marks fixable rules: how safe the fix is, blank without one
  const fixOf = (r: (typeof rules)[number]) => (r.fix === 'safe-or-unsafe' ? 'fix:safe/unsafe' : r.fix ? `fix:${r.fix}` : '');
  for (const r of rules) {
    io.stdout.write(`${style.bold(r.code.padEnd(width))}  ${r.name.padEnd(nameWidth)}  ${r.severity.padEnd(7)}  ${fixOf(r).padEnd(15)}  ${r.summary}\n`);
  }
  return 0;
}
