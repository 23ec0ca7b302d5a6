/**
 * Writing settings into a config file (for `provenant init`) by editing its text in place, so comments,
 * formatting and other tables survive: the new or replaced keys go into the `[tool.provenant]` block of a
 * pyproject.toml or the top level of any other file, and the result must re-parse to exactly the intended
 * document before it replaces the file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';

import type { ConfigFile } from '../schemas/config.js';
import { basePath, configSchemas, issuesError, kindOf, readConfigText, type FileKind } from './config.js';
import { formatKeyPath, valueAt } from '../core/describe.js';
import { errorMessage, UserError } from '../core/errors.js';
import { isErrno, writeUserFile } from '../core/fs.js';
import { withFileLock } from '../core/lock.js';
import { indexToml, isTable, locate, parseToml, sameToml, type TomlEntry } from '../core/toml.js';

export interface ConfigSectionSettings {
  sanctionedLoaders?: string[];
  baseModels?: string[];
  instructModels?: string[];
  deprecatedPaths?: string[];
}

const WRITABLE_KEYS = {
  sanctionedLoaders: 'sanctioned-loaders',
  baseModels: 'base-models',
  instructModels: 'instruct-models',
  deprecatedPaths: 'deprecated-paths',
} as const satisfies Record<keyof ConfigSectionSettings, keyof ConfigFile>;

/**
 * Adds settings to `file` (pyproject.toml: its `[tool.provenant]` table; any other name: the top level)
 * by editing the text, so comments, formatting and other tables survive. Refuses to replace a key the
 * file already sets unless `force`. The result is re-parsed and compared with the intended change before
 * it replaces the file (atomically), so an unusual layout fails loudly instead of corrupting the file.
 */
export async function writeConfigSection(
  file: string,
  settings: ConfigSectionSettings,
  options: { force?: boolean } = {},
): Promise<{ created: boolean }> {
  const display = file;
  const kind = kindOf(file);
  const base = basePath(kind);
  const values: [string, string[]][] = [];
  for (const [name, key] of Object.entries(WRITABLE_KEYS)) {
    const value = settings[name as keyof ConfigSectionSettings];
    if (value !== undefined) values.push([key, value]);
  }
  const { ConfigSchema, CONFIG_KEYS } = await configSchemas();
  const checked = ConfigSchema.safeParse(Object.fromEntries(values));
  if (!checked.success) {
    throw await issuesError(checked.error.issues, Object.fromEntries(values), { display, text: '', kind: 'provenant' }, CONFIG_KEYS);
  }

  // read and write under the file's lock (config files live at the project root), so a concurrent edit is kept
  return withFileLock(path.dirname(path.resolve(file)), path.resolve(file), display, () => writeSectionLocked(file, display, kind, base, values, options));
}

async function writeSectionLocked(
  file: string,
  display: string,
  kind: FileKind,
  base: readonly string[],
  values: [string, string[]][],
  options: { force?: boolean },
): Promise<{ created: boolean }> {
  const target = await existingTarget(file, display);
  if (target === null) {
    const body = values.map(([key, value]) => renderSetting(key, value, '\n')).join('');
    const content = kind === 'pyproject' ? `[tool.provenant]\n${body}` : body;
    await writeUserFile(path.resolve(file), content, display, undefined);
    return { created: true };
  }

  const text = await readConfigText(target.path, display);
  const data = parseToml(text, display);
  const existing = valueAt(data, base);
  if (existing !== undefined && !isTable(existing)) {
    throw new UserError(`${display}: ${formatKeyPath(base)} is not a table`);
  }
  const index = await indexToml(text);
  const taken = values.filter(([key]) => existing !== undefined && key in existing).map(([key]) => key);
  if (taken.length > 0 && options.force !== true) {
    const lines = taken.map((key) => {
      const line = locate(index, [...base, key]);
      return `${display}${line === null ? '' : `:${line}`}: ${formatKeyPath([...base, key])} is already set`;
    });
    throw new UserError(lines.join('\n'), {
      hint: 'edit the file by hand, or run again with --force to replace these keys',
    });
  }

  const edited = editText(text, index, kind, values);
  // `data` becomes what the edited file must parse to: the old document plus exactly the new keys.
  const table = ensureTable(data, base);
  for (const [key, value] of values) table[key] = value;
  if (!sameToml(edited, data)) {
    throw new UserError(`${display}: cannot add the settings without disturbing the rest of the file`, {
      hint:
        `[tool.provenant] is probably written with dotted keys or as an inline table; add these lines by hand:\n` +
        values.map(([key, value]) => renderSetting(key, value, '\n')).join('').trimEnd(),
    });
  }
  await writeUserFile(target.path, edited, display, target.mode);
  return { created: false };
}

/** The real file behind `file` (a symlinked pyproject.toml keeps its link), or null when there is none. */
async function existingTarget(file: string, display: string): Promise<{ path: string; mode: number } | null> {
  let real: string;
  let mode: number;
  let directory: boolean;
  try {
    real = await fs.realpath(file);
    const stat = await fs.stat(real);
    mode = stat.mode & 0o7777;
    directory = stat.isDirectory();
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return null;
    throw new UserError(`${display}: cannot inspect: ${errorMessage(error)}`, { cause: error });
  }
  if (directory) throw new UserError(`${display}: is a directory, not a config file`);
  return { path: real, mode };
}

function ensureTable(data: Record<string, unknown>, at: readonly string[]): Record<string, unknown> {
  let table = data;
  for (const key of at) {
    const next = table[key];
    if (isTable(next)) {
      table = next;
    } else {
      const created: Record<string, unknown> = {};
      table[key] = created;
      table = created;
    }
  }
  return table;
}

function editText(original: string, index: readonly TomlEntry[], kind: FileKind, values: [string, string[]][]): string {
  const crlf = original.includes('\r\n');
  const eol = crlf ? '\r\n' : '\n';
  // Split on \n only, so a \r stays on its line and a CRLF file comes back byte-identical outside the edit.
  const text = original === '' || original.endsWith('\n') ? original : `${original}${eol}`;
  const lines = text.split('\n');
  const withCr = (line: string): string => (crlf ? `${line}\r` : line);
  const render = (key: string, value: string[]): string[] => renderSetting(key, value, '\n').split('\n').slice(0, -1).map(withCr);
  const base = basePath(kind);
  const tables = index.filter((entry) => entry.kind === 'table');

  let blockStart: number; // 0-based index of the block's first line (the line after its header)
  let blockEnd: number; // 0-based index one past the block's last line
  if (kind === 'provenant') {
    blockStart = 0;
    blockEnd = (tables[0]?.line ?? lines.length + 1) - 1;
  } else {
    const header = tables.find((entry) => !entry.array && isDeepStrictEqual(entry.path, base));
    if (header === undefined) {
      const block = [withCr('[tool.provenant]'), ...values.flatMap(([key, value]) => render(key, value))];
      // Sub-tables such as [tool.provenant.severity] may come first; the new table goes above them.
      const subtable = tables.find((entry) => isDeepStrictEqual(entry.path.slice(0, base.length), base));
      if (subtable !== undefined) {
        lines.splice(subtable.line - 1, 0, ...block, withCr(''));
        return lines.join('\n');
      }
      const body = text.replace(/(\r?\n)*$/, '');
      return `${body}${body === '' ? '' : eol + eol}${block.join('\n')}\n`;
    }
    blockStart = header.line;
    blockEnd = (tables.find((entry) => entry.line > header.line)?.line ?? lines.length + 1) - 1;
  }

  const keysInBlock = index.filter(
    (entry) => entry.kind === 'key' && entry.line - 1 >= blockStart && entry.line - 1 < blockEnd,
  );
  const edits: { at: number; remove: number; insert: string[] }[] = [];
  const added: string[] = [];
  for (const [key, value] of values) {
    const current = keysInBlock.find((entry) => isDeepStrictEqual(entry.path, [...base, key]));
    if (current === undefined) added.push(...render(key, value));
    else edits.push({ at: current.line - 1, remove: current.endLine - current.line + 1, insert: render(key, value) });
  }
  if (added.length > 0) {
    const lastKey = keysInBlock.at(-1);
    if (lastKey !== undefined) {
      edits.push({ at: lastKey.endLine, remove: 0, insert: added });
    } else {
      const at = kind === 'provenant' ? afterLeadingComment(lines, blockEnd) : blockStart;
      // Keep a blank line between the new keys and whatever followed the header (a comment, a table).
      const gap = at < lines.length - 1 && (lines[at] ?? '').trim() !== '';
      edits.push({ at, remove: 0, insert: gap ? [...added, withCr('')] : added });
    }
  }
  // Bottom-up, so earlier line numbers stay valid.
  edits.sort((a, b) => b.at - a.at);
  for (const edit of edits) lines.splice(edit.at, edit.remove, ...edit.insert);
  return lines.join('\n');
}

/** In a provenant.toml without top-level keys: below a leading comment that ends in a blank line. */
function afterLeadingComment(lines: readonly string[], blockEnd: number): number {
  let i = 0;
  while (i < blockEnd && /^\s*#/.test(lines[i] ?? '')) i++;
  return i > 0 && i < blockEnd && (lines[i] ?? '').trim() === '' ? i + 1 : 0;
}

/** `key = ["a", "b"]`, wrapped one item per line when long; ends with `eol`. */
function renderSetting(key: string, value: readonly string[], eol: string): string {
  const items = value.map(tomlString);
  const oneLine = `${key} = [${items.join(', ')}]`;
  if (oneLine.length <= 88 || items.length === 0) return `${oneLine}${eol}`;
  return `${key} = [${eol}${items.map((item) => `    ${item},${eol}`).join('')}]${eol}`;
}

function tomlString(value: string): string {
  const escapes: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' };
  // eslint-disable-next-line no-control-regex -- control characters are exactly what TOML requires escaped
  const escaped = value.replace(/["\\\u0000-\u001f\u007f]/g, (char) => escapes[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `"${escaped}"`;
}
