/**
 * The pre-commit hook as a team installs it, end to end: the package is packed and published to a local
 * npm registry (verdaccio, started here; other packages are proxied from its uplink), the README's
 * `.pre-commit-config.yaml` snippet is dropped into a temp repository, the real pre-commit framework
 * installs the hook environment from that registry into a clean cache, `pre-commit run --all-files` runs,
 * and a real `git commit` is blocked by a finding and let through once it is fixed. The README's pinned
 * `npx` line runs against the same registry.
 *
 * Needs `pre-commit` (Debian's package; .ci/run installs it) and a reachable uplink registry: without them
 * the test is skipped with the reason, except under CI=true, where it fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const UPLINK = process.env.PROVENANT_TEST_UPLINK ?? 'https://registry.npmjs.org/';
const README = readFileSync(path.join(REPO, 'README.md'), 'utf8');

/** The fenced block of the README that holds `marker`. */
function readmeBlock(marker: string): string {
  const block = [...README.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((b) => b.includes(marker));
  if (!block) throw new Error(`README.md has no code block with ${marker}`);
  return block;
}

async function missingService(): Promise<string | null> {
  const pc = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' });
  if (pc.error || pc.status !== 0) return 'pre-commit is not installed (apt-get install pre-commit)';
  if (!existsSync(path.join(REPO, 'dist', 'bundle', 'fast-start.cjs'))) return 'dist/ is not built (npm run build)';
  try {
    const r = await fetch(new URL('-/ping', UPLINK), { signal: AbortSignal.timeout(10_000) });
    if (!r.ok) return `the uplink registry ${UPLINK} answered ${r.status}`;
  } catch (error) {
    return `the uplink registry ${UPLINK} is unreachable (${(error as Error).message})`;
  }
  return null;
}

const skipReason = await missingService();
if (skipReason && process.env.CI === 'true') throw new Error(`pre-commit end-to-end test cannot run under CI: ${skipReason}`);
if (skipReason) process.stderr.write(`skipped test/install/pre-commit.test.ts: ${skipReason}\n`);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Runs a command without blocking the test worker (installs take minutes, and a worker blocked that long
 * loses its connection to vitest): exit code, stdout and stderr together, and the wall time.
 */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; seconds: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    // installs compile better-sqlite3 where no prebuilt binary can be fetched: slow on a loaded machine
    const timer = setTimeout(() => {
      out += `\n[${cmd} killed after 1,500 s]\n`;
      child.kill('SIGKILL');
    }, 1_500_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, seconds: (performance.now() - started) / 1000 });
    });
  });
}

describe.skipIf(skipReason !== null)('pre-commit hook installed from a registry', () => {
  let repo: GitDir;
  let registry: string;
  let verdaccio: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    repo = makeGitDir({});
    const tmp = repo.tmp;
    const port = await freePort();
    registry = `http://127.0.0.1:${port}/`;
    const config = path.join(tmp, 'verdaccio.yaml');
    writeFileSync(
      config,
      [
        `storage: ${JSON.stringify(path.join(tmp, 'storage'))}`,
        'auth:',
        `  htpasswd: { file: ${JSON.stringify(path.join(tmp, 'htpasswd'))}, max_users: 1 }`,
        `uplinks: { npmjs: { url: ${JSON.stringify(UPLINK)}, timeout: 60s } }`,
        'packages:',
        "  'provenant-cli': { access: $all, publish: $authenticated }",
        "  '**': { access: $all, proxy: npmjs }",
        'log: { type: stdout, format: pretty, level: error }',
        '',
      ].join('\n'),
    );
    verdaccio = spawn(process.execPath, [path.join(REPO, 'node_modules', 'verdaccio', 'bin', 'verdaccio'), '--config', config, '--listen', `127.0.0.1:${port}`], {
      stdio: 'ignore',
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(new URL('-/ping', registry))).ok) break;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`verdaccio did not start on ${registry}`, { cause: error });
      }
      await new Promise((r) => setTimeout(r, 250));
    }

    // publish the package as a release would: a tarball of the built tree, no build at install
    const user = await fetch(new URL('-/user/org.couchdb.user:release', registry), {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'release', password: 'release-password' }),
    });
    const { token } = (await user.json()) as { token: string };
    const npmrc = path.join(tmp, 'publish.npmrc');
    writeFileSync(npmrc, `registry=${registry}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    const packDir = path.join(tmp, 'pack');
    mkdirSync(packDir);
    // dist/ is already built (the test suite drives it); --ignore-scripts keeps the running suite's dist/ untouched
    const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', packDir], REPO, process.env);
    expect(packed.code, packed.out).toBe(0);
    const tarball = path.join(packDir, `provenant-cli-${VERSION}.tgz`);
    const published = await run('npm', ['publish', tarball, '--userconfig', npmrc, '--registry', registry], tmp, process.env);
    expect(published.code, published.out).toBe(0);

    env = {
      ...process.env,
      // a clean pre-commit cache; npm (started by pre-commit with the user config unset) finds the registry here
      PRE_COMMIT_HOME: path.join(tmp, 'pre-commit-cache'),
      npm_config_registry: registry,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      NO_COLOR: '1',
    };
  }, 600_000);

  afterAll(() => {
    verdaccio?.kill();
    repo?.cleanup();
  });

  it('installs from the README snippet, runs on all files, blocks a commit with a finding and lets the fix through', async () => {
    const snippet = readmeBlock('additional_dependencies');
    expect(snippet).toContain(`provenant-cli@${VERSION}`);
    repo.write({
      '.pre-commit-config.yaml': snippet,
      'provenant.toml': 'base-models = ["Qwen/Qwen2.5-7B"]\n',
      'gen.py': '"""Stage 1 generation."""\nprint("nothing loaded yet")\n',
    });
    repo.add();
    repo.commit('start');

    const installed = await run('pre-commit', ['install', '--install-hooks'], repo.root, env);
    expect(installed.code, installed.out).toBe(0);
    process.stderr.write(`pre-commit hook environment installed in ${installed.seconds.toFixed(1)} s (clean PRE_COMMIT_HOME)\n`);

    const all = await run('pre-commit', ['run', '--all-files'], repo.root, env);
    expect(all.out).toMatch(/provenant audit\.+Passed/);
    expect(all.code, all.out).toBe(0);

    repo.write({
      'gen.py': [
        '"""Stage 1 generation on the base model."""',
        'from transformers import AutoTokenizer',
        '',
        'BASE = "Qwen/Qwen2.5-7B"',
        'messages = [{"role": "user", "content": "Write an instruction about tides."}]',
        'tok = AutoTokenizer.from_pretrained(BASE)',
        'text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)',
        '',
      ].join('\n'),
    });
    repo.add();
    const head = repo.git(['rev-parse', 'HEAD']);
    const blocked = await run('git', ['commit', '-m', 'chat template on a base model'], repo.root, env);
    expect(blocked.out).toContain('TMPL001');
    expect(blocked.out).toMatch(/provenant audit\.+Failed/);
    expect(blocked.code).not.toBe(0);
    expect(repo.git(['rev-parse', 'HEAD'])).toBe(head);

    repo.write({ 'gen.py': '"""Stage 1 generation on the base model."""\nBASE = "Qwen/Qwen2.5-7B"\nprompt = "Instruction: write about tides.\\n"\n' });
    repo.add();
    const through = await run('git', ['commit', '-m', 'a plain prompt'], repo.root, env);
    expect(through.out).toMatch(/provenant audit\.+Passed/);
    expect(through.code, through.out).toBe(0);
    expect(repo.git(['rev-parse', 'HEAD'])).not.toBe(head);
  }, 1_800_000);

  it('the README pinned npx line runs the published package', async () => {
    const line = readmeBlock('npx --yes --package=provenant-cli@').split('\n').find((l) => l.startsWith('npx '));
    expect(line).toBe(`npx --yes --package=provenant-cli@${VERSION} -- provenant audit`);
    const r = await run('npx', ['--yes', `--package=provenant-cli@${VERSION}`, '--', 'provenant', '--version'], repo.root, {
      ...env,
      npm_config_cache: path.join(repo.tmp, 'npm-cache'),
    });
    expect(r.out.trim()).toBe(`provenant ${VERSION}`);
    expect(r.code).toBe(0);
  }, 1_800_000);

  it('a hook rev that does not exist is refused, naming the rev', async () => {
    const other = makeGitDir({
      '.pre-commit-config.yaml': `repos:\n  - repo: ${JSON.stringify(REPO)}\n    rev: v99.0.0\n    hooks:\n      - id: provenant-audit\n`,
      'ok.py': 'print(1)\n',
    });
    try {
      other.add();
      const r = await run('pre-commit', ['run', '--all-files'], other.root, env);
      expect(r.out).toContain('v99.0.0');
      expect(r.code).not.toBe(0);
    } finally {
      other.cleanup();
    }
  }, 120_000);
});

