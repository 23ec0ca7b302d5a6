/**
 * `provenant tui` from start to exit: open the registry (refreshing a stale index with a note on stderr),
 * then either print the plain table (stdout or stdin not a terminal) or run the ink browser on the
 * alternate screen, which is left again on every way out (q, Ctrl-C, an error, a signal) and while an
 * editor runs (`o`: the editor gets the main screen and a cooked terminal, the browser is redrawn after).
 * ink and React load only on the interactive path.
 */
import { styleFor } from '../../core/style.js';
import { browserActions, type EditCommand, type Suspend } from './actions.js';
import { openBrowse, type ArtifactSource, type BrowseSession } from './data.js';
import type { RegistryOptions } from '../../registry/build.js';
import { firstFrame } from './first-frame.js';
import { plainTable } from './plain.js';

export interface TuiStreams {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
  stdin?: { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export interface TuiOptions extends RegistryOptions, TuiStreams {
  /** false: browse the index as the last sync left it, without checking the tree. */
  refresh?: boolean;
  /** Fills the artifacts section of the detail pane (the provenance ledger plugs in here). */
  artifacts?: ArtifactSource;
  /** The registry's edit commands, for `d`, `c` and `b`; without it those keys say editing is not available. */
  edit?: EditCommand;
}

const ENTER_ALT = '\u001b[?1049h';
const LEAVE_ALT = '\u001b[?1049l\u001b[?25h';

function warn(stderr: TuiStreams['stderr'], messages: readonly string[]): void {
  for (const m of messages) stderr.write(`provenant: warning: ${m}\n`);
}

/**
 * ink, React and the components. React's development build (the default without NODE_ENV) checks and
 * measures every render, which takes several times longer to load and to draw a frame.
 */
function loadInk(): Promise<[typeof import('ink'), typeof import('react'), typeof import('./App.js')]> {
  process.env.NODE_ENV ??= 'production';
  return Promise.all([import('ink'), import('react'), import('./App.js')]);
}

/** Runs the browser (or prints the table) and returns the exit code. */
export async function runTui(options: TuiOptions): Promise<number> {
  const interactive = Boolean(options.stdout.isTTY) && Boolean((options.stdin ?? process.stdin).isTTY);
  // ink and React load once the first screen is up (browse): importing them is CPU work on this one
  // thread, so starting it earlier would only slow down reading the index
  const session = await openBrowse({
    cwd: options.cwd,
    ...(options.configPath === undefined ? {} : { configPath: options.configPath }),
    ...(options.isolated ? { isolated: true } : {}),
    ...(options.refresh === false ? { refresh: false } : {}),
    ...(options.artifacts ? { artifacts: options.artifacts } : {}),
    onSlowRefresh: () => options.stderr.write('provenant: files changed since the last registry sync; bringing the index up to date first…\n'),
  });
  try {
    warn(options.stderr, session.warnings);
    if (!interactive) {
      if (options.stdout.isTTY) options.stderr.write('provenant: stdin is not a terminal; printing the list instead of the browser\n');
      options.stdout.write(plainTable(session));
      return 0;
    }
    return await browse(session, options, loadInk);
  } finally {
    session.close();
  }
}

async function browse(session: BrowseSession, options: TuiOptions, load: typeof loadInk): Promise<number> {
  const stdout = options.stdout as NodeJS.WriteStream;
  const color = styleFor(stdout, options.env).red('x') !== 'x';
  let left = false;
  let instance: { unmount(): void; waitUntilExit(): Promise<unknown>; cleanup(): void } | null = null;
  const stdin = process.stdin;
  const leave = (): void => {
    if (left) return;
    left = true;
    if (stdin.isTTY && !instance) stdin.setRawMode(false);
    stdout.write(LEAVE_ALT);
  };
  // a crash or a signal must still give the terminal back its screen and cursor
  process.once('exit', leave);
  const stop = (): void => (instance ? instance.unmount() : leave());
  process.once('SIGTERM', stop);
  process.once('SIGHUP', stop);
  // the editor runs synchronously: ink reads no key meanwhile, and gets its raw mode and screen back after
  const suspend: Suspend = (run) => {
    stdout.write(LEAVE_ALT);
    if (stdin.isTTY) stdin.setRawMode(false);
    try {
      return run();
    } finally {
      if (stdin.isTTY) stdin.setRawMode(true);
      // a cleared screen with the cursor home: ink's next frame (the editor's notice) is drawn whole over it
      stdout.write(`${ENTER_ALT}\u001b[2J\u001b[H\u001b[?25l`);
    }
  };
  const actions = browserActions({ root: session.root, env: options.env, suspend, ...(options.edit ? { edit: options.edit } : {}) });
  try {
    // the first screen goes up now, from the same lines the components draw; ink draws over it once
    // loaded. Keys pressed meanwhile wait unechoed in the terminal (raw mode) until ink reads them.
    if (stdin.isTTY) stdin.setRawMode(true);
    stdout.write(`${ENTER_ALT}\u001b[H${firstFrame(session, { columns: stdout.columns || 80, rows: stdout.rows || 24 }, color)}\u001b[H`);
    const [{ render }, { createElement }, { App }] = await load();
    // ink's incremental mode moves the cursor one line short over a frame that ends in a newline, so every
    // redraw landed a line low (header gone, two cursors, footers stacked); whole frames are redrawn instead
    instance = render(createElement(App, { source: session, color, actions }), { stdout, exitOnCtrlC: true, patchConsole: true, maxFps: 60 });
    await instance.waitUntilExit();
    return 0;
  } finally {
    process.off('SIGTERM', stop);
    process.off('SIGHUP', stop);
    instance?.cleanup();
    leave();
    process.off('exit', leave);
  }
}
