/**
 * A one-line progress bar for stderr while records are generated: redrawn in place on a terminal at most
 * ten times a second, silent when stderr is a file or a pipe (the final summary is printed either way).
 */

export interface ProgressStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  update(done: number, note?: string): void;
  finish(): void;
}

const WIDTH = 24;

export function progressBar(stream: ProgressStream | undefined, total: number, label: string): Progress {
  if (!stream?.isTTY || total === 0) return { update: () => undefined, finish: () => undefined };
  const started = Date.now();
  let last = 0;
  let drawn = false;
  const draw = (done: number, note: string): void => {
    const filled = Math.round((done / total) * WIDTH);
    const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
    stream.write(`\r${label} [${'#'.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${done}/${total} ${rate.toFixed(1)}/s${note ? ` ${note}` : ''}\x1b[K`);
    drawn = true;
  };
  return {
    update(done, note = '') {
      const now = Date.now();
      if (done < total && now - last < 100) return;
      last = now;
      draw(done, note);
    },
    finish() {
      if (drawn) stream.write('\n');
    },
  };
}
