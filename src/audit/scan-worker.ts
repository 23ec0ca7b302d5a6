import { parentPort, workerData } from 'node:worker_threads';
import { extractInThread } from './scan.js';

// One half of a parallel extraction (see scan.ts); errors surface through the worker's 'error' event.
parentPort?.postMessage(await extractInThread(workerData as Parameters<typeof extractInThread>[0]));
