/**
 * What the browser does outside itself, one request at a time: a registry edit through the CLI's own
 * edit commands (injected by `provenant tui`, so the annotations file is changed exactly as
 * `provenant registry deprecate|canonical|bug` changes it, comments kept), and opening a script in
 * `$VISUAL`/`$EDITOR` at a line, with the terminal handed over to the editor and taken back after. Every
 * failure comes back as a footer message; nothing here throws into the component.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { errorMessage } from '../../core/errors.js';
import type { EditRequest } from './prompt.js';
import type { Request, Tone } from './state.js';

/** What an edit did, as the edit commands print it: a head line, then one line per change. */
export interface EditReport {
  summary: readonly string[];
  warnings: readonly string[];
  changed: boolean;
}

/** The registry's edit commands, as `provenant tui` hands them in; paths are relative to `root`. */
export type EditCommand = (request: EditRequest, root: string) => Promise<EditReport>;

export interface Outcome {
  message: string;
  tone: Tone;
  /** The annotations file changed: the list is read again. */
  changed: boolean;
}

export interface BrowserActions {
  perform(request: Request): Promise<Outcome>;
}

/** Gives the terminal to `run` (a full-screen program) and takes it back after, redrawn. */
export type Suspend = <T>(run: () => T) => T;

/** How an editor takes a line: `+LINE file` (the terminal editors), `-g file:line` (VS Code and its forks), `file:line`. */
const PLUS_LINE = new Set(['vi', 'vim', 'nvim', 'view', 'gvim', 'nano', 'pico', 'emacs', 'emacsclient', 'hx', 'helix', 'kak', 'micro', 'joe', 'mg', 'ne']);
const GOTO_FLAG = new Set(['code', 'code-insiders', 'codium', 'vscodium', 'cursor', 'windsurf']);
const COLON_LINE = new Set(['subl', 'sublime_text', 'zed', 'mate']);

export interface EditorCall {
  /** The editor as set, run by the shell as git runs it (it may carry flags: `code -w`). */
  command: string;
  /** Its program name, for messages and to choose how the line is given. */
  name: string;
  args: string[];
  /** The editor has no known way to be told the line. */
  lineIgnored: boolean;
}

/** How to open `file` at `line` with the editor `env` names, or why it cannot be opened. */
export function editorCall(env: NodeJS.ProcessEnv, file: string, line: number): EditorCall | string {
  const command = [env.VISUAL, env.EDITOR].map((v) => v?.trim()).find((v) => v);
  if (!command) return 'no editor: set $VISUAL or $EDITOR (e.g. export EDITOR=vim)';
  const first = command.split(/\s+/)[0] ?? command;
  const name = path.basename(first.replace(/^["']|["']$/g, '')).replace(/\.exe$/i, '');
  if (PLUS_LINE.has(name)) return { command, name, args: [`+${line}`, file], lineIgnored: false };
  if (GOTO_FLAG.has(name)) return { command, name, args: ['-g', `${file}:${line}`], lineIgnored: false };
  if (COLON_LINE.has(name)) return { command, name, args: [`${file}:${line}`], lineIgnored: false };
  return { command, name, args: [file], lineIgnored: true };
}

function openInEditor(root: string, env: NodeJS.ProcessEnv, suspend: Suspend, file: string, line: number): Outcome {
  const call = editorCall(env, file, line);
  if (typeof call === 'string') return { message: call, tone: 'error', changed: false };
  // through the shell, as git runs $EDITOR: the variable may hold flags or a quoted path
  const result = suspend(() => spawnSync('/bin/sh', ['-c', `${call.command} "$@"`, call.command, ...call.args], { cwd: root, env, stdio: 'inherit' }));
  const where = `${file}${call.lineIgnored ? '' : `:${line}`}`;
  if (result.error) return { message: `could not start the editor \`${call.command}\`: ${errorMessage(result.error)}`, tone: 'error', changed: false };
  if (result.signal) return { message: `the editor \`${call.command}\` was stopped by ${result.signal}`, tone: 'error', changed: false };
  if (result.status === 127) return { message: `the editor \`${call.command}\` was not found (check $VISUAL / $EDITOR)`, tone: 'error', changed: false };
  if (result.status !== 0) return { message: `the editor \`${call.command}\` exited with status ${result.status} on ${where}`, tone: 'error', changed: false };
  return { message: `back from ${call.name} (${where}${call.lineIgnored ? `; ${call.name} takes no line number` : ''})`, tone: 'note', changed: false };
}

async function edit(command: EditCommand | undefined, request: EditRequest, root: string): Promise<Outcome> {
  if (!command) return { message: 'editing the registry is not available here', tone: 'error', changed: false };
  try {
    const report = await command(request, root);
    const changes = report.summary.slice(1).join('; ');
    const warned = report.warnings.length ? `  (warning: ${report.warnings.join('; ')})` : '';
    return { message: `${report.summary[0] ?? 'done'}${changes ? ` — ${changes}` : ''}${warned}`, tone: report.changed ? 'done' : 'note', changed: report.changed };
  } catch (error) {
    // a held lock, a replacement deprecated meanwhile, a commit git does not know: said, not thrown
    return { message: errorMessage(error).split('\n')[0] ?? 'the edit failed', tone: 'error', changed: false };
  }
}

export function browserActions(options: { root: string; env: NodeJS.ProcessEnv; edit?: EditCommand; suspend: Suspend }): BrowserActions {
  return {
    perform: async (request) => {
      if (request.kind !== 'editor') return edit(options.edit, request, options.root);
      try {
        return openInEditor(options.root, options.env, options.suspend, request.path, request.line);
      } catch (error) {
        return { message: `the editor could not be run: ${errorMessage(error)}`, tone: 'error', changed: false };
      }
    },
  };
}
