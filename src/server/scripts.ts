/**
 * "Does this script exist, and is it deprecated?" in the editor: the script a launcher line or a call runs
 * (the front end's script calls, so `python -m pkg.mod`, `bash run.sh` and `subprocess.run([...])` resolve as
 * the audit resolves them), or a script path written as a literal, resolved against the whole tree; go to
 * definition opens it, a hover shows its registry entry.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Language, ScriptCallFact } from '../analysis/facts.js';
import { frontEndOf, loaded } from '../analysis/front-ends.js';
import { Project, type ScriptResolution } from '../audit/project.js';
import { probedFiles } from '../audit/tree.js';
import { loadConfig } from '../config/config.js';
import { fileProbe } from '../core/files.js';
import { toPosix } from '../core/paths.js';
import { errorMessage, UserError } from '../core/errors.js';
import { showRegistryEntry } from '../registry/index.js';
import type { RegistryEntry } from '../schemas/registry.js';

export interface ScriptAt {
  root: string;
  /** The target as written. */
  target: string;
  resolution: ScriptResolution;
  /** The file on disk the target runs (a `.DEPRECATED` copy, a moved file), or null when there is none. */
  file: string | null;
}

/** A path-like word under the cursor: a quoted string or a run of path characters. */
const WORD = /"([^"\n]*)"|'([^'\n]*)'|([^\s"'`;|&<>()=,[\]{}]+)/g;
const SCRIPT_PATH = /\.(?:py|sh|bash|ipynb|[cm]?[jt]sx?)$/;
/** A line that may name or run a script: a script path, an interpreter or launcher, a call that runs commands. */
const MAY_NAME_SCRIPT = /\.(?:py|sh|bash|ipynb|[cm]?[jt]sx?)\b|\b(?:python[\d.]*|bash|sh|zsh|node|tsx|ts-node|deno|bun|make|uv|accelerate|torchrun|deepspeed|subprocess|system|Popen|spawn|exec\w*|executable|run|call)\b|\s-m\s/;

function wordAt(line: string, character: number): string | null {
  WORD.lastIndex = 0;
  for (let m = WORD.exec(line); m; m = WORD.exec(line)) {
    if (character >= m.index && character <= m.index + m[0].length) return (m[1] ?? m[2] ?? m[3] ?? '').trim() || null;
  }
  return null;
}

/** The script call on a line that the cursor is on (its target written under the cursor, else the first). */
function callAt(calls: readonly ScriptCallFact[], lineText: string, line: number, character: number): ScriptCallFact | null {
  const onLine = calls.filter((c) => c.span.line <= line && line <= c.span.endLine);
  const under = onLine.find((c) => {
    const at = lineText.indexOf(c.target);
    return at >= 0 && character >= at && character <= at + c.target.length;
  });
  return under ?? onLine[0] ?? null;
}

/**
 * The script at a position of a document. `file` is the file on disk the text belongs to (a notebook for
 * its cells), `language` the language the text is in, `position` 0-based as LSP counts.
 */
export async function scriptAt(file: string, text: string, language: Language, position: { line: number; character: number }): Promise<ScriptAt | null> {
  let loadedConfig;
  try {
    loadedConfig = await loadConfig({ cwd: path.dirname(file) });
  } catch (error) {
    // a config error is shown on the config file by the audit; without a config there is no tree to resolve against
    if (error instanceof UserError) return null;
    throw error;
  }
  const { root, config } = loadedConfig;
  const rel = toPosix(path.relative(root, file));
  if (rel.startsWith('../')) return null;
  const lineText = text.split('\n')[position.line] ?? '';
  // most lines name no script and run nothing: the file is not parsed for them
  if (!MAY_NAME_SCRIPT.test(lineText)) return null;
  let call: ScriptCallFact | null = null;
  // a notebook's JSON is no language a front end extracts line for line: its literals are found as words
  if (language !== 'notebook') {
    const extract = await loaded(frontEndOf(language));
    call = callAt(extract(text, rel, language).scriptCalls, lineText, position.line + 1, position.character);
  }
  if (!call) {
    const word = wordAt(lineText, position.character);
    if (!word || !SCRIPT_PATH.test(word) || path.isAbsolute(word) || /^[a-z]+:\/\//i.test(word)) return null;
    const dir = path.posix.dirname(rel);
    const candidates = [...new Set([path.posix.join(dir, word), path.posix.normalize(word)])].filter((c) => !c.startsWith('../'));
    call = { runner: 'direct', target: word, module: false, candidates, span: { line: position.line + 1, col: 1, endLine: position.line + 1, endCol: 1 }, via: 'shell' };
  }
  const project = new Project(root, config, probedFiles(fileProbe(root, config.include, config.exclude)), []);
  const resolution = project.resolveScript(call);
  return { root, target: call.target, resolution, file: onDisk(root, resolution) };
}

/** The file a resolution points at, where it actually is (`x.py.DEPRECATED`, `deprecated/x.py`). */
function onDisk(root: string, r: ScriptResolution): string | null {
  if (r.status !== 'ok' && r.status !== 'deprecated') return null;
  const { dir, base } = path.posix.parse(r.path);
  const places = [r.path, `${r.path}.DEPRECATED`, `${r.path}.deprecated`, path.posix.join(dir, 'deprecated', base)];
  const found = places.find((p) => existsSync(path.join(root, p)));
  return found ? path.join(root, found) : null;
}

/** The hover for a script: its registry entry, or what is known of a target that is not there. */
export async function scriptHover(at: ScriptAt): Promise<string | null> {
  const r = at.resolution;
  if (r.status === 'external') return null;
  if (r.status === 'missing') return `**\`${at.target}\` does not exist** in this project (tried ${r.tried.map((t) => `\`${t}\``).join(', ')}).`;
  if (r.status === 'unknown') return `\`${at.target}\` is not in this project: ${r.reason}.`;
  const rel = toPosix(path.relative(at.root, at.file ?? path.join(at.root, r.path)));
  let entry: RegistryEntry;
  try {
    entry = (await showRegistryEntry({ cwd: at.root, file: rel })).entry;
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const deprecated = r.status === 'deprecated' ? ` It is **deprecated**: ${r.reason}.` : '';
    return `**\`${rel}\`** exists; no registry entry: ${errorMessage(error)}.${deprecated}`;
  }
  return renderEntry(entry, r);
}

function renderEntry(e: RegistryEntry, r: ScriptResolution): string {
  const status = e.status === 'deprecated' ? '**deprecated**' : e.status;
  const lines = [`**\`${e.path}\`** — registry entry`, '', `- purpose: ${e.purpose ?? '(undocumented)'}`, `- status: ${status}${e.replacedBy ? ` → use \`${e.replacedBy}\`` : ''}`];
  const reason = e.reason ?? (r.status === 'deprecated' ? r.reason : null);
  if (reason) lines.push(`- reason: ${reason}`);
  if (e.canonicalFor.length) lines.push(`- canonical for: ${e.canonicalFor.join(', ')}`);
  const open = e.bugs.filter((b) => !b.fixed_in);
  if (e.bugs.length) lines.push(`- known bugs: ${e.bugs.length} (${open.length} not fixed)${open[0] ? `: ${open[0].summary}` : ''}`);
  if (e.dependents.length) lines.push(`- used by: ${e.dependents.length} ${e.dependents.length === 1 ? 'file' : 'files'}`);
  lines.push('', `\`provenant registry show ${e.path}\``);
  return lines.join('\n');
}
