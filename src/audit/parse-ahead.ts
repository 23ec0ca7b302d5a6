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
  private members: Set<E>;
  private order: E[];
  private readonly handedOut = new Set<E>();
  /** Handed out and not answered yet. */
  private unanswered = 0;

  constructor(
    private readonly workers: number,
    /** Every file to hand out, in the order the run is expected to ask for them. */
    order: readonly E[],
    /** Hands one file to the workers. */
    private readonly send: (e: E) => Promise<A>,
  ) {
    this.order = [...order];
    this.members = new Set(order);
  }

  /**
   * While the run is still finding its files: `e` is handed out, in turn, as the workers have room, however many
   * answers wait (they are small, and the workers are slower than the finding). `fill` with no argument again
   * once `reorder` gave the whole order.
   */
  add(e: E): void {
    this.members.add(e);
    this.order.push(e);
  }

  /** The whole order, once known: files already handed out are not handed out again. */
  reorder(order: readonly E[]): void {
    this.order = [...order];
    this.cursor = 0;
    this.members = new Set([...this.members, ...order]);
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

  /** Hands out files up to the window: of answers not taken yet, or (`eager`) of files not answered yet. */
  fill(eager = false): void {
    const window = Math.max(1, this.workers) * WINDOW_PER_WORKER;
    while ((eager ? this.unanswered : this.pending.size) < window && this.cursor < this.order.length) {
      const e = this.order[this.cursor++] as E;
      if (!this.handedOut.has(e)) this.dispatch(e);
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
    this.unanswered++;
    // settled by whoever takes it; a file never taken must not count as an unhandled rejection
    got.then(
      () => this.unanswered--,
      () => this.unanswered--,
    );
    this.pending.set(e, got);
    return got;
  }
}
