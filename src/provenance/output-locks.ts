/**
 * What `run` holds while its command writes: each output exclusively and every folder above it shared, so
 * two runs writing one output — or one a folder, the other a file inside it — never overlap, and a stamp
 * only ever describes bytes its own command wrote. A second run is refused before its command starts,
 * with the holder named. Before anything runs it also checks that the stamps can be written at all.
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';

import { errorMessage, UserError } from '../core/errors.js';
import { acquireLock, type HeldLock } from '../core/lock.js';
import { sidecarPath } from './stamp-file.js';

export interface HeldOutputs {
  release(): void;
}

export async function holdOutputs(root: string, stampsDir: string | null, outputs: readonly { rel: string }[]): Promise<HeldOutputs> {
  const held: HeldLock[] = [];
  const release = (): void => {
    for (const lock of held.splice(0).reverse()) lock.release();
  };
  try {
    const exclusive = new Set(outputs.map((o) => o.rel));
    const shared = new Set<string>();
    for (const rel of exclusive) {
      for (let dir = path.posix.dirname(rel); dir !== '.' && dir !== '/'; dir = path.posix.dirname(dir)) if (!exclusive.has(dir)) shared.add(dir);
    }
    // one order for everyone (shallow first), so two runs never wait on each other in a circle
    const names = [...[...shared].map((rel) => ({ rel, shared: true })), ...[...exclusive].map((rel) => ({ rel, shared: false }))].sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
    for (const { rel, shared: isShared } of names) {
      const what = isShared ? `the folder ${rel} (another run writes it as a whole)` : `the output ${rel}`;
      held.push(await acquireLock(root, `out:${rel}`, { what, waitMs: 0, shared: isShared, hint: 'another run is writing it; wait for that run to finish, then run again' }));
    }
    for (const { rel } of outputs) assertWritable(path.dirname(sidecarPath(root, rel, stampsDir)), rel);
    return { release };
  } catch (error) {
    release();
    throw error;
  }
}

function assertWritable(dir: string, rel: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw new UserError(`--out ${rel}: cannot write its stamp in ${dir} (${errorMessage(error)}); nothing was run`, {
      hint: 'stamping needs a writable checkout',
      cause: error,
    });
  }
}
