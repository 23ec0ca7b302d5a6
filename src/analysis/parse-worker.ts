/**
 * A parse worker: parses and extracts the Python files the main thread sends (parse-pool.ts) and sends their
 * facts back. Built both as a module of the package (dist/src/analysis/parse-worker.js) and as a bundle of
 * its own (dist/bundle/parse-worker.cjs) beside the audit's, so that it starts without a module graph.
 */
import { parentPort } from 'node:worker_threads';
import { deflateRawSync } from 'node:zlib';
import { loadPythonFrontEnd } from './python/index.js';

export interface ParseTask {
  id: number;
  path: string;
  text: string;
  /** The facts will wait a while before they are read again: send them deflated (a tenth of the size). */
  pack: boolean;
}

/** Facts cross as JSON text (cheaper to send and read than a structured clone of the object graph), or deflated. */
export type ParseAnswer =
  | { id: number; json: string }
  | { id: number; packed: Uint8Array }
  /** `fatal`: the parser aborted (a wasm trap, such as running out of its memory on a huge file) and this worker ends. */
  | { id: number; error: string; fatal: boolean }
  /** Not parsed: the worker's parser had aborted on an earlier file; another worker takes it. */
  | { id: number; retry: true };

/** A test hook: a worker given a file whose path contains this text exits at once, as a crashed worker does. */
export const CRASH_ENV = 'PROVENANT_TEST_CRASH_PARSE_WORKER';

const port = parentPort;
if (port) {
  const frontEnd = loadPythonFrontEnd();
  const crashOn = process.env[CRASH_ENV];
  let aborted = false;
  port.on('message', (task: ParseTask) => {
    if (crashOn && task.path.includes(crashOn)) process.exit(70);
    frontEnd.then(
      (fe) => {
        if (aborted) {
          port.postMessage({ id: task.id, retry: true } satisfies ParseAnswer);
          return;
        }
        let answer: ParseAnswer;
        const transfer: ArrayBuffer[] = [];
        try {
          const json = JSON.stringify(fe.extract(task.text, task.path));
          if (task.pack) {
            // zlib's output sits in a buffer of its chunk size (16 KiB), three times what it holds: a copy of
            // its own size crosses instead, moved rather than cloned
            const packed = new Uint8Array(deflateRawSync(json, { level: 1 }));
            transfer.push(packed.buffer);
            answer = { id: task.id, packed };
          } else answer = { id: task.id, json };
        } catch (error) {
          // after a wasm trap the parser's memory is in no known state: this worker parses nothing more
          aborted = error instanceof Error && error.name === 'RuntimeError';
          answer = { id: task.id, error: error instanceof Error ? error.message : String(error), fatal: aborted };
          if (aborted) setTimeout(() => process.exit(71), 50);
        }
        port.postMessage(answer, transfer);
      },
      (error: unknown) => port.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error), fatal: false }),
    );
  });
}
