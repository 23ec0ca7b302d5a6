/**
 * `provenant init`: prints the inferred loader and models with their reasons, and what was written where.
 */

import { parseArgs } from 'node:util';
import path from 'node:path';
import { initProject, installPythonHelper } from '../../index.js';
import { usage, type Io } from '../io.js';

export const HELP = `provenant init [--dry-run] [--force] — infer the sanctioned loader and the base/instruct models,
write them into [tool.provenant] (pyproject.toml, else provenant.toml) for review, and print why (and why
the runners-up lost)
provenant init --python-helper [DIR] [--force] — write provenant_helper.py (attest from the loader under
\`provenant run\`, require_verified in trainers) into DIR, by default next to the sanctioned loader\n`;

/** Runners-up printed with their reasons; a framework can have dozens of loading functions. */
const RUNNERS_UP = 5;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('init', () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: {
    'dry-run': { type: 'boolean' },
    force: { type: 'boolean' },
    'python-helper': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  if (values['python-helper']) {
    const h = await installPythonHelper({ cwd: io.cwd, dir: positionals[0], force: Boolean(values.force) });
    io.stdout.write(`${h.action} ${h.file}${h.why ? ` (${h.why})` : ''}\n`);
    return 0;
  }
  const r = await initProject({ cwd: io.cwd, dryRun: Boolean(values['dry-run']), force: Boolean(values.force) });
  const out: string[] = [];
  if (r.sanctioned.length) {
    for (const l of r.sanctioned) {
      out.push(`sanctioned loader: ${l.name}`);
      for (const why of l.reasons) out.push(`  - ${why}`);
    }
  } else {
    out.push('sanctioned loader: none found (nothing loads a model and removes its chat template, or is a loader by name that several files import)');
  }
  for (const l of r.runnersUp.slice(0, RUNNERS_UP)) {
    out.push(`not chosen: ${l.name} — ${l.why}`);
    for (const why of l.reasons) out.push(`  - ${why}`);
  }
  if (r.runnersUp.length > RUNNERS_UP) out.push(`not chosen: ${r.runnersUp.length - RUNNERS_UP} more candidates`);
  for (const m of r.models) out.push(`${m.verdict.kind} model: ${m.id} — ${m.verdict.reason} (${m.files.join(', ')})`);
  const file = path.relative(io.cwd, r.configFile) || r.configFile;
  if (r.written) out.push(`${r.created ? 'created' : 'updated'} ${file}: review [tool.provenant] before committing`);
  else if (values['dry-run']) out.push(`dry run: nothing written (would write ${file})`);
  else out.push('nothing to write');
  io.stdout.write(out.join('\n') + '\n');
  return 0;
}
