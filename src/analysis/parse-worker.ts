/**
 * A parse worker: parses and extracts the Python files the main thread sends (parse-pool.ts) and sends their
 * facts back. Built both as a module of the package (dist/src/analysis/parse-worker.js) and as a bundle of
 * its own (dist/bundle/parse-worker.cjs) beside the audit's, so that it starts without a module graph.
 */
import { parentPort } from 'node:worker_threads';
import type { FileFacts } from './facts.js';
import { loadPythonFrontEnd } from './python/index.js';

export interface ParseTask {
  id: number;
  path: string;
  text: string;
}

export type ParseAnswer = { id: number; facts: FileFacts } | { id: number; error: string };

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
          answer = { id: task.id, facts: fe.extract(task.text, task.path) };
        } catch (error) {
          answer = { id: task.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
        }
        port.postMessage(answer);
      },
      (error: unknown) => port.postMessage({ id: task.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
}
