/**
 * How `provenant pipeline run` shows progress on its stream (stderr: stdout stays for the summary).
 * On a terminal, outside CI and without `--plain`, a live ink view: ink and React load only then, and
 * the view is unmounted on every way out (`finish` draws the final frame and leaves it on the screen,
 * `close` tears it down after an error, ink's exit hook restores the cursor when a signal ends the
 * process between stages). Otherwise plain lines, one or two per event, as logs and CI want them.
 */
import type { PipelineRunResult, StageEvent } from '../pipeline/runner.js';
import { styleFor } from '../core/style.js';
import { createProgressStore } from './pipeline-progress.js';
import { renderStageEvent } from './pipeline-progress-text.js';

export interface PipelineViewOptions {
  stream: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
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
}

function loadInk(): Promise<[typeof import('ink'), typeof import('react'), typeof import('./PipelineProgress.js')]> {
  // React's development build checks every render and loads several times slower
  process.env.NODE_ENV ??= 'production';
  return Promise.all([import('ink'), import('react'), import('./PipelineProgress.js')]);
}

/** A live view needs a terminal that moves its cursor, and no CI (ink draws only a last frame there). */
export function wantsLiveView(options: Pick<PipelineViewOptions, 'stream' | 'env' | 'plain'>): boolean {
  const ci = options.env.CI ?? options.env.CONTINUOUS_INTEGRATION;
  const inCi = ci !== undefined && ci !== '0' && ci !== 'false';
  return Boolean(options.stream.isTTY) && !options.plain && !inCi && options.env.TERM !== 'dumb';
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
  };
}

async function startLive(options: PipelineViewOptions): Promise<PipelineView> {
  const [{ render }, { createElement }, { PipelineProgress }] = await loadInk();
  const stream = options.stream as NodeJS.WriteStream;
  const color = styleFor(stream, options.env).red('x') !== 'x';
  const store = createProgressStore(Date.now());
  const instance = render(createElement(PipelineProgress, { store, color, spec: options.spec, smoke: options.smoke }), {
    stdout: stream,
    // stdin belongs to the stage's command (it inherits the terminal); the view reads no keys
    exitOnCtrlC: false,
    patchConsole: false,
  });
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    instance.unmount();
    instance.cleanup();
  };
  return {
    onEvent: (event) => store.dispatch({ type: 'event', event, at: Date.now() }),
    warn: (message) => store.dispatch({ type: 'warn', message }),
    async finish(result) {
      store.dispatch({ type: 'result', result, at: Date.now() });
      // let React commit the result before ink draws its last frame
      await new Promise((resolve) => setImmediate(resolve));
      close();
      await instance.waitUntilExit();
    },
    close,
  };
}
