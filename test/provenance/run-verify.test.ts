import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runAndStamp } from '../../src/provenance/run.js';
import { VerifyReportSchema, type VerifyReport } from '../../src/schemas/stamp.js';
import { provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

const MAKE = `"""Writes SFT records."""
import json, os, sys
out = sys.argv[1]
n = int(os.environ.get("N", "3"))
with open(out, "w") as f:
    for i in range(n):
        resp = os.environ.get("RESPONSE", f"a{i}")
        f.write(json.dumps({"instruction": f"q{i}", "response": resp}) + "\\n")
if os.environ.get("ATTEST") and os.environ.get("PROVENANT_ATTEST"):
    with open(os.environ["PROVENANT_ATTEST"], "a") as f:
        f.write(os.environ["ATTEST"] + "\\n")
`;

const COPY = `"""Copies the first argument to the second."""
import shutil, sys
shutil.copyfile(sys.argv[1], sys.argv[2])
`;

function lab(extra: Record<string, string> = {}): GitDir {
  const repo = makeGitDir({
    'pyproject.toml': [
      '[tool.provenant]',
      'base-models = ["Qwen/Qwen2.5-32B"]',
      '[tool.provenant.provenance.qc.sft]',
      'kind = "sft"',
      'paths = ["data/sft*.jsonl"]',
      'required-fields = ["instruction", "response"]',
      '',
    ].join('\n'),
    'scripts/make.py': MAKE,
    'scripts/copy.py': COPY,
    'data/raw.jsonl': '{"q": 1}\n',
    ...extra,
  });
  repo.add();
  repo.commit('init');
  repos.push(repo);
  return repo;
}

function verify(repo: GitDir, ...paths: string[]): VerifyReport {
  const r = provenant(['verify', '--json', ...paths], repo.root);
  expect(r.code, r.stderr).toBeLessThanOrEqual(1);
  return VerifyReportSchema.parse(JSON.parse(r.stdout));
}

function verdictOf(repo: GitDir, p: string): { verdict: string; reasons: string[] } {
  const r = verify(repo, p).results[0];
  if (!r) throw new Error('no result');
  return r;
}

function make(repo: GitDir, out = 'data/sft.jsonl', env: Record<string, string> = {}, extra: string[] = []): ReturnType<typeof provenant> {
  return provenant(['run', '--out', out, '--in', 'data/raw.jsonl', ...extra, '--', 'python3', 'scripts/make.py', out], repo.root, env);
}

describe('provenant run', () => {
  it('stamps an output with digests, records, producer, git state, inputs and QC, and verify says ok', () => {
    const repo = lab();
    const r = make(repo);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('stamped data/sft.jsonl → data/sft.jsonl.prov.json');
    const stamp = JSON.parse(readFileSync(path.join(repo.root, 'data/sft.jsonl.prov.json'), 'utf8'));
    expect(stamp._type).toBe('https://in-toto.io/Statement/v1');
    expect(stamp.subject[0].annotations).toMatchObject({ kind: 'file', records: 3, fields: ['instruction', 'response'] });
    const block = stamp.predicate.provenant;
    expect(block.producer).toMatchObject({ path: 'scripts/make.py', status: 'active', audit: { errors: 0 } });
    expect(block.git.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(block.inputs).toEqual([expect.objectContaining({ path: 'data/raw.jsonl', stamp: null })]);
    expect(block.qc[0]).toMatchObject({ policy: 'sft', passed: true });
    expect(stamp.predicate.buildDefinition.externalParameters.argv).toEqual(['python3', 'scripts/make.py', 'data/sft.jsonl']);
    expect(verdictOf(repo, 'data/sft.jsonl').verdict).toBe('ok');
  });

  it('passes the command its exit code and stamps nothing when it fails', () => {
    const repo = lab({ 'scripts/fail.py': 'import sys\nopen(sys.argv[1], "w").write("x")\nsys.exit(7)\n' });
    const r = provenant(['run', '--out', 'data/x.txt', '--', 'python3', 'scripts/fail.py', 'data/x.txt'], repo.root);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('nothing was stamped');
    expect(existsSync(path.join(repo.root, 'data/x.txt.prov.json'))).toBe(false);
  });

  it('refuses a deprecated producer unless allowed, naming its replacement', () => {
    const repo = lab({ 'provenant-registry.yaml': 'version: 1\nfiles:\n  scripts/make.py:\n    status: deprecated\n    replaced_by: scripts/copy.py\n    reason: writes stale records\n' });
    const r = make(repo);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('refused: scripts/make.py is deprecated (writes stale records); use scripts/copy.py');
    expect(existsSync(path.join(repo.root, 'data/sft.jsonl'))).toBe(false);
    expect(make(repo, 'data/sft.jsonl', {}, ['--allow-deprecated']).code).toBe(0);
    // made by a script that was already deprecated: quarantined at once
    expect(verdictOf(repo, 'data/sft.jsonl').verdict).toBe('quarantined');
  });

  it('refuses a producer with error-level audit findings unless allowed', () => {
    const repo = lab({
      'scripts/chat.py': 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-32B")\ntext = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)\nopen("data/chat.txt", "w").write(text)\n',
    });
    const r = provenant(['run', '--out', 'data/chat.txt', '--', 'python3', 'scripts/chat.py'], repo.root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused: scripts\/chat.py has \d+ error-level audit finding\(s\) \(.*TMPL001/);
  });

  it('takes a caller\'s audit of the producer for the bytes it audited, and audits a script changed since', async () => {
    const repo = lab();
    const script = 'scripts/make.py';
    const sha256 = createHash('sha256').update(readFileSync(path.join(repo.root, script))).digest('hex');
    const said = { errors: 1, warnings: 0, codes: ['TMPL001'] };
    const run = (known: string | null) =>
      runAndStamp({
        argv: ['python3', script, 'data/sft.jsonl'],
        cwd: repo.root,
        outputs: ['data/sft.jsonl'],
        inputs: [],
        env: process.env,
        warn: () => undefined,
        audited: new Map([[script, { sha256: known, audit: said }]]),
      });
    // the clean script is refused on the caller's word: no audit of its own ran
    const trusted = await run(sha256);
    expect(trusted.kind).toBe('refused');
    expect(trusted.kind === 'refused' && trusted.reasons[0]).toMatch(/scripts\/make.py has 1 error-level audit finding\(s\) \(TMPL001\)/);
    // an audit of other bytes is not taken: the script is audited, found clean, and runs
    const stale = await run('0'.repeat(64));
    expect(stale.kind).toBe('stamped');
  });

  it('rejects bad arguments with exit 2: no --out, an output outside the project, a missing input, no command', () => {
    const repo = lab();
    expect(provenant(['run', '--', 'true'], repo.root)).toMatchObject({ code: 2 });
    const outside = provenant(['run', '--out', '../x', '--', 'true'], repo.root);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('outside the project');
    const missing = provenant(['run', '--out', 'a', '--in', 'nope.jsonl', '--', 'true'], repo.root);
    expect(missing.stderr).toContain('--in nope.jsonl: no such file or folder');
    expect(provenant(['run', '--out', 'a'], repo.root).stderr).toContain('no command to run');
    const notWritten = provenant(['run', '--out', 'never.txt', '--', 'true'], repo.root);
    expect(notWritten.code).toBe(2);
    expect(notWritten.stderr).toContain('did not write it');
  });

  it('stamps a directory as a sorted manifest of its files', () => {
    const repo = lab({ 'scripts/dir.py': 'import os\nos.makedirs("out/sub", exist_ok=True)\nopen("out/b.txt","w").write("b")\nopen("out/sub/a.txt","w").write("a")\n' });
    expect(provenant(['run', '--out', 'out', '--', 'python3', 'scripts/dir.py'], repo.root).code).toBe(0);
    const stamp = JSON.parse(readFileSync(path.join(repo.root, 'out.prov.json'), 'utf8'));
    expect(stamp.subject[0].annotations).toMatchObject({ kind: 'directory', files: 2, size: 2 });
    expect(verdictOf(repo, 'out').verdict).toBe('ok');
    writeFileSync(path.join(repo.root, 'out/sub/new.txt'), 'c');
    expect(verdictOf(repo, 'out').verdict).toBe('tampered');
  });

  it('records what the loader attested, and quarantines a chat template applied to a base model', () => {
    const repo = lab();
    const attest = JSON.stringify({ model: { id: 'Qwen/Qwen2.5-32B', revision: 'r1' }, tokenizer: { chatTemplateApplied: true, addSpecialTokens: false } });
    expect(make(repo, 'data/sft.jsonl', { ATTEST: attest }).code).toBe(0);
    const stamp = JSON.parse(readFileSync(path.join(repo.root, 'data/sft.jsonl.prov.json'), 'utf8'));
    expect(stamp.predicate.provenant.attestation.model).toEqual({ id: 'Qwen/Qwen2.5-32B', revision: 'r1' });
    const v = verdictOf(repo, 'data/sft.jsonl');
    expect(v.verdict).toBe('quarantined');
    expect(v.reasons[0]).toContain('chat template applied to base model Qwen/Qwen2.5-32B');
  });

  it('judges an attested model the way the audit does when base-models does not list it', () => {
    const repo = lab();
    const attest = (id: string): string => JSON.stringify({ model: { id }, tokenizer: { chatTemplateApplied: true } });
    expect(make(repo, 'data/sft.jsonl', { ATTEST: attest('meta-llama/Llama-3.1-8B') }).code).toBe(0);
    expect(verdictOf(repo, 'data/sft.jsonl').reasons[0]).toContain('chat template applied to base model meta-llama/Llama-3.1-8B');
    expect(make(repo, 'data/sft2.jsonl', { ATTEST: attest('meta-llama/Llama-3.1-8B-Instruct') }).code).toBe(0);
    expect(verdictOf(repo, 'data/sft2.jsonl').verdict).toBe('ok');
    // a name that says nothing is unknown, not base, for verify as for the audit
    expect(make(repo, 'data/sft3.jsonl', { ATTEST: attest('my-lab/policy-v3') }).code).toBe(0);
    expect(verdictOf(repo, 'data/sft3.jsonl').verdict).toBe('ok');
  });

  it('warns about a malformed attestation line and still stamps', () => {
    const repo = lab();
    const r = make(repo, 'data/sft.jsonl', { ATTEST: '{not json' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('PROVENANT_ATTEST line 1: not JSON');
  });
});

describe('provenant verify', () => {
  it('says unstamped for a file without a stamp, and exits 1', () => {
    const repo = lab();
    const r = provenant(['verify', 'data/raw.jsonl'], repo.root);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^unstamped\s+data\/raw.jsonl/);
  });

  it('finds edited data, an edited stamp, a copied stamp, a malformed stamp and paths escaping the repo', () => {
    const repo = lab();
    expect(make(repo).code).toBe(0);
    expect(make(repo, 'data/sft2.jsonl').code).toBe(0);
    const stampFile = path.join(repo.root, 'data/sft.jsonl.prov.json');
    const original = readFileSync(stampFile, 'utf8');

    writeFileSync(path.join(repo.root, 'data/sft2.jsonl'), '{"instruction":"q","response":"edited"}\n');
    expect(verdictOf(repo, 'data/sft2.jsonl').reasons[0]).toContain('content changed after it was stamped');

    writeFileSync(stampFile, original.replace('"records": 3', '"records": 4'));
    expect(verdictOf(repo, 'data/sft.jsonl')).toMatchObject({ verdict: 'tampered', reasons: [expect.stringContaining('was edited after provenant wrote it')] });

    writeFileSync(path.join(repo.root, 'data/sft2.jsonl.prov.json'), original);
    expect(verdictOf(repo, 'data/sft2.jsonl').reasons[0]).toContain('is the stamp of data/sft.jsonl, not of this file');

    writeFileSync(stampFile, '{"_type": "https://in-toto.io/Statement/v1", ');
    expect(verdictOf(repo, 'data/sft.jsonl').reasons[0]).toContain('the stamp is not JSON');

    const escaping = JSON.parse(original);
    escaping.predicate.provenant.inputs[0].path = '../../etc/passwd';
    writeFileSync(stampFile, JSON.stringify(escaping));
    expect(verdictOf(repo, 'data/sft.jsonl').reasons[0]).toContain('names paths outside the project: ../../etc/passwd');
  });

  it('rehashes with --full, after a rewrite, and trusts unchanged files otherwise', () => {
    const repo = lab();
    expect(make(repo).code).toBe(0);
    // run remembered the digest it took, so even the first verify does not reread the file
    const first = verify(repo, 'data/sft.jsonl').results[0];
    expect(first).toMatchObject({ verdict: 'ok', fastPath: true });
    writeFileSync(path.join(repo.root, 'data/sft.jsonl'), readFileSync(path.join(repo.root, 'data/sft.jsonl')));
    const rewritten = verify(repo, 'data/sft.jsonl').results[0];
    expect(rewritten).toMatchObject({ verdict: 'ok', fastPath: false });
    expect(verify(repo, 'data/sft.jsonl').results[0]?.fastPath).toBe(true);
    const full = VerifyReportSchema.parse(JSON.parse(provenant(['verify', '--json', '--full', 'data/sft.jsonl'], repo.root).stdout));
    expect(full.results[0]?.fastPath).toBe(false);
  });

  it('says stale when the producer or an input changed since, with the reason', () => {
    const repo = lab();
    expect(make(repo).code).toBe(0);
    writeFileSync(path.join(repo.root, 'data/raw.jsonl'), '{"q": 2}\n');
    expect(verdictOf(repo, 'data/sft.jsonl').reasons).toEqual([expect.stringContaining('input data/raw.jsonl changed since this was made')]);
    writeFileSync(path.join(repo.root, 'data/raw.jsonl'), '{"q": 1}\n');
    writeFileSync(path.join(repo.root, 'scripts/make.py'), MAKE + '# tweak\n');
    expect(verdictOf(repo, 'data/sft.jsonl')).toMatchObject({ verdict: 'stale', reasons: [expect.stringContaining('producer scripts/make.py changed since this was made')] });
  });

  it('quarantines what a producer made before the fix of a registered known bug, not after', () => {
    const repo = lab();
    expect(make(repo, 'data/sft_before.jsonl').code).toBe(0);
    repo.write({ 'scripts/make.py': MAKE + '# fixed\n' });
    repo.add();
    const fix = repo.commit('fix');
    expect(make(repo, 'data/sft_after.jsonl').code).toBe(0);
    repo.write({ 'provenant-registry.yaml': `version: 1\nfiles:\n  scripts/make.py:\n    bugs:\n      - summary: stored the wrong prompt\n        fixed_in: ${fix}\n` });
    const before = verdictOf(repo, 'data/sft_before.jsonl');
    expect(before.verdict).toBe('quarantined');
    expect(before.reasons[0]).toContain('before the fix of a known bug of scripts/make.py: "stored the wrong prompt"');
    expect(verdictOf(repo, 'data/sft_after.jsonl').verdict).toBe('ok');
  });

  it('quarantines what a producer made once the producer is deprecated, naming the replacement', () => {
    const repo = lab();
    expect(make(repo).code).toBe(0);
    repo.write({ 'provenant-registry.yaml': 'version: 1\nfiles:\n  scripts/make.py:\n    status: deprecated\n    replaced_by: scripts/copy.py\n' });
    expect(verdictOf(repo, 'data/sft.jsonl').reasons[0]).toContain('producer scripts/make.py is now deprecated (marked deprecated in the registry); regenerate with scripts/copy.py');
  });

  it('says failed-qc for an output that failed its policy, and run exits 1', () => {
    const repo = lab();
    const r = make(repo, 'data/sft.jsonl', { RESPONSE: '[GENERATION FAILED]' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('QC FAILED');
    const v = verdictOf(repo, 'data/sft.jsonl');
    expect(v.verdict).toBe('failed-qc');
    expect(v.reasons.join('\n')).toContain('empty-or-placeholder-rate failed (1 vs 0)');
  });

  it('says upstream-bad when an input fails, printing the chain through every link', () => {
    const repo = lab();
    expect(make(repo).code).toBe(0);
    const copy = (from: string, to: string): number | null =>
      provenant(['run', '--in', from, '--out', to, '--', 'python3', 'scripts/copy.py', from, to], repo.root).code;
    expect(copy('data/sft.jsonl', 'data/b.jsonl')).toBe(0);
    expect(copy('data/b.jsonl', 'data/c.jsonl')).toBe(0);
    expect(verdictOf(repo, 'data/c.jsonl').verdict).toBe('ok');
    writeFileSync(path.join(repo.root, 'scripts/make.py'), MAKE + '# changed\n');
    const c = verify(repo, 'data/c.jsonl').results[0];
    expect(c?.verdict).toBe('upstream-bad');
    expect(c?.chain).toEqual([
      { path: 'data/c.jsonl', verdict: 'upstream-bad' },
      { path: 'data/b.jsonl', verdict: 'upstream-bad' },
      { path: 'data/sft.jsonl', verdict: 'stale' },
    ]);
    const text = provenant(['verify', 'data/c.jsonl'], repo.root).stdout;
    expect(text).toContain('chain: data/c.jsonl [upstream-bad] ← data/b.jsonl [upstream-bad] ← data/sft.jsonl [stale]');
  });

  it('still verifies with the ledger deleted, with a note that says how to restore it', () => {
    const repo = lab();
    expect(make(repo).code).toBe(0);
    rmSync(path.join(repo.root, '.provenant/ledger.db'));
    const r = provenant(['verify', 'data/sft.jsonl'], repo.root);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('no ledger at .provenant/ledger.db');
    expect(r.stderr).toContain('provenant ledger rebuild');
  });

  it('refuses an unreadable ledger with exit 2 instead of deleting its history', () => {
    const repo = lab();
    expect(make(repo).code).toBe(0);
    for (const suffix of ['-wal', '-shm']) rmSync(path.join(repo.root, `.provenant/ledger.db${suffix}`), { force: true });
    writeFileSync(path.join(repo.root, '.provenant/ledger.db'), 'garbage'.repeat(1000));
    const r = provenant(['verify', 'data/sft.jsonl'], repo.root);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('ledger.db: the ledger is unreadable');
    expect(r.stderr).toContain('provenant ledger rebuild');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('signing', () => {
  it('signs stamps once a key exists, verifies them, and catches a forged signature or an unknown key', () => {
    const repo = lab();
    const env = { PROVENANT_KEYS_HOME: path.join(repo.tmp, 'home', 'keys') };
    const init = provenant(['keys', 'init'], repo.root, env);
    expect(init.code, init.stderr).toBe(0);
    const keyId = /key ([0-9a-f]{16})/.exec(init.stdout)?.[1];
    expect(readdirSync(path.join(repo.root, '.provenant-keys'))).toEqual([`${keyId}.pub`]);
    expect(make(repo, 'data/sft.jsonl', env).stderr).toContain(`signed by ${keyId}`);
    const stampFile = path.join(repo.root, 'data/sft.jsonl.prov.json');
    const envelope = JSON.parse(readFileSync(stampFile, 'utf8'));
    expect(envelope.payloadType).toBe('application/vnd.in-toto+json');
    const ok = verify(repo, 'data/sft.jsonl').results[0];
    expect(ok).toMatchObject({ verdict: 'ok', signedBy: keyId });

    // a forged payload under the old signature; the ledger is removed so only the signature can tell
    const statement = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8'));
    statement.predicate.provenant.producer.status = 'canonical';
    writeFileSync(stampFile, JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }));
    rmSync(path.join(repo.root, '.provenant/ledger.db'));
    expect(verdictOf(repo, 'data/sft.jsonl')).toMatchObject({ verdict: 'bad-signature', reasons: [expect.stringContaining('does not match the stamp')] });

    writeFileSync(stampFile, JSON.stringify({ ...envelope, signatures: [{ keyid: 'feedfacefeedface', sig: envelope.signatures[0].sig }] }));
    expect(verdictOf(repo, 'data/sft.jsonl').reasons[0]).toContain('feedfacefeedface, which is not among the allowed keys');
  });

  it('refuses unsigned stamps when the config requires signatures', () => {
    const repo = lab();
    expect(make(repo).code).toBe(0);
    writeFileSync(path.join(repo.root, 'pyproject.toml'), readFileSync(path.join(repo.root, 'pyproject.toml'), 'utf8') + '[tool.provenant.provenance]\nrequire-signature = true\n');
    expect(verdictOf(repo, 'data/sft.jsonl').verdict).toBe('bad-signature');
  });

  it('refuses to keep the private key inside the project', () => {
    const repo = lab();
    const r = provenant(['keys', 'init'], repo.root, { PROVENANT_KEYS_HOME: path.join(repo.root, 'keys') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the private key folder is inside the project');
  });
});
