/**
 * `provenant explain CODE`: prints a rule's documentation, its rule.md.
 */

import { parseArgs } from 'node:util';
import { explainRule } from '../../index.js';
import { fixAvailability } from '../../audit/catalog.js';
import { UserError } from '../../core/errors.js';
import { usage, type Io } from '../io.js';

export const HELP = `provenant explain CODE — print a rule's documentation (what it finds, why it matters, what to do)\n`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('explain', () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: { help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const [code, ...extra] = positionals;
  if (!code || extra.length) throw new UserError('explain takes exactly one rule code', { hint: 'e.g. `provenant explain TMPL001`' });
  const { rule, markdown } = await explainRule(code);
  // after the title, what the metadata says about a fix (rule.md says it too, in its own words)
  const [title = '', ...rest] = markdown.split('\n');
  const text = [title, '', fixAvailability(rule.fix), ...rest].join('\n');
  io.stdout.write(text.endsWith('\n') ? text : text + '\n');
  return 0;
}
