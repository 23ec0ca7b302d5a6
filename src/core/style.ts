/** ANSI styling that switches itself off for NO_COLOR, dumb terminals and non-TTY output. */
export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  blue(s: string): string;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
const plain = (s: string) => s;

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Style {
  const on = Boolean(stream.isTTY) && !('NO_COLOR' in env && env.NO_COLOR !== '') && env.TERM !== 'dumb';
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && !('NO_COLOR' in env && env.NO_COLOR !== '');
  if (!on && !force) return { bold: plain, dim: plain, red: plain, yellow: plain, cyan: plain, blue: plain };
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), blue: wrap(34, 39) };
}
