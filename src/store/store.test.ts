import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { emptyFacts, type FileFacts } from '../analysis/facts.js';
import { databasePath, openStore, type CachedFile, type FactsStore } from './index.js';
import { freshRow } from './row.js';
import { loadMigrations } from './migrate.js';

let root: string;
let warnings: string[];
const opened: FactsStore[] = [];
const LATEST = loadMigrations().length;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'provenant-store-'));
  warnings = [];
});

afterEach(() => {
  for (const store of opened.splice(0)) store.close();
  chmodSync(root, 0o755);
  rmSync(root, { recursive: true, force: true });
});

function open(engineKey = 'engine-1'): FactsStore {
  const store = openStore({ root, engineKey, warn: (message) => warnings.push(message) });
  opened.push(store);
  return store;
}

const dbFile = (): string => databasePath(root);

function row(p: string, overrides: Partial<CachedFile> = {}): CachedFile {
  return { ...freshRow(p, 1_700_000_000_123.456, 42), hash: `hash-of-${p}`, ...overrides };
}

function factsFor(p: string): FileFacts {
  const facts = emptyFacts(p, 'python');
  facts.lines = 3;
  facts.imports.push({
    module: 'transformers',
    name: 'AutoTokenizer',
    alias: null,
    level: 0,
    span: span(1),
    scope: '<module>',
  });
  facts.calls.push({
    callee: 'AutoTokenizer.from_pretrained',
    qname: 'transformers.AutoTokenizer.from_pretrained',
    resolved: true,
    span: span(2),
    args: [{ kind: 'str', value: 'gpt2 — “quoted” 🤖' }],
    kwargs: { revision: { kind: 'none' } },
    splat: false,
    scope: '<module>',
  });
  return facts;
}

function span(line: number): { line: number; col: number; endLine: number; endCol: number } {
  return { line, col: 1, endLine: line, endCol: 10 };
}

/** A second, plain connection to the cache file, as another tool would see it. */
function raw(): Database.Database {
  return new Database(dbFile());
}

/** A store that works: what it saves, it gives back. */
function expectWorking(store: FactsStore): void {
  store.save([row('ok.py')], [{ hash: 'hash-of-ok.py', facts: factsFor('ok.py') }], new Set(['ok.py']));
  expect([...store.files().keys()]).toEqual(['ok.py']);
  expect(store.facts('hash-of-ok.py')).toEqual(factsFor('ok.py'));
}

/** A store that remembers nothing. */
function expectNoCache(store: FactsStore): void {
  store.save([row('ok.py')], [{ hash: 'hash-of-ok.py', facts: factsFor('ok.py') }], new Set(['ok.py']));
  expect(store.files().size).toBe(0);
  expect(store.facts('hash-of-ok.py')).toBeUndefined();
}

describe('openStore', () => {
  it('creates .provenant/ with a .gitignore and a migrated WAL database', () => {
    const store = open();
    expect(readFileSync(path.join(root, '.provenant', '.gitignore'), 'utf8')).toBe('*\n');
    store.close();
    const db = raw();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST);
    expect(db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('engine_key')).toBe('engine-1');
    db.close();
    expect(warnings).toEqual([]);
  });

  it('leaves an existing .gitignore alone', () => {
    mkdirSync(path.join(root, '.provenant'));
    writeFileSync(path.join(root, '.provenant', '.gitignore'), '*.db\n');
    open();
    expect(readFileSync(path.join(root, '.provenant', '.gitignore'), 'utf8')).toBe('*.db\n');
  });

  it('keeps facts packed, in whichever form they come (the object, its JSON, bytes a worker packed)', () => {
    const store = open();
    const json = JSON.stringify(factsFor('a.py'));
    store.save([], [
      { hash: 'h-object', facts: factsFor('a.py') },
      { hash: 'h-json', facts: json },
      { hash: 'h-packed', facts: new Uint8Array(deflateRawSync(json)) },
    ], null);
    const db = raw();
    for (const hash of ['h-object', 'h-json', 'h-packed']) {
      const stored = db.prepare('SELECT facts FROM facts WHERE hash = ?').pluck().get(hash) as Buffer;
      expect(Buffer.isBuffer(stored)).toBe(true);
      expect(inflateRawSync(stored).toString('utf8')).toBe(json);
      expect(store.facts(hash)).toEqual(factsFor('a.py'));
    }
    db.close();
  });

  it('round-trips file rows and facts, across connections', () => {
    const store = open();
    const files = [
      row('src/train.py', {
        matches: ['CHT001', 'LDR002'],
        hint: true,
        suppressions: [{ span: span(4), codes: ['CHT001'], reason: 'the base model has no template', lines: [4, 5] }],
      }),
      row('data/blob.py', { skip: 'binary file', size: 0 }),
      row('run.sh', { mtimeMs: 0.5 }),
    ];
    const facts = [{ hash: 'hash-of-src/train.py', facts: factsFor('src/train.py') }];
    store.save(files, facts, new Set(files.map((f) => f.path)));
    store.close();

    const again = open();
    const got = again.files();
    expect([...got.keys()].sort()).toEqual(['data/blob.py', 'run.sh', 'src/train.py']);
    for (const f of files) expect(got.get(f.path)).toEqual(f);
    expect(again.facts('hash-of-src/train.py')).toEqual(factsFor('src/train.py'));
    expect(again.facts('hash-of-run.sh')).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it('deletes the rows of vanished paths and the facts no row refers to', () => {
    const store = open();
    const facts = ['a.py', 'b.py', 'c.py'].map((p) => ({ hash: `hash-of-${p}`, facts: factsFor(p) }));
    store.save([row('a.py'), row('b.py'), row('c.py')], facts, new Set(['a.py', 'b.py', 'c.py']));
    // b.py vanished; c.py was edited and now has other bytes; a.py is unchanged and not handed back
    store.save([row('c.py', { hash: 'hash-of-new-c.py' })], [], new Set(['a.py', 'c.py']));
    expect([...store.files().keys()].sort()).toEqual(['a.py', 'c.py']);
    expect(store.facts('hash-of-a.py')).toEqual(factsFor('a.py'));
    expect(store.facts('hash-of-b.py')).toBeUndefined();
    expect(store.facts('hash-of-c.py')).toBeUndefined();
  });

  it('keeps the rows it is saving even when `keep` forgets them', () => {
    const store = open();
    store.save([row('a.py')], [], new Set());
    expect([...store.files().keys()]).toEqual(['a.py']);
  });

  it('writes the changes of a warm run that hands back every row it read', () => {
    const store = open();
    store.save([row('a.py'), row('b.py')], [], new Set(['a.py', 'b.py']));
    const rows = [...store.files().values()];
    store.save(rows.map((r) => (r.path === 'b.py' ? { ...r, size: 7 } : r)), [], new Set(['a.py', 'b.py']));
    store.close();
    expect(open().files().get('b.py')?.size).toBe(7);
  });

  it('takes no write lock when a warm run changed nothing', () => {
    const store = open();
    store.save([row('a.py'), row('b.py')], [], new Set(['a.py', 'b.py']));
    const rows = [...store.files().values()];
    const other = raw();
    other.exec('BEGIN IMMEDIATE');
    try {
      // with the lock held elsewhere, a write would wait out the busy timeout and then warn
      store.save(rows, [], new Set(['a.py', 'b.py']));
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(warnings).toEqual([]);
    expect([...store.files().keys()].sort()).toEqual(['a.py', 'b.py']);
  });

  it('drops every row when the engine key changes', () => {
    const store = open('engine-1');
    store.save([row('a.py')], [{ hash: 'hash-of-a.py', facts: factsFor('a.py') }], new Set(['a.py']));
    store.close();
    const other = open('engine-2');
    expect(other.files().size).toBe(0);
    expect(other.facts('hash-of-a.py')).toBeUndefined();
    other.close();
    expect(open('engine-2').files().size).toBe(0);
    expect(warnings).toEqual([]);
  });
});

describe('a cache that cannot be trusted is rebuilt', () => {
  it('corrupt pages', () => {
    const store = open();
    const many = Array.from({ length: 300 }, (_, i) => row(`pkg/module_${i}.py`));
    store.save(many, [{ hash: 'hash-of-pkg/module_0.py', facts: factsFor('x.py') }], new Set(many.map((f) => f.path)));
    store.close();
    expect(existsSync(`${dbFile()}-wal`)).toBe(false);
    // keep page 1 (header and schema), overwrite every table page after it
    const size = statSync(dbFile()).size;
    expect(size).toBeGreaterThan(3 * 4096);
    const fd = openSync(dbFile(), 'r+');
    writeSync(fd, Buffer.alloc(size - 4096, 0xa5), 0, size - 4096, 4096);
    closeSync(fd);

    const rebuilt = open();
    expect(warnings).toEqual([`${dbFile()}: cache is corrupt (database disk image is malformed); rebuilding`]);
    expect(rebuilt.files().size).toBe(0);
    expectWorking(rebuilt);
  });

  it('bytes that are not a database (SQLITE_NOTADB)', () => {
    mkdirSync(path.join(root, '.provenant'));
    // a fixed pseudo-random pattern: deterministic, and no SQLite header
    writeFileSync(dbFile(), Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 7919 + 13) % 251)));
    const store = open();
    expect(warnings).toEqual([`${dbFile()}: cache is corrupt (file is not a database); rebuilding`]);
    expectWorking(store);
  });

  it('a database from a newer provenant', () => {
    open().close();
    const db = raw();
    db.pragma(`user_version = ${LATEST + 6}`);
    db.close();
    const store = open();
    expect(warnings).toEqual([
      `${dbFile()}: cache from a newer provenant (schema ${LATEST + 6} > ${LATEST}); rebuilding`,
    ]);
    expectWorking(store);
    store.close();
    expect(raw().pragma('user_version', { simple: true })).toBe(LATEST);
  });

  it("another tool's database", () => {
    mkdirSync(path.join(root, '.provenant'));
    const db = raw();
    db.exec("CREATE TABLE files (name TEXT); INSERT INTO files VALUES ('x'); PRAGMA user_version = 1;");
    db.close();
    const store = open();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/: cache has an unexpected schema \(.*\); rebuilding$/);
    expectWorking(store);
  });

  it.each([
    ['bytes zlib cannot inflate', Buffer.from([0xff, 0x00, 0xff, 0x00]), /facts of hash-of-a\.py: not deflated facts/],
    ['deflated JSON cut short', deflateRawSync('{"path": "a.py", trunc'), /facts: /],
  ])('a facts row that does not decode (%s), found mid-run', (_what, bytes, problem) => {
    const store = open();
    store.save([row('a.py')], [{ hash: 'hash-of-a.py', facts: factsFor('a.py') }], new Set(['a.py']));
    const db = raw();
    db.prepare('UPDATE facts SET facts = ?').run(bytes);
    db.close();
    expect(store.facts('hash-of-a.py')).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^${escape(dbFile())}: cache is corrupt \\(.*\\); rebuilding$`));
    expect(warnings[0]).toMatch(problem);
    expect(store.files().size).toBe(0);
    expectWorking(store);
  });

  it('a zero-byte file is simply an empty database', () => {
    mkdirSync(path.join(root, '.provenant'));
    writeFileSync(dbFile(), '');
    expectWorking(open());
    expect(warnings).toEqual([]);
  });
});

describe('a cache that cannot be used leaves the run without one', () => {
  it('a directory where the database should be', () => {
    mkdirSync(dbFile(), { recursive: true });
    writeFileSync(path.join(dbFile(), 'keep.txt'), 'mine');
    const store = open();
    expect(warnings).toEqual([`${dbFile()}: not a regular file; running without a cache`]);
    expectNoCache(store);
    expect(readFileSync(path.join(dbFile(), 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('a file where the .provenant folder should be', () => {
    writeFileSync(path.join(root, '.provenant'), 'not a folder');
    const store = open();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/\.provenant: cannot write the cache \(EEXIST: .*\); running without a cache$/);
    expectNoCache(store);
  });

  // root ignores file modes, so this can only be shown by an ordinary user
  it.skipIf(process.getuid?.() === 0)('a read-only folder', () => {
    chmodSync(root, 0o555);
    const store = open();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/\.provenant: cannot write the cache \(EACCES: .*\); running without a cache$/);
    expectNoCache(store);
  });
});

describe('two processes on one repository', () => {
  it('two stores on one root see each other’s writes', () => {
    const a = open();
    const b = open();
    a.save([row('a.py')], [{ hash: 'hash-of-a.py', facts: factsFor('a.py') }], new Set(['a.py']));
    expect([...b.files().keys()]).toEqual(['a.py']);
    expect(b.facts('hash-of-a.py')).toEqual(factsFor('a.py'));
    b.save([row('b.py')], [{ hash: 'hash-of-b.py', facts: factsFor('b.py') }], new Set(['a.py', 'b.py']));
    expect([...a.files().keys()].sort()).toEqual(['a.py', 'b.py']);
    expect(a.facts('hash-of-b.py')).toEqual(factsFor('b.py'));
    expect(warnings).toEqual([]);
  });

  it('a save waits for another process’s write transaction instead of failing', async () => {
    const store = open();
    store.files();
    const child = spawn(
      process.execPath,
      [
        '-e',
        `const Database = require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))});
         const db = new Database(process.argv[1]);
         db.exec('BEGIN IMMEDIATE');
         db.prepare("INSERT INTO files VALUES ('child.py', 1, 1, 'h', '[]', 0, NULL, '[]', NULL, NULL)").run();
         console.log('locked');
         setTimeout(() => { db.exec('COMMIT'); db.close(); }, 300);`,
        dbFile(),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    for await (const line of createInterface({ input: child.stdout })) if (line === 'locked') break;
    // blocks in SQLite's busy handler until the child commits
    store.save([row('parent.py')], [], new Set(['parent.py', 'child.py']));
    expect(await exited).toBe(0);
    expect([...store.files().keys()].sort()).toEqual(['child.py', 'parent.py']);
    expect(warnings).toEqual([]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
