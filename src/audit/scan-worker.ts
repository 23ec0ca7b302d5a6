import { parentPort, workerData } from 'node:worker_threads';
import { scanFiles, type ScanRequest } from './scan.js';

// One bucket of a parallel scan (see scan.ts); errors surface through the worker's 'error' event.
parentPort?.postMessage(await scanFiles(workerData as ScanRequest));
