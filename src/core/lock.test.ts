import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO } from '../../test/helpers/exec.js';
import { useTmpProjects } from '../../test/helpers/tmp.js';
import { acquireLock, lockFile, lockHolder, tryLock, withLock } from './lock.js';
import { UserError } from './errors.js';

const project = useTmpProjects({});

/** Another process that takes the lock `name` under `root` (from the built module) and then waits to be killed. */
async function holderProcess(root: string, name: string, shared = false): Promise<{ pid: number; kill(): Promise<void> }> {
  const module = pathToFileURL(path.join(REPO, 'dist/src/core/lock.js')).href;
  const script = `const { tryLock } = await import(${JSON.stringify(module)});
const held = tryLock(${JSON.stringify(root)}, ${JSON.stringify(name)}, { what: 'x', shared: ${shared} });
console.log(held ? 'held' : 'busy');
setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const first = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
  expect(first).toBe('held');
  return {
    pid: child.pid ?? 0,
    kill: () =>
      new Promise((resolve) => {
        child.once('close', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

describe('locks between processes', () => {
  it('another process holding the lock refuses it here, naming the holder; kill -9 of the holder frees it at once', async () => {
    const root = project({});
    const other = await holderProcess(root, 'out:data/x.jsonl');
    expect(tryLock(root, 'out:data/x.jsonl', { what: 'x' })).toBeNull();
    expect(lockHolder(root, 'out:data/x.jsonl')?.pid).toBe(other.pid);
    const refused = await acquireLock(root, 'out:data/x.jsonl', { what: 'the output data/x.jsonl', waitMs: 0 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).message).toMatch(new RegExp(`^the output data/x.jsonl is in use by process ${other.pid} `));
    await other.kill();
    const held = tryLock(root, 'out:data/x.jsonl', { what: 'x' });
    expect(held).not.toBeNull();
    held?.release();
  });

  it('shared holders coexist and keep an exclusive one out', async () => {
    const root = project({});
    const other = await holderProcess(root, 'out:data', true);
    const mine = tryLock(root, 'out:data', { what: 'x', shared: true });
    expect(mine).not.toBeNull();
    expect(tryLock(root, 'out:data', { what: 'x' })).toBeNull();
    mine?.release();
    expect(tryLock(root, 'out:data', { what: 'x' })).toBeNull();
    await other.kill();
    tryLock(root, 'out:data', { what: 'x' })?.release();
  });

  it('two callers in one process exclude each other, and a waiting one gets the lock when it is released', async () => {
    const root = project({});
    const order: string[] = [];
    const slow = withLock(root, 'file:a.yaml', { what: 'a.yaml', waitMs: 10_000 }, async () => {
      order.push('first in');
      await new Promise((r) => setTimeout(r, 100));
      order.push('first out');
    });
    await new Promise((r) => setTimeout(r, 10));
    const second = withLock(root, 'file:a.yaml', { what: 'a.yaml', waitMs: 10_000 }, () => order.push('second'));
    await Promise.all([slow, second]);
    expect(order).toEqual(['first in', 'first out', 'second']);
  });

  it('lives in .provenant/locks/, which git ignores', () => {
    const root = project({});
    tryLock(root, 'pipeline', { what: 'x' })?.release();
    expect(path.dirname(lockFile(root, 'pipeline'))).toBe(path.join(root, '.provenant', 'locks'));
    expect(existsSync(path.join(root, '.provenant', '.gitignore'))).toBe(true);
  });
});
