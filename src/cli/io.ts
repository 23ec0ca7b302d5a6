/**
 * The streams and environment a command works with (`Io`), and flag-parsing helpers every command shares.
 * Flag errors become usage errors, which exit 2.
 */

import { UserError } from '../core/errors.js';
import { levenshtein } from '../core/distance.js';
import { parseArgs } from 'node:util';

export interface Io {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Text, or bytes already encoded (a report's findings printed as remembered). */
  stdout: { write(s: string | Uint8Array): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown; isTTY?: boolean };
}

export const FORMATS = ['text', 'json'] as const;
export type Format = (typeof FORMATS)[number];

/** Runs a node:util parseArgs call, turning its errors into usage errors (exit 2) that name the command. */
export function usage<R>(command: string, parse: () => R): R {
  try {
    return parse();
  } catch (cause) {
    throw new UserError(`${command}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      hint: `run \`provenant ${command} --help\``,
      cause,
    });
  }
}

export function oneOf<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const near = allowed.find((a) => levenshtein(a, value.toLowerCase()) <= 2);
  throw new UserError(`--${flag}: expected one of ${allowed.join(', ')}, got \`${value}\`${near ? ` (did you mean ${near}?)` : ''}`);
}

export function codes(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  const out = values.flatMap((v) => v.split(',')).map((v) => v.trim().toUpperCase()).filter(Boolean);
  for (const c of out) {
    if (!/^[A-Z]+[0-9]{0,3}$/.test(c)) throw new UserError(`\`${c}\` is not a rule code or prefix`, { hint: 'codes look like LOAD001 or LOAD' });
  }
  return out;
}

type OptionSpec = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

/**
 * A command's flags and positionals, with `--help`/`-h` added; null when help was asked for (it has been
 * printed, and the command returns 0).
 */
export function commandArgs<O extends OptionSpec>(
  command: string,
  args: string[],
  options: O,
  io: Io,
  help: string,
): { values: ParsedValues<O>; positionals: string[] } | null {
  const all = { ...options, help: { type: 'boolean', short: 'h' } } as const;
  const parsed = usage(command, () => parseArgs({ args, allowPositionals: true, strict: true, options: all }));
  if ((parsed.values as { help?: boolean }).help) {
    io.stdout.write(help);
    return null;
  }
  return { values: parsed.values as ParsedValues<O>, positionals: parsed.positionals };
}

type ParsedValues<O extends OptionSpec> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? (O[K]['multiple'] extends true ? boolean[] : boolean) : O[K]['multiple'] extends true ? string[] : string;
};

/** The one path a command takes, or a usage error naming the command and an example. */
export function onePath(positionals: readonly string[], what: string, example: string): string {
  const [target, ...extra] = positionals;
  if (!target || extra.length) throw new UserError(`${what}`, { hint: example });
  return target;
}
