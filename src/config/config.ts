/**
 * Finding, reading and validating the configuration (config-write.ts edits it for `provenant init`;
 * rule-select.ts reads `select`/`ignore`/`severity`; toml.ts parses and locates keys).
 *
 * Settings live in `[tool.provenant]` of pyproject.toml or at the top level of provenant.toml. Discovery
 * walks up from the start directory and stops at the first directory holding either (a provenant.toml
 * wins over a pyproject.toml beside it) or at a repository boundary (`.git`). That directory is the
 * project root every glob in the file is relative to.
 *
 * Every problem with the user's files is a `UserError` naming the file, the key path and, when it can be
 * found, the line.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import type { TomlTableWithoutBigInt } from 'smol-toml';
import type { z } from 'zod';

import type { Config } from '../schemas/config-values.js';
import { normalizeConfig } from '../schemas/config-normalize.js';
import { closest, describeIssue, formatKeyPath } from '../core/describe.js';
import { notRegular } from '../core/files.js';
import { errorMessage, UserError } from '../core/errors.js';
import { displayPath, isErrno } from '../core/fs.js';
import { indexToml, isTable, locate, parseToml } from '../core/toml.js';

export interface LoadConfigOptions {
  /** Where discovery starts; also the base of a relative `configPath`. */
  cwd: string;
  /** An explicit config file (`--config`): provenant.toml-style unless it is named pyproject.toml. */
  configPath?: string;
  /** Ignore every config file and use the defaults (`--isolated`). */
  isolated?: boolean;
}

export interface LoadedConfig {
  config: Config;
  /** Absolute project root: the config file's directory, else the enclosing git work tree, else `cwd`. */
  root: string;
  /** Absolute path of the file the settings came from; null when the defaults apply. */
  source: string | null;
}

const PROVENANT_TOML = 'provenant.toml';
const PYPROJECT_TOML = 'pyproject.toml';
const TOOL_PATH = ['tool', 'provenant'] as const;

export type FileKind = 'pyproject' | 'provenant';

export function kindOf(file: string): FileKind {
  return path.basename(file) === PYPROJECT_TOML ? 'pyproject' : 'provenant';
}

/** Where the settings sit inside a file of this kind. */
export function basePath(kind: FileKind): string[] {
  return kind === 'pyproject' ? [...TOOL_PATH] : [];
}

export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const cwd = path.resolve(options.cwd);
  if (options.isolated && options.configPath !== undefined) {
    throw new UserError('--config and --isolated cannot be used together', {
      hint: '--isolated ignores every config file; drop one of the two',
    });
  }
  if (options.isolated) {
    return { config: normalizeConfig({}), root: (await findGitRoot(cwd)) ?? cwd, source: null };
  }
  if (options.configPath !== undefined) {
    const file = path.resolve(cwd, options.configPath);
    const display = displayPath(file, cwd);
    const text = await readConfigText(file, display);
    const data = parseToml(text, display);
    if (kindOf(file) === 'pyproject' && !hasToolTable(data)) {
      throw new UserError(`${display}: no [tool.provenant] table`, {
        hint: 'add a [tool.provenant] table to it, or point --config at a provenant.toml',
      });
    }
    const config = await validate(data, { display, text, kind: kindOf(file) });
    return { config, root: path.dirname(file), source: file };
  }

  for (let dir = cwd; ; ) {
    const found = await configIn(dir, cwd);
    if (found !== null) {
      const config = await validate(found.data, { display: displayPath(found.file, cwd), text: found.text, kind: kindOf(found.file) });
      return { config, root: dir, source: found.file };
    }
    // The repository boundary: a parent directory's config belongs to some other project.
    if (await exists(path.join(dir, '.git'))) return { config: normalizeConfig({}), root: dir, source: null };
    const parent = path.dirname(dir);
    if (parent === dir) return { config: normalizeConfig({}), root: cwd, source: null };
    dir = parent;
  }
}

interface FoundConfig {
  file: string;
  text: string;
  data: TomlTableWithoutBigInt;
}

async function configIn(dir: string, cwd: string): Promise<FoundConfig | null> {
  const own = path.join(dir, PROVENANT_TOML);
  if (await isFile(own)) {
    const text = await readConfigText(own, displayPath(own, cwd));
    return { file: own, text, data: parseToml(text, displayPath(own, cwd)) };
  }
  const pyproject = path.join(dir, PYPROJECT_TOML);
  if (await isFile(pyproject)) {
    const text = await readConfigText(pyproject, displayPath(pyproject, cwd));
    // A pyproject.toml that never mentions us is someone else's file: don't parse it, so that its own
    // TOML mistakes don't stop an audit.
    if (!text.includes('provenant')) return null;
    const data = parseToml(text, displayPath(pyproject, cwd));
    if (hasToolTable(data)) return { file: pyproject, text, data };
  }
  return null;
}

async function findGitRoot(start: string): Promise<string | null> {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (await exists(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return null;
  }
}

function hasToolTable(data: TomlTableWithoutBigInt): boolean {
  const tool = data['tool'];
  return isTable(tool) && 'provenant' in tool;
}

// ---------------------------------------------------------------------------------------------------
// Reading and validation

/** A file to read as config: anything but a folder (a FIFO or a device is reported when read, not skipped). */
async function isFile(file: string): Promise<boolean> {
  try {
    return !(await fs.stat(file)).isDirectory();
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    throw new UserError(`cannot inspect ${file}: ${errorMessage(error)}`, { cause: error });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.stat(file);
    return true;
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
    throw new UserError(`cannot inspect ${file}: ${errorMessage(error)}`, { cause: error });
  }
}

export async function readConfigText(file: string, display: string): Promise<string> {
  try {
    // a FIFO or a device would block the read
    const st = await fs.stat(file);
    if (!st.isFile() && !st.isDirectory()) throw new UserError(`${display}: not a regular file (${notRegular(st) ?? 'not a file'}); a config file is TOML`);
    return await fs.readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) {
      throw new UserError(`${display}: config file not found`, { cause: error });
    }
    if (isErrno(error, 'EISDIR')) {
      throw new UserError(`${display}: is a directory, not a config file`, {
        cause: error,
        hint: `pass a file: ${path.join(display, PROVENANT_TOML)} or ${path.join(display, PYPROJECT_TOML)}`,
      });
    }
    if (isErrno(error, 'EACCES', 'EPERM')) {
      throw new UserError(`${display}: cannot read config file: permission denied`, { cause: error });
    }
    throw new UserError(`${display}: cannot read config file: ${errorMessage(error)}`, { cause: error });
  }
}

/** The zod schema (and zod itself) load only when there is a config file to validate. */
export async function configSchemas() {
  const [{ z }, schemas] = await Promise.all([import('zod'), import('../schemas/config.js')]);
  return { ...schemas, PyprojectSchema: z.object({ tool: z.object({ provenant: schemas.ConfigSchema }) }) };
}

export interface SourceText {
  display: string;
  text: string;
  kind: FileKind;
}

async function validate(data: TomlTableWithoutBigInt, source: SourceText): Promise<Config> {
  const { ConfigSchema, PyprojectSchema, CONFIG_KEYS } = await configSchemas();
  if (source.kind === 'pyproject') {
    const result = PyprojectSchema.safeParse(data);
    if (result.success) return normalizeConfig(result.data.tool.provenant);
    throw await issuesError(result.error.issues, data, source, CONFIG_KEYS);
  }
  const result = ConfigSchema.safeParse(data);
  if (result.success) return normalizeConfig(result.data);
  throw await issuesError(result.error.issues, data, source, CONFIG_KEYS);
}

interface Problem {
  line: number | null;
  text: string;
}

/** Every issue as `file:line: key: problem`, sorted by line, with hints for unknown keys. */
export async function issuesError(issues: readonly z.core.$ZodIssue[], data: unknown, source: SourceText, CONFIG_KEYS: readonly string[]): Promise<UserError> {
  const index = source.text === '' ? [] : await indexToml(source.text);
  const base = basePath(source.kind);
  const problems: Problem[] = [];
  const hints = new Set<string>();
  for (const issue of issues) {
    const at = issue.path.filter((part): part is string | number => typeof part !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const keyPath = [...at, key];
        const atRoot = isDeepStrictEqual(at, base);
        const suggestion = atRoot ? closest(key, CONFIG_KEYS) : null;
        problems.push({
          line: locate(index, keyPath),
          text: `unknown key '${formatKeyPath(keyPath)}'${suggestion === null ? '' : ` (did you mean '${suggestion}'?)`}`,
        });
        if (atRoot && source.kind === 'provenant' && key === 'tool') {
          hints.add(`${PROVENANT_TOML} takes its settings at the top level, without a [tool.provenant] header`);
        } else if (atRoot && suggestion === null) {
          hints.add(`valid keys: ${CONFIG_KEYS.join(', ')}`);
        }
      }
      continue;
    }
    problems.push({ line: locate(index, at), text: describeIssue(issue, at, data) });
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
  const message = problems
    .map((problem) => `${source.display}${problem.line === null ? '' : `:${problem.line}`}: ${problem.text}`)
    .join('\n');
  return new UserError(message, hints.size === 0 ? {} : { hint: [...hints].join('\n') });
}
