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
export type ParseAnswer = { id: number; json: string } | { id: number; packed: Uint8Array } | { id: number; error: string };

/** A test hook: a worker given a file whose path contains this text exits at once, as a crashed worker does. */
export const CRASH_ENV = 'PROVENANT_TEST_CRASH_PARSE_WORKER';

const port = parentPort;
if (port) {
  const frontEnd = loadPythonFrontEnd();
  const crashOn = process.env[CRASH_ENV];
  port.on('message', (task: ParseTask) => {
    if (crashOn && task.path.includes(crashOn)) process.exit(70);
    frontEnd.then(
      (fe) => {
        let answer: ParseAnswer;
        try {
          const json = JSON.stringify(fe.extract(task.text, task.path));
          answer = task.pack ? { id: task.id, packed: deflateRawSync(json, { level: 1 }) } : { id: task.id, json };
        } catch (error) {
          answer = { id: task.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
        }
        port.postMessage(answer);
      },
      (error: unknown) => port.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
}
