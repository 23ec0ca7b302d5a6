/**
 * Issue 19, items 2 and 5 (the ledger half): the shared ledger on a real PostgreSQL server. Two clones
 * stamping into one ledger at once, an unreachable server (the stamp is written, its row pending, `ledger
 * sync` catches up), a wrong password, a ledger from a newer provenant: exit 2 with the URL's password never
 * printed or stamped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { provenant, REPO, type Run } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { freshDatabase } from '../helpers/postgres.js';
import { together } from '../helpers/spawn.js';

const probe = await freshDatabase('ledger');
if (!probe.ok) console.warn(`skipping the PostgreSQL ledger tests: ${probe.reason}`);
const db = probe.ok ? probe.db : null;
afterAll(async () => db?.drop());

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

const WRITE = `"""Writes its argument into the named file."""
import sys
open(sys.argv[1], "w").write(sys.argv[2])
`;
/** A port nothing listens on (the discard port, closed on every test machine). */
const UNREACHABLE = 'postgresql://provenant:provenant@127.0.0.1:9/nowhere';

function lab(files: Record<string, string> = {}): GitDir {
  const repo = makeGitDir({ 'provenant.toml': '', 'scripts/write.py': WRITE, 'seed.txt': 'seed\n', ...files });
  repo.add();
  repo.commit('init');
  repos.push(repo);
  return repo;
}

function clone(origin: GitDir, name: string): string {
  origin.git(['clone', '-q', origin.root, path.join(origin.tmp, name)], { cwd: origin.tmp });
  return path.join(origin.tmp, name);
}

function noSecret(r: Run, secret: string): void {
  expect(r.stdout + r.stderr).not.toContain(secret);
}

describe.skipIf(!db)('PostgreSQL ledger', () => {
  const url = db?.url ?? '';

  it('two clones stamping at once into one ledger: every row recorded once, each clone sees the other\'s', async () => {
    const origin = lab();
    const [a, b] = [clone(origin, 'a'), clone(origin, 'b')];
    const env = { PROVENANT_LEDGER_URL: url };
    const per = 6;
    const runs = (root: string, tag: string): Promise<Run[]> =>
      (async () => {
        const out: Run[] = [];
        for (let i = 0; i < per; i++) {
          const [r] = await together([{ args: ['run', '--in', 'seed.txt', '--out', `${tag}-${i}.txt`, '--', 'python3', 'scripts/write.py', `${tag}-${i}.txt`, `${tag}${i}`], env }], root);
          out.push(r as Run);
        }
        return out;
      })();
    const done = (await Promise.all([runs(a, 'a'), runs(b, 'b')])).flat();
    for (const r of done) expect(r.code, r.stderr).toBe(0);
    for (const r of done) expect(r.stderr).not.toMatch(/pending/);

    // one schema for the project, derived from its first commit in both clones
    const schemas = await db!.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'provenant_%'");
    expect(schemas).toHaveLength(1);
    const schema = schemas[0]!.nspname;
    const rows = await db!.query<{ artifact: string; n: string }>(`SELECT artifact, COUNT(*) AS n FROM ${schema}.stamps GROUP BY artifact ORDER BY artifact`);
    expect(rows.map((r) => r.artifact)).toEqual([...Array.from({ length: per }, (_, i) => `a-${i}.txt`), ...Array.from({ length: per }, (_, i) => `b-${i}.txt`)].sort());
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);

    // clone a sees what clone b made from the same seed
    const down = provenant(['lineage', '--down', 'seed.txt', '--json'], a, env);
    expect(down.code, down.stderr).toBe(0);
    const children = (JSON.parse(down.stdout) as { root: { children: { path: string }[] } }).root.children.map((c) => c.path);
    expect(children).toContain('b-0.txt');
    expect(children).toHaveLength(2 * per);

    // a rebuild in one clone fills, and never drops the other clone's rows
    const rebuilt = provenant(['ledger', 'rebuild'], a, env);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toMatch(/took 0 stamp\(s\) it lacked/);
    const count = await db!.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${schema}.stamps`);
    expect(Number(count[0]!.n)).toBe(2 * per);
  });

  it('server unreachable: run writes the stamp and says the row is pending; ledger sync sends it; nothing twice', () => {
    const repo = lab({ 'provenant.toml': `[provenance]\nledger = "${UNREACHABLE}"\nledger-schema = "t_pending"\n` });
    const made = provenant(['run', '--out', 'out.txt', '--', 'python3', 'scripts/write.py', 'out.txt', 'x'], repo.root);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(/stamped out\.txt/);
    expect(made.stderr).toMatch(/1 ledger row\(s\) are pending \(the PostgreSQL ledger at postgresql:\/\/provenant:\[REDACTED\]@127\.0\.0\.1:9\/nowhere cannot be reached/);
    expect(existsSync(path.join(repo.root, 'out.txt.prov.json'))).toBe(true);
    expect(readdirSync(path.join(repo.root, '.provenant/ledger-pending'))).toHaveLength(1);

    // the config's URL is down; the environment's wins
    const still = provenant(['ledger', 'sync'], repo.root);
    expect(still.code).toBe(2);
    expect(still.stdout).toMatch(/0 row\(s\).*1 pending/);
    const synced = provenant(['ledger', 'sync'], repo.root, { PROVENANT_LEDGER_URL: url });
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toMatch(/sent 1 row\(s\) to postgresql:\/\/provenant:\[REDACTED\]@.* \(schema t_pending\); 0 pending/);
    expect(readdirSync(path.join(repo.root, '.provenant/ledger-pending'))).toHaveLength(0);
    const again = provenant(['ledger', 'rebuild'], repo.root, { PROVENANT_LEDGER_URL: url });
    expect(again.stdout).toMatch(/took 0 stamp\(s\) it lacked/);
    const log = provenant(['log', 'out.txt'], repo.root, { PROVENANT_LEDGER_URL: url });
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout.match(/^\* /gm)).toHaveLength(1);
    expect(provenant(['verify', 'out.txt'], repo.root, { PROVENANT_LEDGER_URL: url }).stdout).toMatch(/^ok/);
  });

  it('a pending row still vouches for its stamp while the server is down and is answered with the server\'s rows', async () => {
    const repo = lab();
    const schema = { PROVENANT_LEDGER_SCHEMA: 't_mixed' };
    expect(provenant(['run', '--out', 'one.txt', '--', 'python3', 'scripts/write.py', 'one.txt', '1'], repo.root, { ...schema, PROVENANT_LEDGER_URL: url }).code).toBe(0);
    const down = provenant(['run', '--out', 'one.txt', '--', 'python3', 'scripts/write.py', 'one.txt', '2'], repo.root, { ...schema, PROVENANT_LEDGER_URL: UNREACHABLE });
    expect(down.stderr).toMatch(/pending/);
    // the server is back, the row not yet sent: log shows both, the pending one current
    const log = provenant(['log', 'one.txt'], repo.root, { ...schema, PROVENANT_LEDGER_URL: url });
    expect(log.code, log.stderr).toBe(0);
    expect(log.stdout.split('\n').filter((l) => /sha256/.test(l))).toHaveLength(2);
    expect(log.stdout).toMatch(/^\* /m);
    expect(provenant(['verify', 'one.txt'], repo.root, { ...schema, PROVENANT_LEDGER_URL: url }).stdout).toMatch(/^ok/);
  });

  it('a run killed mid-commit (kill -9) loses no row: the next run finishes it and sends both', async () => {
    const repo = lab();
    const env = { PROVENANT_LEDGER_URL: url, PROVENANT_LEDGER_SCHEMA: 't_killed' };
    const killed = provenant(['run', '--out', 'a.txt', '--out', 'b.txt', '--', 'python3', '-c', 'open("a.txt","w").write("a"); open("b.txt","w").write("b")'], repo.root, { ...env, PROVENANT_CRASH_AT: 'renamed' });
    expect(killed.code).toBeNull();
    expect(readdirSync(path.join(repo.root, '.provenant/ledger-pending'))).toHaveLength(1);
    // a sync while the killed run is unfinished in the journal sends nothing of it and keeps it
    const early = provenant(['ledger', 'sync'], repo.root, env);
    expect(early.code, early.stderr).toBe(0);
    expect(readdirSync(path.join(repo.root, '.provenant/ledger-pending'))).toHaveLength(1);
    const next = provenant(['run', '--out', 'c.txt', '--', 'python3', 'scripts/write.py', 'c.txt', 'c'], repo.root, env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/finished an interrupted run/);
    const rows = await db!.query<{ artifact: string }>('SELECT artifact FROM t_killed.stamps ORDER BY artifact');
    expect(rows.map((r) => r.artifact)).toEqual(['a.txt', 'b.txt', 'c.txt']);
    expect(readdirSync(path.join(repo.root, '.provenant/ledger-pending'))).toHaveLength(0);
  });

  it('a wrong password: readers exit 2 naming the URL without it; run stamps and keeps the row pending; no stamp holds it', () => {
    const repo = lab();
    const secret = 'hunter2-not-printed';
    const bad = db!.url.replace(/:[^:@/]*@/, `:${secret}@`);
    const env = { PROVENANT_LEDGER_URL: bad, PROVENANT_LEDGER_SCHEMA: 't_password' };
    const made = provenant(['run', '--out', 'out.txt', '--', 'python3', 'scripts/write.py', 'out.txt', 'x'], repo.root, env);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(/refused the login: password authentication failed/);
    noSecret(made, secret);
    expect(readFileSync(path.join(repo.root, 'out.txt.prov.json'), 'utf8')).not.toContain(secret);
    expect(readFileSync(path.join(repo.root, 'out.txt.prov.json'), 'utf8')).not.toContain('PROVENANT_LEDGER_URL');
    for (const args of [['verify', 'out.txt'], ['log', 'out.txt'], ['lineage', '--down', 'out.txt'], ['ledger', 'sync'], ['ledger', 'rebuild']]) {
      const r = provenant(args, repo.root, env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(/the PostgreSQL ledger at postgresql:\/\/provenant:\[REDACTED\]@127\.0\.0\.1:5432\/provenant_t_/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      noSecret(r, secret);
    }
  });

  it('a ledger written by a newer provenant: exit 2 saying so, never migrated down or overwritten', async () => {
    const repo = lab();
    const env = { PROVENANT_LEDGER_URL: url, PROVENANT_LEDGER_SCHEMA: 't_future' };
    expect(provenant(['run', '--out', 'out.txt', '--', 'python3', 'scripts/write.py', 'out.txt', 'x'], repo.root, env).code).toBe(0);
    await db!.query('UPDATE t_future.ledger_meta SET version = 99');
    const r = provenant(['verify', 'out.txt'], repo.root, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/\(schema t_future\) was written by a newer provenant \(schema 99 > 1\)/);
    expect(r.stderr).toMatch(/hint: upgrade provenant/);
    const made = provenant(['run', '--out', 'two.txt', '--', 'python3', 'scripts/write.py', 'two.txt', 'y'], repo.root, env);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stderr).toMatch(/pending \(.*newer provenant/);
    expect((await db!.query<{ version: number }>('SELECT version FROM t_future.ledger_meta'))[0]?.version).toBe(99);
  });
});

describe('choosing the ledger (no server needed)', () => {
  it('a config ledger that is not "sqlite" or a postgresql:// URL is an error naming the key', () => {
    const repo = lab({ 'provenant.toml': '[provenance]\nledger = "mysql://lab:pw@db/x"\n' });
    const r = provenant(['verify', 'seed.txt'], repo.root);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/provenant\.toml.*provenance\.ledger|ledger.*expected "sqlite" or a postgresql:\/\/ URL/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('PROVENANT_LEDGER_URL of another kind: exit 2, its password not printed', () => {
    const repo = lab();
    const r = provenant(['log', 'seed.txt'], repo.root, { PROVENANT_LEDGER_URL: 'mysql://lab:pw-not-shown@db/x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/PROVENANT_LEDGER_URL: expected "sqlite" or a postgresql:\/\/ URL/);
    noSecret(r, 'pw-not-shown');
  });

  it('an unreadable pending row is an error naming its file and the way out, never a crash or a silent drop', () => {
    const repo = lab();
    mkdirSync(path.join(repo.root, '.provenant/ledger-pending'), { recursive: true });
    writeFileSync(path.join(repo.root, '.provenant/ledger-pending/x.json'), '{"runId": "x", "stam');
    const r = provenant(['ledger', 'sync'], repo.root, { PROVENANT_LEDGER_URL: UNREACHABLE, PROVENANT_LEDGER_SCHEMA: 't_none' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ledger-pending\/x\.json: a pending ledger row is unreadable/);
    expect(r.stderr).toMatch(/delete it and run `provenant ledger rebuild`/);
    expect(existsSync(path.join(repo.root, '.provenant/ledger-pending/x.json'))).toBe(true);
  });

  it('pg is loaded only when a PostgreSQL ledger is configured', () => {
    const repo = lab();
    const probeScript = path.join(repo.tmp, 'lazy.mjs');
    writeFileSync(probeScript, `
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const lib = await import(${JSON.stringify(path.join(REPO, 'dist/src/index.js'))});
await lib.verifyArtifacts({ cwd: process.cwd(), paths: ['seed.txt'], env: process.env, warn: () => {} }).catch(() => undefined);
console.log(Object.keys(require.cache).some((k) => k.includes('/node_modules/pg/')));
`);
    const loaded = (url: string): string => spawnSync(process.execPath, [probeScript], { cwd: repo.root, env: { ...process.env, PROVENANT_LEDGER_URL: url }, encoding: 'utf8' }).stdout.trim();
    expect(loaded('')).toBe('false');
    expect(loaded(UNREACHABLE)).toBe('true');
  });

  it('without a shared ledger no row is ever pending and sync has nothing to send', () => {
    const repo = lab();
    const r = provenant(['run', '--out', 'out.txt', '--', 'python3', 'scripts/write.py', 'out.txt', 'x'], repo.root, { PROVENANT_LEDGER_URL: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(path.join(repo.root, '.provenant/ledger-pending'))).toBe(false);
    const sync = provenant(['ledger', 'sync'], repo.root, { PROVENANT_LEDGER_URL: '' });
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/\(SQLite\): nothing to send/);
  });
});
