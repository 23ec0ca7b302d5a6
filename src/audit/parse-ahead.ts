/**
 * Parsing ahead of the audit's rules: the Python files the run will ask facts of are handed to the parse
 * workers (analysis/parse-pool.ts) in the order the run asks for them, a bounded window ahead, so the workers
 * parse while the main thread runs rules, and at most a window's worth of facts waits in memory.
 */
import type { FactsPayload, ParsePool } from '../analysis/parse-pool.js';

/** Files handed out per worker beyond those already asked for. */
const WINDOW_PER_WORKER = 24;

export class ParseAhead<E> {
  private readonly pending = new Map<E, Promise<FactsPayload>>();
  private cursor = 0;
  private readonly members: ReadonlySet<E>;

  constructor(
    private readonly pool: ParsePool,
    /** Every file to parse, in the order the run is expected to ask for them. */
    private readonly order: readonly E[],
    private readonly input: (e: E) => { path: string; text: string; pack: boolean },
  ) {
    this.members = new Set(order);
  }

  get workers(): number {
    return this.pool.size;
  }

  /** Whether this file is parsed here (else the caller parses it on the main thread). */
  covers(e: E): boolean {
    return this.members.has(e);
  }

  /** Hands out files up to the window. */
  fill(): void {
    const window = Math.max(1, this.pool.size) * WINDOW_PER_WORKER;
    while (this.pending.size < window && this.cursor < this.order.length) {
      const e = this.order[this.cursor++] as E;
      if (!this.pending.has(e)) this.dispatch(e);
    }
  }

  /** The facts of a file: handed out earlier, else now (the run asked out of order). */
  take(e: E): Promise<FactsPayload> {
    const got = this.pending.get(e) ?? this.dispatch(e);
    this.pending.delete(e);
    this.fill();
    return got;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private dispatch(e: E): Promise<FactsPayload> {
    const { path, text, pack } = this.input(e);
    const got = this.pool.extract(path, text, pack);
    // settled by whoever takes it; a file never taken must not count as an unhandled rejection
    got.catch(() => undefined);
    this.pending.set(e, got);
    return got;
  }
}
