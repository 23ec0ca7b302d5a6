/**
 * Parsing ahead of the audit's rules: the Python files the run will ask about are handed to the parse workers
 * (analysis/parse-pool.ts) in the order the run asks for them, a bounded window ahead, so the workers parse
 * (and check) while the main thread goes on, and at most a window's worth of answers waits in memory.
 */

/** Files handed out per worker beyond those already asked for. */
const WINDOW_PER_WORKER = 24;

export class ParseAhead<E, A> {
  private readonly pending = new Map<E, Promise<A>>();
  private cursor = 0;
  private readonly members: ReadonlySet<E>;
  private readonly handedOut = new Set<E>();

  constructor(
    private readonly workers: number,
    /** Every file to hand out, in the order the run is expected to ask for them. */
    private readonly order: readonly E[],
    /** Hands one file to the workers. */
    private readonly send: (e: E) => Promise<A>,
  ) {
    this.members = new Set(order);
  }

  /** Whether this file is handed out here (else the caller deals with it). */
  covers(e: E): boolean {
    return this.members.has(e);
  }

  /** Whether this file was handed out and its answer not taken yet. */
  holds(e: E): boolean {
    return this.pending.has(e);
  }

  /** Whether this file was ever handed out. */
  sent(e: E): boolean {
    return this.handedOut.has(e);
  }

  /** Hands out files up to the window. */
  fill(): void {
    const window = Math.max(1, this.workers) * WINDOW_PER_WORKER;
    while (this.pending.size < window && this.cursor < this.order.length) {
      const e = this.order[this.cursor++] as E;
      if (!this.pending.has(e)) this.dispatch(e);
    }
  }

  /** Hands out nothing more on its own: what was handed out is still taken, and what is asked for is sent. */
  stop(): void {
    this.cursor = this.order.length;
  }

  /** The answer for a file: handed out earlier, else now (the run asked out of order). */
  take(e: E): Promise<A> {
    const got = this.pending.get(e) ?? this.dispatch(e);
    this.pending.delete(e);
    this.fill();
    return got;
  }

  private dispatch(e: E): Promise<A> {
    this.handedOut.add(e);
    const got = this.send(e);
    // settled by whoever takes it; a file never taken must not count as an unhandled rejection
    got.catch(() => undefined);
    this.pending.set(e, got);
    return got;
  }
}
