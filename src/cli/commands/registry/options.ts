/**
 * Flags and output helpers shared by the `provenant registry` subcommands.
 */

import type { EditResult, RegistryCoverage, RegistryOptions } from '../../../index.js';
import type { Io } from '../../io.js';
export { plural } from '../../../core/fs.js';

/** Flags every registry subcommand takes. */
export const COMMON_OPTIONS = {
  config: { type: 'string' },
  isolated: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const COMMON_HELP = `  --config PATH   use this config file
  --isolated      ignore all config files`;

export function registryOptions(values: { config?: string | undefined; isolated?: boolean | undefined }, io: Io): RegistryOptions {
  return {
    cwd: io.cwd,
    ...(values.config === undefined ? {} : { configPath: values.config }),
    ...(values.isolated ? { isolated: true } : {}),
  };
}

export function printWarnings(io: Io, warnings: readonly string[]): void {
  for (const w of warnings) io.stderr.write(`provenant: warning: ${w}\n`);
}

export function coverageText(c: RegistryCoverage): string {
  return `${c.documented}/${c.total} documented (${c.percent}%)`;
}

/** JSON on stdout: two-space indented, one trailing newline. */
export function printJson(io: Io, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** What an edit did (deprecate, canonical, bug): a head line, then one line per change. */
export function editSummary(r: EditResult): string[] {
  const head = r.changed ? `${r.created ? 'created' : 'updated'} ${r.annotationsFile}: ${r.path}` : `${r.annotationsFile} already says so for ${r.path}; nothing written`;
  return [head, ...(r.changed ? r.changes : [])];
}

/** Prints an edit's warnings on stderr and its summary on stdout, changes indented. */
export function printEdit(io: Io, r: EditResult): void {
  printWarnings(io, r.warnings);
  const [head, ...changes] = editSummary(r);
  io.stdout.write(`${[head, ...changes.map((c) => `  ${c}`)].join('\n')}\n`);
}
