/**
 * A parse worker (analysis/parse-pool.ts): parses and extracts the Python files the main thread sends and
 * sends their facts back, with what loader inference or the registry needs of them when asked. Once told what the run's rules
 * need (`context`), it checks files too: their facts stay here and only their results cross. Built both as a
 * module of the package (dist/src/audit/audit-worker.js) and as a bundle of its own
 * (dist/bundle/audit-worker.cjs) beside the audit's, so that it starts without a module graph.
 */
import { parentPort } from 'node:worker_threads';
import type { FileFacts } from '../analysis/facts.js';
import { unpackFacts } from '../analysis/packed-facts.js';
import { CRASH_ENV, parseAnswer, type CheckTask, type Derived, type ParseAnswer, type ParseTask, type WorkerTask } from '../analysis/parse-worker.js';
import { partOf } from '../registry/part.js';
import { frontEndOf, loaded } from '../analysis/front-ends.js';
import { checkerFromData, checkFile, type Checker, type CheckerData } from './check-file.js';
import { summarizeForLoaders } from './infer.js';
import { errorMessage } from '../core/errors.js';

const port = parentPort;
if (port) {
  const frontEnd = loaded(frontEndOf('python')).then((extract) => (text: string, path: string) => extract(text, path, 'python'));
  const crashOn = process.env[CRASH_ENV];
  let aborted = false;
  let checker: Checker | null = null;
  const warnings: string[] = [];
  port.on('message', (task: WorkerTask) => {
    if (task.kind === 'context') {
      checker = checkerFromData(task.context as CheckerData, (m) => warnings.push(m));
      return;
    }
    if (crashOn && task.path.includes(crashOn)) process.exit(70);
    frontEnd.then(
      (fe) => {
        if (aborted) {
          port.postMessage({ id: task.id, retry: true } satisfies ParseAnswer);
          return;
        }
        let answer: ParseAnswer;
        let transfer: ArrayBuffer[] = [];
        try {
          if (task.kind === 'parse') ({ answer, transfer } = parseAnswer(fe, task, (facts) => derive(facts, task, checker, warnings)));
          else if (checker) answer = check(fe, checker, task, warnings);
          else throw new Error('a check was asked for before the run said what its rules need');
        } catch (error) {
          // after a wasm trap the parser's memory is in no known state: this worker parses nothing more
          aborted = error instanceof Error && error.name === 'RuntimeError';
          answer = { id: task.id, error: errorMessage(error), fatal: aborted };
          if (aborted) setTimeout(() => process.exit(71), 50);
        }
        port.postMessage(answer, transfer);
      },
      (error: unknown) => port.postMessage({ id: task.id, error: errorMessage(error), fatal: false } satisfies ParseAnswer),
    );
  });
}

/**
 * What a parse task asked for beside the facts: the file's loader summary, its registry entry's part, its
 * results under what the worker knows of the run so far. A rule that throws here only leaves the results out:
 * the main thread checks the file again, and meets the error there.
 */
function derive(facts: FileFacts, task: ParseTask, checker: Checker | null, warnings: string[]): Derived {
  let results: string | undefined;
  if (task.check && checker) {
    try {
      results = JSON.stringify(checkFile(checker, { path: task.path, language: 'python', candidate: true, facts, source: () => task.text }));
    } catch {
      results = undefined;
    }
  }
  return {
    ...(task.summarize && { summary: summarizeForLoaders(facts) }),
    ...(task.part && { part: partOf(facts, task.text) }),
    ...(results !== undefined && { results }),
    ...(results !== undefined && warnings.length && { warnings: warnings.splice(0) }),
  };
}

/** Checks one file, from the facts sent with it or parsed now, as the main thread would have. */
function check(extract: (text: string, path: string) => FileFacts, checker: Checker, task: CheckTask, warnings: string[]): ParseAnswer {
  let facts: FileFacts;
  let kept: string | undefined;
  if (task.packed) facts = JSON.parse(unpackFacts(task.packed)) as FileFacts;
  else {
    facts = extract(task.text, task.path);
    facts.suppressions = task.suppressions;
    if (task.keepFacts) kept = JSON.stringify(facts);
  }
  let results;
  try {
    results = checkFile(checker, { path: task.path, language: 'python', candidate: true, facts, source: () => task.text });
  } catch (error) {
    // not the parser's failure: the main thread ends the run with it, as when a rule throws there
    return { id: task.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error), fatal: false, rule: true };
  }
  return {
    id: task.id,
    parsed: task.packed === undefined,
    results: JSON.stringify(results),
    ...(kept !== undefined && { facts: kept }),
    ...(warnings.length && { warnings: warnings.splice(0) }),
  };
}
