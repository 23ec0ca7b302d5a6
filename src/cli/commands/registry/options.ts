/**
 * Flags and output helpers shared by the `provenant registry` subcommands.
 */

import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { EditResult, RegistryCoverage, RegistryOptions } from '../../../index.js';
import { usage, type Io } from '../../io.js';
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

/**
 * A registry subcommand's arguments: the common flags and its own `options`, positionals when
 * `positionals` (else one is an error); null when `--help` asked for `help`, which is then printed.
 */
type OptionsConfig = NonNullable<ParseArgsConfig['options']>;
type RegistryArgsConfig<O extends OptionsConfig, P extends boolean> = { args: string[]; allowPositionals: P; strict: true; options: typeof COMMON_OPTIONS & O };

export function parseRegistryArgs<const O extends OptionsConfig, const P extends boolean>(
  name: string,
  args: string[],
  io: Io,
  help: string,
  options: O,
  positionals: P,
): ReturnType<typeof parseArgs<RegistryArgsConfig<O, P>>> | null {
  const config: RegistryArgsConfig<O, P> = { args, allowPositionals: positionals, strict: true, options: { ...COMMON_OPTIONS, ...options } };
  const parsed = usage(`registry ${name}`, () => parseArgs(config));
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(help);
    return null;
  }
  return parsed;
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
