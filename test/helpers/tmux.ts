/**
 * A private tmux server for end-to-end tests of the terminal views: start the built binary in a pane of
 * a given size, type into it, and read the screen as a person would see it (capture-pane). Every wait
 * polls the screen, since the terminal draws asynchronously, and fails with the last screen it saw.
 */
import { spawnSync } from 'node:child_process';
import { BIN } from './exec.js';

export const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;

const WAIT_MS = 30_000;

export interface TmuxServer {
  /** Runs a tmux command on this server and returns its stdout; throws on failure. */
  run(...args: string[]): string;
  /**
   * Starts `provenant ARGS` in a new session: ink draws only a last frame where it detects CI, so those
   * variables are cleared; `env` is put in front of the binary (`NO_COLOR=1`, `-u EDITOR`); after the
   * binary the shell says how it exited and stays, so the last screen can be read.
   */
  start(session: string, options: { cwd: string; args?: string; env?: string; columns?: number; rows?: number }): void;
  /** Presses keys: each a tmux key name (`Enter`, `Escape`, `C-u`, `NPage`) or a run of characters. */
  keys(session: string, ...keys: string[]): void;
  /** Types `text` literally (no key names). */
  type(session: string, text: string): void;
  screen(session: string): string;
  /** Waits until every text is on the screen (a pattern: matches it) and returns the screen. */
  until(session: string, ...texts: (string | RegExp)[]): Promise<string>;
  /** Waits until the whole screen (without its last newline) is `expected`; returns the last screen either way. */
  untilScreen(session: string, expected: string): Promise<string>;
  kill(): void;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function tmuxServer(name: string): TmuxServer {
  const socket = `${name}-${process.pid}`;
  const run = (...args: string[]): string => {
    const r = spawnSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const screen = (session: string): string => run('capture-pane', '-p', '-t', session);
  return {
    run,
    start(session, { cwd, args = 'tui', env = 'NO_COLOR=1', columns = 100, rows = 30 }) {
      const command = `env -u CI -u CONTINUOUS_INTEGRATION ${env} '${process.execPath}' '${BIN}' ${args}; echo "tui exited $?"; sleep 600`;
      run('new-session', '-d', '-x', String(columns), '-y', String(rows), '-s', session, '-c', cwd, command);
    },
    keys(session, ...keys) {
      run('send-keys', '-t', session, ...keys);
    },
    type(session, text) {
      run('send-keys', '-t', session, '-l', text);
    },
    screen,
    async until(session, ...texts) {
      const deadline = Date.now() + WAIT_MS;
      let last = '';
      while (Date.now() < deadline) {
        last = screen(session);
        if (texts.every((t) => (typeof t === 'string' ? last.includes(t) : t.test(last)))) return last;
        await pause(100);
      }
      throw new Error(`the screen never showed ${texts.map(String).join(', ')}; it shows:\n${last}`);
    },
    async untilScreen(session, expected) {
      const deadline = Date.now() + WAIT_MS;
      let last = '';
      while (Date.now() < deadline) {
        last = screen(session).replace(/\n$/, '');
        if (last === expected) return last;
        await pause(100);
      }
      return last;
    },
    kill() {
      if (HAS_TMUX) spawnSync('tmux', ['-L', socket, 'kill-server']);
    },
  };
}
