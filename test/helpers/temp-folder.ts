import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, expect } from 'vitest';

import { UserError } from '../../src/core/errors.js';

export interface TempFolder {
  /** The folder of the running test (its real path: on macOS os.tmpdir() is a symlink, and loaders report resolved paths). */
  readonly dir: string;
  /** Writes `files` (path → content; a trailing `/` makes a directory) under `dir`. */
  tree(files: Record<string, string>): Promise<void>;
  read(name: string): Promise<string>;
}

/** For a test file: a fresh temp folder for each test, removed after it. Call at the top level of the file. */
export function useTempFolder(prefix: string): TempFolder {
  let dir = '';
  beforeEach(async () => {
    dir = await fs.realpath(await fs.mkdtemp(path.join(os.tmpdir(), prefix)));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });
  return {
    get dir() {
      return dir;
    },
    async tree(files) {
      for (const [name, content] of Object.entries(files)) {
        const full = path.join(dir, name);
        if (name.endsWith('/')) {
          await fs.mkdir(full, { recursive: true });
        } else {
          await fs.mkdir(path.dirname(full), { recursive: true });
          await fs.writeFile(full, content);
        }
      }
    },
    read: (name) => fs.readFile(path.join(dir, name), 'utf8'),
  };
}

/** The UserError a promise rejects with (failing the test if it resolves or throws something else). */
export async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => expect.fail('expected a UserError'),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}
