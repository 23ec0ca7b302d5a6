#!/usr/bin/env node
/**
 * `npm run release:check`: the release as a user receives it. Packs the tarball (the `prepare` build runs
 * first), checks it carries the built code and the grammar and runs nothing at install, installs it with
 * `npm install -g --omit=optional` into an empty folder (no model runtime), and runs the installed
 * `provenant audit` on a copy of examples/stage1-lab from there. Prints sizes and times; exit 0 when every
 * step passed, 1 when a check failed, 2 when a step could not run (registry down, npm missing).
 *
 *   npm run release:check                       # against the configured npm registry
 *   npm run release:check -- --registry URL     # another registry (a local verdaccio)
 *   npm run release:check -- --tarball FILE     # check a tarball already packed
 *   npm run release:check -- --keep --json
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PACKAGE = 'provenant-cli';

/** What the installed package needs and must not lack: a missing one is a broken release. */
const REQUIRED = [
  'package/bin/provenant.js',
  'package/dist/src/cli/main.js',
  'package/dist/src/index.js',
  'package/dist/bundle/fast-start.cjs',
  'package/dist/bundle/audit-entry.cjs',
  'package/grammars/tree-sitter-python.wasm',
  'package/grammars/python-flat.wasm',
  'package/src/provenance/python/provenant_helper.py',
  'package/registry/migrations',
];

class Problem extends Error {
  constructor(message, code = 1) {
    super(message);
    this.code = code;
  }
}

function run(cmd, args, options = {}) {
  const started = performance.now();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (r.error) throw new Problem(`cannot run ${cmd}: ${r.error.message}`, 2);
  return { ...r, seconds: (performance.now() - started) / 1000 };
}

function folderBytes(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) total += folderBytes(abs);
    else if (entry.isFile()) total += statSync(abs).size;
  }
  return total;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The same version everywhere a user meets it. */
function checkVersions(version) {
  const problems = [];
  const ts = /VERSION = '([^']+)'/.exec(readFileSync(path.join(REPO, 'src/version.ts'), 'utf8'))?.[1];
  if (ts !== version) problems.push(`src/version.ts says ${ts}, package.json ${version}`);
  const py = /^PROVENANT_CLI_VERSION = "([^"]+)"/m.exec(readFileSync(path.join(REPO, 'src/provenance/python/provenant_helper.py'), 'utf8'))?.[1];
  if (py !== version) problems.push(`provenant_helper.py pins provenant-cli ${py}, package.json is ${version}`);
  for (const doc of ['README.md', '.github/actions/provenant-audit/README.md']) {
    const text = readFileSync(path.join(REPO, doc), 'utf8');
    for (const m of text.matchAll(/provenant-cli@(\d+\.\d+\.\d+[\w.-]*)/g)) {
      if (m[1] !== version) problems.push(`${doc} names provenant-cli@${m[1]}, package.json is ${version}`);
    }
  }
  if (problems.length) throw new Problem(`versions disagree:\n  ${problems.join('\n  ')}`);
}

function pack(dest) {
  const r = run('npm', ['pack', '--json', '--pack-destination', dest], { cwd: REPO });
  if (r.status !== 0) throw new Problem(`npm pack failed (exit ${r.status}):\n${r.stderr.trim()}`, 2);
  let info;
  try {
    info = JSON.parse(r.stdout)[0];
  } catch (error) {
    throw new Problem(`npm pack printed more than its JSON report (a lifecycle script writing to stdout? ${error.message}):\n${r.stdout.slice(0, 400)}`);
  }
  return { file: path.join(dest, info.filename), seconds: r.seconds };
}

function checkTarball(file) {
  const listing = run('tar', ['tzf', file]);
  if (listing.status !== 0) throw new Problem(`${file}: not a readable tarball: ${listing.stderr.trim()}`, 2);
  const files = listing.stdout.split('\n').filter(Boolean);
  const missing = REQUIRED.filter((want) => !files.some((f) => f === want || f.startsWith(`${want}/`)));
  if (missing.length) {
    throw new Problem(`${path.basename(file)} lacks ${missing.join(', ')}: the installed provenant would not start or not parse Python (build with \`npm run build\` and pack again)`);
  }
  const stray = files.filter((f) => /^package\/dist\/(bench|test)\/|\.test\.[cm]?js$/.test(f));
  if (stray.length) throw new Problem(`${path.basename(file)} carries tests or benchmarks: ${stray.slice(0, 5).join(', ')}`);
  const manifest = JSON.parse(run('tar', ['xzfO', file, 'package/package.json']).stdout);
  const atInstall = ['preinstall', 'install', 'postinstall'].filter((s) => manifest.scripts?.[s]);
  if (atInstall.length) throw new Problem(`package.json runs ${atInstall.join(', ')} at install: a release must install without building`);
  if (manifest.name !== PACKAGE) throw new Problem(`the tarball is named ${manifest.name}, not ${PACKAGE}`);
  return { files: files.length, bytes: statSync(file).size, version: manifest.version };
}

function install(file, prefix, registry) {
  const env = { ...process.env, ...(registry ? { npm_config_registry: registry } : {}) };
  const r = run('npm', ['install', '-g', file, '--omit=optional', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error'], { env });
  if (r.status !== 0) {
    const unreachable = /E(CONNREFUSED|NOTFOUND|AI_AGAIN|TIMEDOUT|CONNRESET)|ETIMEDOUT|network/i.exec(r.stderr);
    const where = registry ?? run('npm', ['config', 'get', 'registry']).stdout.trim();
    if (unreachable) throw new Problem(`cannot reach the npm registry ${where} to install the tarball's dependencies (${unreachable[0]}); pass --registry URL or set npm_config_registry`, 2);
    throw new Problem(`npm install -g ${path.basename(file)} failed (exit ${r.status}):\n${r.stderr.trim().split('\n').slice(-15).join('\n')}`);
  }
  return r.seconds;
}

function main() {
  const { values } = parseArgs({
    options: { registry: { type: 'string' }, tarball: { type: 'string' }, keep: { type: 'boolean' }, json: { type: 'boolean' } },
  });
  const say = values.json ? () => undefined : (line) => process.stderr.write(`${line}\n`);
  const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'provenant-release-'));
  try {
    checkVersions(version);
    say(`versions agree: ${version}`);
    const packed = values.tarball ? { file: path.resolve(values.tarball), seconds: 0 } : pack(tmp);
    if (!existsSync(packed.file)) throw new Problem(`${packed.file}: no such tarball`, 2);
    const tarball = checkTarball(packed.file);
    say(`packed ${path.basename(packed.file)}: ${mb(tarball.bytes)}, ${tarball.files} files${packed.seconds ? ` (${packed.seconds.toFixed(1)} s with the build)` : ''}`);

    // an empty folder, as on a fresh machine: the install lands in its own prefix, the lab is copied beside it
    const prefix = path.join(tmp, 'prefix');
    const work = path.join(tmp, 'work');
    mkdirSync(prefix);
    mkdirSync(work);
    const installSeconds = install(packed.file, prefix, values.registry);
    const installed = path.join(prefix, 'lib', 'node_modules', PACKAGE);
    const installBytes = folderBytes(prefix);
    if (existsSync(path.join(installed, 'node_modules', 'node-llama-cpp')) || existsSync(path.join(prefix, 'lib', 'node_modules', 'node-llama-cpp'))) {
      throw new Problem('node-llama-cpp was installed: the slim install must leave the model runtime out');
    }
    say(`npm install -g --omit=optional: ${installSeconds.toFixed(1)} s, ${mb(installBytes)} on disk`);

    const bin = path.join(prefix, 'bin', 'provenant');
    const shown = run(bin, ['--version'], { cwd: work });
    if (shown.status !== 0 || shown.stdout.trim() !== `provenant ${version}`) {
      throw new Problem(`the installed provenant --version said ${JSON.stringify(shown.stdout.trim())} (exit ${shown.status}): ${shown.stderr.trim()}`);
    }
    cpSync(path.join(REPO, 'examples', 'stage1-lab'), path.join(work, 'examples', 'stage1-lab'), { recursive: true });
    const audited = run(bin, ['audit', 'examples/stage1-lab', '--format', 'json', '--no-cache'], { cwd: work, env: { ...process.env, NO_COLOR: '1' } });
    // the lab is seeded with the defects provenant exists to catch: exit 1 with findings is the pass
    let report;
    try {
      report = JSON.parse(audited.stdout);
    } catch {
      throw new Problem(`the installed provenant audit exited ${audited.status} without a report:\n${audited.stderr.trim()}`);
    }
    const codes = new Set(report.findings.map((f) => f.code));
    const expected = ['LOAD001', 'TMPL001', 'SCRIPT002'];
    if (audited.status !== 1 || !expected.every((c) => codes.has(c))) {
      throw new Problem(`the installed provenant audit exited ${audited.status} with ${[...codes].join(', ') || 'no findings'}; expected exit 1 with ${expected.join(', ')}\n${audited.stderr.trim()}`);
    }
    say(`installed provenant audit examples/stage1-lab: ${report.findings.length} findings (${[...codes].sort().join(', ')}), ${audited.seconds.toFixed(2)} s`);
    const summary = { version, tarballBytes: tarball.bytes, tarballFiles: tarball.files, installSeconds, installBytes, auditSeconds: audited.seconds, findings: report.findings.length };
    if (values.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else say('release check passed');
    return 0;
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    process.stderr.write(`release:check: ${error.message}\n`);
    return error.code;
  } finally {
    if (values.keep) process.stderr.write(`kept ${tmp}\n`);
    else rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = main();
