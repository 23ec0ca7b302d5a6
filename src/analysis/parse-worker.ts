/**
 * What the main thread and a parse worker say to each other (parse-pool.ts), and the parse itself. The worker
 * (audit/audit-worker.ts) parses and extracts the Python files it is sent and sends their facts back; once the
 * audit has told it what its rules need, it also checks the files itself and sends only their results.
 */
import { packFacts } from './packed-facts.js';
import type { FileFacts, SuppressionFact } from './facts.js';

export interface ParseTask {
  kind: 'parse';
  id: number;
  path: string;
  text: string;
  /** The facts will wait a while before they are read again: send them deflated (a tenth of the size). */
  pack: boolean;
  /** The file's suppressions, which its facts carry (the main thread read them); else the facts' own. */
  suppressions?: SuppressionFact[];
  /** Send what loader inference needs of the file beside its facts. */
  summarize: boolean;
  /** Send what the registry keeps of the file beside its facts (its entry's part). */
  part: boolean;
  /** Check the file too, with what the worker was told of the run so far (the main thread may discard it). */
  check: boolean;
  /**
   * Send no facts, only what was asked beside them: nothing will read them (no cache to keep them in, and the
   * check or the summary says all the run needs); a file whose check must be made again is parsed again.
   */
  factless?: boolean;
}

export interface CheckTask {
  kind: 'check';
  id: number;
  path: string;
  text: string;
  /** The file's facts as a worker sent them earlier, deflated; else the file is parsed now. */
  packed?: Uint8Array;
  suppressions: SuppressionFact[];
  /** Send the facts parsed now beside the results, for the cache. */
  keepFacts: boolean;
}

/** What the worker's checks need to know of the run (the audit's `CheckerData`); answered by nothing. */
export interface ContextTask {
  kind: 'context';
  context: unknown;
}

export type WorkerTask = ParseTask | CheckTask | ContextTask;

/** What a parse task asked to be sent beside the facts, computed from them in the worker. */
export interface Derived {
  summary?: unknown;
  part?: unknown;
  /** A check's results as JSON text, and what the worker had to warn about. */
  results?: string;
  warnings?: string[];
}

/** Facts cross as JSON text (cheaper to send and read than a structured clone of the object graph), or deflated. */
export type ParseAnswer =
  | ({ id: number; json: string } & Derived)
  | ({ id: number; factless: true } & Derived)
  | ({ id: number; packed: Uint8Array } & Derived)
  /**
   * A check: the file's results as JSON text, its facts when asked for, what the worker had to warn about, and
   * whether it parsed the file (else it was sent the facts).
   */
  | { id: number; results: string; facts?: string; warnings?: string[]; parsed: boolean }
  /**
   * `fatal`: the parser aborted (a wasm trap, such as running out of its memory on a huge file) and this worker
   * ends. `rule`: a rule threw while checking the file (its stack in `error`).
   */
  | { id: number; error: string; fatal: boolean; rule?: true }
  /** Not parsed: the worker's parser had aborted on an earlier file; another worker takes it. */
  | { id: number; retry: true };

/** A test hook: a worker given a file whose path contains this text exits at once, as a crashed worker does. */
export const CRASH_ENV = 'PROVENANT_TEST_CRASH_PARSE_WORKER';

/** A parse task's answer, and what crosses by transfer rather than by copy. */
export function parseAnswer(
  extract: (text: string, path: string) => FileFacts,
  task: ParseTask,
  derive: (facts: FileFacts, task: ParseTask) => Derived,
): { answer: ParseAnswer; transfer: ArrayBuffer[] } {
  const facts = extract(task.text, task.path);
  if (task.suppressions) facts.suppressions = task.suppressions;
  const derived = derive(facts, task);
  if (task.factless) return { answer: { id: task.id, factless: true, ...derived }, transfer: [] };
  const json = JSON.stringify(facts);
  if (!task.pack) return { answer: { id: task.id, json, ...derived }, transfer: [] };
  const packed = packFacts(json);
  return { answer: { id: task.id, packed, ...derived }, transfer: [packed.buffer] };
}
