/**
 * Worker threads for the parse-bound part of a cold audit: tree-sitter parse and Python extraction, three
 * quarters of a cold run on ML code, independent per file. Used only when many files need parsing and the
 * machine has more than one core; a hook run parsing a staged file never starts one.
 *
 * A worker that dies (a crash in the parser, an out-of-memory abort) loses the files it held: they are
 * reported as not analysed, a new worker takes its place (at most `MAX_RESPAWNS` times), and the run goes on.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';
import { packageRoot } from '../core/paths.js';
import type { SuppressionFact } from './facts.js';
import type { CheckTask, Derived, ParseAnswer, ParseTask, WorkerTask } from './parse-worker.js';

/** Overrides the number of parse workers (0: none); for benchmarks and tests. */
export const WORKERS_ENV = 'PROVENANT_PARSE_WORKERS';
/** Fewer files than this are parsed on the main thread: a worker's start-up would cost more than it saves. */
export const MIN_PARALLEL_FILES = 300;
/** Files one worker is given before it answers the first: it never waits for the next one. */
const IN_FLIGHT = 2;
const MAX_RESPAWNS = 3;
/** Set by the fast start when it keeps the parser on V8's baseline tier (`--liftoff-only`). */
export const LIFTOFF_ONLY = Symbol.for('provenant.liftoffOnly');
/** What lifts it for the workers; setting `--liftoff-only` again restores every one of them. */
const TIER_UP = ['--no-liftoff-only', '--wasm-tier-up', '--wasm-dynamic-tiering'];
/** How far V8 lets each heap grow past what survived a collection while the pool is open (0: its default). */
const HEAP_GROWING_PERCENT = 25;
/** Pools open in this process. */
let openPools = 0;

/** A file a worker held when it died, or one its parser threw on (it is reported, not analysed). */
export class WorkerLost extends Error {
  override readonly name = 'WorkerLost';
}

/**
 * How many workers to parse `files` files with: none below `MIN_PARALLEL_FILES` or on one core, else one per
 * core up to 8 (the main thread reads, prefilters and runs rules meanwhile). `PROVENANT_PARSE_WORKERS` overrides.
 */
export function poolSize(files: number, cores = os.availableParallelism(), override = process.env[WORKERS_ENV]): number {
  if (files === 0) return 0;
  if (override !== undefined && /^\d+$/.test(override.trim())) return Math.min(Number(override), 16);
  if (files < MIN_PARALLEL_FILES || cores < 2) return 0;
  return Math.min(cores, 8);
}

/** The worker script: the bundle beside the audit's when built, else the package module. */
function workerFile(): string | null {
  const root = packageRoot();
  for (const file of [path.join(root, 'dist', 'bundle', 'audit-worker.cjs'), path.join(root, 'dist', 'src', 'audit', 'audit-worker.js')]) {
    if (existsSync(file)) return file;
  }
  return null;
}

/** A file's facts as a worker sent them: JSON text, or deflated JSON to keep; with its loader summary when asked. */
export type FactsPayload = ({ json: string } | { packed: Buffer } | { factless: true }) & Derived;

/** A file a worker checked: its results as JSON text, its facts for the cache when asked, the worker's warnings. */
export interface CheckPayload {
  results: string;
  /** The worker parsed the file (else it was sent the facts a worker had sent before). */
  parsed: boolean;
  facts?: string;
  warnings?: string[];
}

type Sent = Omit<ParseTask, 'id'> | Omit<CheckTask, 'id'>;

interface Task {
  id: number;
  path: string;
  message: Sent;
  transfer: ArrayBuffer[];
  resolve(answer: FactsPayload | CheckPayload): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Task>;
  /** Its parser aborted on a file (reported): it takes nothing more, and what it still held goes to another. */
  retiring: boolean;
}

/** A task sent again: facts it carried went to the worker that gave it back, so the file is parsed anew. */
function unpacked(task: Task): Task {
  if (task.message.kind !== 'check' || !task.message.packed) return task;
  const { packed: _gone, ...message } = task.message;
  return { ...task, message, transfer: [] };
}

export class ParsePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 0;
  private respawns = 0;
  private closed = false;
  private readonly liftoffLifted: boolean;
  private context: WorkerTask | null = null;

  private constructor(
    private readonly file: string,
    size: number,
  ) {
    // the baseline tier suits one staged file; thousands of files repay V8's optimising tier, so the workers'
    // parser gets it (the flag is restored on close: the code cache is keyed by the flags). `--liftoff-only`
    // turned tier-up off as it was set, and clearing it does not turn it back on: that takes its own flags.
    const flags = globalThis as { [LIFTOFF_ONLY]?: boolean };
    this.liftoffLifted = flags[LIFTOFF_ONLY] === true;
    // the flags are the process's: set by the first pool open, restored when the last one closes
    if (openPools++ === 0) {
      if (this.liftoffLifted) for (const flag of TIER_UP) v8.setFlagsFromString(flag);
      // a run this large makes garbage fast (every file's facts decoded, read once, dropped), and V8 lets a heap
      // grow up to fourfold before collecting it again: a quarter keeps the peak near what is alive, for every
      // thread, at no measurable cost in time (at 50k files, 946 MB → 617 MB peak RSS)
      v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
    }
    for (let i = 0; i < size; i++) this.spawn();
  }

  /** A pool of `size` workers, or null when there is no worker script (a source checkout never built). */
  static open(size: number): ParsePool | null {
    const file = workerFile();
    return size > 0 && file ? new ParsePool(file, size) : null;
  }

  get size(): number {
    return this.slots.length;
  }

  /** The facts of a Python file, parsed in a worker; rejects with `WorkerLost` when its worker died. */
  extract(
    filePath: string,
    text: string,
    options: { pack?: boolean; summarize?: boolean; part?: boolean; check?: boolean; factless?: boolean; suppressions?: SuppressionFact[] } = {},
  ): Promise<FactsPayload> {
    const { pack = false, summarize = false, part = false, check = false, factless = false, suppressions } = options;
    const task = { kind: 'parse' as const, path: filePath, text, pack, summarize, part, check, ...(factless && { factless }), ...(suppressions && { suppressions }) };
    return this.run(task, []) as Promise<FactsPayload>;
  }

  /**
   * The results of a Python file's file rules, checked in a worker from the facts it sent earlier (deflated) or
   * parsed now; `setContext` must have been called. Rejects with `WorkerLost` when its worker died.
   */
  check(filePath: string, text: string, packed: Buffer | undefined, suppressions: SuppressionFact[], keepFacts: boolean): Promise<CheckPayload> {
    // a copy of its own, moved: the buffer may be a view into a larger one
    const moved = packed && new Uint8Array(packed);
    const message: Sent = { kind: 'check', path: filePath, text, suppressions, keepFacts, ...(moved && { packed: moved }) };
    return this.run(message, moved ? [moved.buffer] : []) as Promise<CheckPayload>;
  }

  /** What the workers' checks need to know of the run: sent to every worker, and to any that replaces one. */
  setContext(context: unknown): void {
    this.context = { kind: 'context', context };
    for (const slot of this.slots) slot.worker.postMessage(this.context);
  }

  private run(message: Sent, transfer: ArrayBuffer[]): Promise<FactsPayload | CheckPayload> {
    return new Promise((resolve, reject) => {
      if (this.closed) {
        reject(new WorkerLost('the parse workers were closed'));
        return;
      }
      // no worker left and none to come: nothing would ever take it (and nothing keeps the process waiting)
      if (this.slots.length === 0 && this.respawns >= MAX_RESPAWNS) {
        reject(new WorkerLost('every parse worker stopped'));
        return;
      }
      this.queue.push({ id: this.nextId++, path: message.path, message, transfer, resolve, reject });
      this.pump();
    });
  }

  /** Ends every worker; what they still held is rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(new WorkerLost('the parse workers were closed'));
    const slots = this.slots.splice(0);
    if (--openPools === 0) {
      if (this.liftoffLifted) v8.setFlagsFromString('--liftoff-only');
      v8.setFlagsFromString('--heap-growing-percent=0');
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private spawn(): void {
    // what the wasm runtime prints when it aborts ("Aborted()") is not for the user: the file's skip says it
    const worker = new Worker(this.file, { stdout: true, stderr: true });
    worker.stdout.resume();
    worker.stderr.resume();
    const slot: Slot = { worker, inFlight: new Map(), retiring: false };
    if (this.context) worker.postMessage(this.context);
    worker.unref();
    worker.on('message', (answer: ParseAnswer) => {
      const task = slot.inFlight.get(answer.id);
      if (!task) return;
      slot.inFlight.delete(answer.id);
      if ('retry' in answer) this.queue.unshift(unpacked(task));
      else if ('parsed' in answer) task.resolve(answer);
      else if ('json' in answer || 'factless' in answer) {
        const { id: _id, ...payload } = answer;
        task.resolve(payload);
      } else if ('packed' in answer) {
        const { id: _id, packed, ...derived } = answer;
        task.resolve({ ...derived, packed: Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength) });
      } else {
        if ('rule' in answer && answer.rule) {
          // a rule that throws is a bug of provenant's, as on the main thread: the run ends with it
          task.reject(new Error(`a rule failed on ${task.path} in a parse worker: ${answer.error}`));
          this.pump();
          return;
        }
        slot.retiring ||= answer.fatal;
        const why = answer.error.split(/[\n.]/)[0] ?? '';
        task.reject(new WorkerLost(answer.fatal ? `the tree-sitter parser aborted on it (${why}; a file this large can exhaust its memory)` : `the parser failed: ${why}`));
      }
      this.pump();
    });
    // an uncaught error in the worker is followed by its exit, which settles its files
    worker.on('error', () => undefined);
    worker.on('exit', (code) => {
      const at = this.slots.indexOf(slot);
      if (at !== -1) this.slots.splice(at, 1);
      // a worker retired after a reported abort held nothing of its own: what it held is parsed elsewhere
      if (slot.retiring) this.queue.unshift(...[...slot.inFlight.values()].map(unpacked));
      else for (const task of slot.inFlight.values()) task.reject(new WorkerLost(`its parse worker stopped (exit code ${code})`));
      slot.inFlight.clear();
      if (this.closed) return;
      if (slot.retiring || this.respawns < MAX_RESPAWNS) {
        if (!slot.retiring) this.respawns++;
        this.spawn();
      } else if (this.slots.length === 0) {
        for (const task of this.queue.splice(0)) task.reject(new WorkerLost('every parse worker stopped'));
      }
      this.pump();
    });
    this.slots.push(slot);
  }

  /** Hands queued files to workers with room; a worker holding files keeps the process alive. */
  private pump(): void {
    for (const slot of this.slots) {
      while (!slot.retiring && slot.inFlight.size < IN_FLIGHT && this.queue.length) {
        const task = this.queue.shift() as Task;
        slot.inFlight.set(task.id, task);
        slot.worker.postMessage({ ...task.message, id: task.id } as WorkerTask, task.transfer);
      }
      if (slot.inFlight.size) slot.worker.ref();
      else slot.worker.unref();
    }
  }
}
