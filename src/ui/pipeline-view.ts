/**
 * How `provenant pipeline run` shows progress on its stream (stderr: stdout stays for the summary).
 * On a terminal, outside CI and without `--plain`, a live ink view: ink and React load only then, and
 * the view is unmounted on every way out (`finish` draws the final frame and leaves it on the screen,
 * `close` tears it down after an error, ink's exit hook restores the cursor when a signal ends the
 * process between stages). Otherwise plain lines, one or two per event, as logs and CI want them.
 */
import type { Instance } from 'ink';
import type { PipelineRunResult, StageEvent } from '../pipeline/runner.js';
import { styleFor } from '../core/style.js';
import { createProgressStore } from './pipeline-progress.js';
import { renderStageEvent } from './pipeline-progress-text.js';

export interface PipelineViewOptions {
  stream: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean; rows?: number };
  env: NodeJS.ProcessEnv;
  /** The spec as the user named it, for the header. */
  spec: string;
  smoke: boolean;
  /** Plain lines even on a terminal. */
  plain?: boolean;
}

export interface PipelineView {
  onEvent(event: StageEvent): void;
  /** A warning above the live frame (a plain write to the stream would be drawn over). */
  warn(message: string): void;
  /** Draws the result, leaves the last frame on the screen and unmounts. */
  finish(result: PipelineRunResult): Promise<void>;
  /** Unmounts without a result (the run threw); safe to call after `finish`. */
  close(): void;
  /**
   * Leaves the terminal to the caller (a question on Ctrl-C): the live view is taken down with its last
   * frame, and what follows is written as plain lines.
   */
  toPlain(): void;
}

function loadInk(): Promise<[typeof import('ink'), typeof import('react'), typeof import('./PipelineProgress.js')]> {
  // React's development build checks every render and loads several times slower
  process.env.NODE_ENV ??= 'production';
  return Promise.all([import('ink'), import('react'), import('./PipelineProgress.js')]);
}

/**
 * A live view needs a terminal that moves its cursor and says how tall it is (ink clears the whole
 * screen, scrollback too, on every frame of a terminal it thinks has no rows), and no CI (ink draws
 * only a last frame there).
 */
export function wantsLiveView(options: Pick<PipelineViewOptions, 'stream' | 'env' | 'plain'>): boolean {
  const ci = options.env.CI ?? options.env.CONTINUOUS_INTEGRATION;
  const inCi = ci !== undefined && ci !== '0' && ci !== 'false';
  const sized = (options.stream.rows ?? 0) > 0;
  return Boolean(options.stream.isTTY) && sized && !options.plain && !inCi && options.env.TERM !== 'dumb';
}

export async function startPipelineView(options: PipelineViewOptions): Promise<PipelineView> {
  return wantsLiveView(options) ? startLive(options) : plainView(options.stream);
}

function plainView(stream: PipelineViewOptions['stream']): PipelineView {
  return {
    onEvent: (event) => void stream.write(renderStageEvent(event)),
    warn: (message) => void stream.write(`provenant: warning: ${message}\n`),
    finish: async () => undefined,
    close: () => undefined,
    toPlain: () => undefined,
  };
}

function startLive(options: PipelineViewOptions): PipelineView {
  const stream = options.stream as NodeJS.WriteStream;
  const color = styleFor(stream, options.env).red('x') !== 'x';
  const store = createProgressStore(Date.now());
  let closed = false;
  let instance: Instance | null = null;
  // the run starts while ink and React load (about half a second): the store keeps what happens meanwhile
  // and the first frame shows it
  const mounted = loadInk().then(([{ render }, { createElement }, { PipelineProgress }]) => {
    if (closed) return null;
    instance = render(createElement(PipelineProgress, { store, color, spec: options.spec, smoke: options.smoke }), {
      stdout: stream,
      // stdin belongs to the stage's command (it inherits the terminal); the view reads no keys
      exitOnCtrlC: false,
      patchConsole: false,
    });
    return instance;
  });
  // a failure to load surfaces in `finish`, where it is awaited; after `close` the run's own error matters
  mounted.catch(() => undefined);
  let drawnResult = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    // an error before any stage leaves nothing worth a frame above its message; after some it is the record
    if (!drawnResult && store.getState().stages.length === 0) instance?.rerender(null);
    instance?.unmount();
    instance?.cleanup();
  };
  let plain: PipelineView | null = null;
  return {
    onEvent: (event) => (plain ? plain.onEvent(event) : store.dispatch({ type: 'event', event, at: Date.now() })),
    warn: (message) => (plain ? plain.warn(message) : store.dispatch({ type: 'warn', message })),
    toPlain() {
      if (plain) return;
      drawnResult = true;
      close();
      plain = plainView(stream);
    },
    async finish(result) {
      if (plain) return;
      store.dispatch({ type: 'result', result, at: Date.now() });
      const shown = await mounted;
      if (!shown) return;
      // let React commit the result before ink draws its last frame
      await new Promise((resolve) => setImmediate(resolve));
      drawnResult = true;
      close();
      await shown.waitUntilExit();
    },
    close,
  };
}
