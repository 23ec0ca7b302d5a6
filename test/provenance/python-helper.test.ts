import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { UserError } from '../../src/core/errors.js';
import { writePythonHelper } from '../../src/provenance/python/helper.js';
import { readAttestation } from '../../src/provenance/run.js';
import { StatementSchema } from '../../src/schemas/stamp.js';
import { BIN, provenant, REPO } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

const LOADER = '"""The sanctioned loader."""\nclass CleanModelLoader:\n    pass\n';

function lab(): GitDir {
  const repo = makeGitDir({
    'pyproject.toml': '[tool.provenant]\nsanctioned-loaders = ["utils.clean_model_loader.CleanModelLoader"]\nbase-models = ["Qwen/Qwen2.5-32B"]\n',
    'scripts/utils/__init__.py': '',
    'scripts/utils/clean_model_loader.py': LOADER,
  });
  repos.push(repo);
  return repo;
}

/** Runs Python code with the helper's folder importable; returns exit code, stdout, stderr. */
function python(repo: GitDir, code: string, env: NodeJS.ProcessEnv = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync('python3', ['-c', code], {
    cwd: repo.root,
    env: { ...process.env, PYTHONPATH: path.join(repo.root, 'scripts/utils'), PYTHONWARNINGS: 'default', PROVENANT_ATTEST: undefined, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const TOKENIZER = `
class Backend:
    def to_str(self):
        return '{"model": {"type": "BPE"}}'

class Tokenizer:
    chat_template = "{% for m in messages %}<|im_start|>{{ m.content }}{% endfor %}"
    add_bos_token = False
    backend_tokenizer = Backend()
`;

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('the Python helper', () => {
  it('init --python-helper writes it next to the sanctioned loader, keeps a different file unless forced', async () => {
    const repo = lab();
    expect(await writePythonHelper({ cwd: repo.root })).toEqual({ file: 'scripts/utils/provenant_helper.py', action: 'created', why: 'next to the sanctioned loader scripts/utils/clean_model_loader.py' });
    expect((await writePythonHelper({ cwd: repo.root })).action).toBe('unchanged');
    writeFileSync(path.join(repo.root, 'scripts/utils/provenant_helper.py'), '# mine\n');
    await expect(writePythonHelper({ cwd: repo.root })).rejects.toThrow(UserError);
    expect(readFileSync(path.join(repo.root, 'scripts/utils/provenant_helper.py'), 'utf8')).toBe('# mine\n');
    expect((await writePythonHelper({ cwd: repo.root, force: true })).action).toBe('updated');
    const cli = provenant(['init', '--python-helper', 'tools'], repo.root);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toBe('created tools/provenant_helper.py\n');
    const again = provenant(['init', '--python-helper'], repo.root);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^unchanged scripts\/utils\/provenant_helper\.py/);
  });

  it('attestations land in PROVENANT_ATTEST with the keys the stamp\'s attestation schema reads', async () => {
    const repo = lab();
    await writePythonHelper({ cwd: repo.root });
    const attestFile = path.join(repo.tmp, 'attest.jsonl');
    const r = python(repo, `${TOKENIZER}
import provenant_helper as p
assert p.attest_model("Qwen/Qwen2.5-32B", revision="abc123", base=True)
p.attest_tokenizer(Tokenizer(), applied=False, add_special_tokens=False)
p.attest_sentinel(True, {"template removed": True, "no special tokens": True})
p.attest(sampling={"temperature": 0.7, "top_p": 0.95}, seed=17)
`, { PROVENANT_ATTEST: attestFile });
    expect(r.code, r.stderr).toBe(0);
    const warnings: string[] = [];
    const attestation = readAttestation(attestFile, (m) => warnings.push(m));
    expect(warnings).toEqual([]);
    expect(attestation).toEqual({
      model: { id: 'Qwen/Qwen2.5-32B', revision: 'abc123', base: true },
      tokenizer: {
        chatTemplatePresent: true,
        chatTemplateSha256: sha256('{% for m in messages %}<|im_start|>{{ m.content }}{% endfor %}'),
        chatTemplateApplied: false,
        addSpecialTokens: false,
        addBos: false,
        sha256: sha256('{"model": {"type": "BPE"}}'),
      },
      sentinel: { passed: true, checks: [{ name: 'template removed', passed: true }, { name: 'no special tokens', passed: true }] },
      sampling: { temperature: 0.7, top_p: 0.95 },
      seed: 17,
    });
  });

  it('outside a run it writes nothing and warns once', async () => {
    const repo = lab();
    await writePythonHelper({ cwd: repo.root });
    const r = python(repo, `${TOKENIZER}
import provenant_helper as p
print(p.attest_model("m"), p.attest_tokenizer(Tokenizer()))
`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('False False\n');
    expect(r.stderr.match(/PROVENANT_ATTEST is not set/g)).toHaveLength(1);
  });

  it('a loader that attests under `provenant run` puts its facts into the stamp', async () => {
    const repo = lab();
    await writePythonHelper({ cwd: repo.root });
    repo.write({
      'scripts/make.py': [
        '"""Writes one record and attests the model it would have used."""',
        'import json, sys',
        'from pathlib import Path',
        'sys.path.insert(0, str(Path(__file__).resolve().parent / "utils"))',
        'from provenant_helper import attest_model, attest_sentinel',
        'attest_model("Qwen/Qwen2.5-32B", revision="abc123", base=True)',
        'attest_sentinel(True, [("template removed", True)])',
        'Path(sys.argv[1]).write_text(json.dumps({"instruction": "q", "response": "a"}) + "\\n")',
        '',
      ].join('\n'),
    });
    repo.add();
    repo.commit('make');
    const run = provenant(['run', '--out', 'out.jsonl', '--', 'python3', 'scripts/make.py', 'out.jsonl'], repo.root);
    expect(run.code, run.stderr).toBe(0);
    const statement = StatementSchema.parse(JSON.parse(readFileSync(path.join(repo.root, 'out.jsonl.prov.json'), 'utf8')));
    expect(statement.predicate.provenant.attestation).toEqual({
      model: { id: 'Qwen/Qwen2.5-32B', revision: 'abc123', base: true },
      sentinel: { passed: true, checks: [{ name: 'template removed', passed: true }] },
    });
  });

  it('require_verified returns for an ok artifact and raises ProvenanceError with the verdict otherwise', async () => {
    const repo = lab();
    await writePythonHelper({ cwd: repo.root });
    repo.write({ 'scripts/make.py': '"""Writes a file."""\nimport sys\nopen(sys.argv[1], "w").write("x\\n")\n' });
    repo.add();
    repo.commit('make');
    const env = { PROVENANT_BIN: `"${process.execPath}" "${BIN}"` };
    const check = (rel: string): ReturnType<typeof python> => python(repo, `
import json, provenant_helper as p
try:
    print(json.dumps(p.require_verified(${JSON.stringify(rel)})["verdict"]))
except p.ProvenanceError as e:
    print(json.dumps([e.verdict, e.reasons]))
`, env);

    writeFileSync(path.join(repo.root, 'plain.txt'), 'x\n');
    expect(JSON.parse(check('plain.txt').stdout)).toEqual(['unstamped', [expect.stringContaining('no stamp')]]);
    expect(provenant(['run', '--out', 'made.txt', '--', 'python3', 'scripts/make.py', 'made.txt'], repo.root).code).toBe(0);
    expect(JSON.parse(check('made.txt').stdout)).toBe('ok');
    writeFileSync(path.join(repo.root, 'made.txt'), 'edited\n');
    expect(JSON.parse(check('made.txt').stdout)[0]).toBe('tampered');

    const broken = python(repo, 'import provenant_helper as p\np.require_verified("made.txt")', { PROVENANT_BIN: 'false' });
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/ProvenanceError: .*made\.txt: error \(provenant verify exited 1: no output\)/);
  });

  it('without PROVENANT_BIN or provenant on PATH, runs provenant-cli pinned to its own version through npx', async () => {
    const repo = lab();
    await writePythonHelper({ cwd: repo.root });
    const { version } = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string };
    // an npx that records how it was asked and answers as provenant would
    const tools = path.join(repo.root, 'tools');
    mkdirSync(tools);
    writeFileSync(path.join(tools, 'npx'), `#!/bin/sh\necho "$*" > "${tools}/npx.args"\necho '{"results": [{"verdict": "ok", "reasons": []}]}'\n`, { mode: 0o755 });
    writeFileSync(path.join(repo.root, 'data.txt'), 'x\n');
    const r = python(repo, 'import provenant_helper as p\nprint(p.require_verified("data.txt")["verdict"])', {
      PROVENANT_BIN: undefined,
      PATH: [tools, path.dirname(execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim()), '/usr/bin', '/bin'].join(path.delimiter),
    });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok\n');
    expect(readFileSync(path.join(tools, 'npx.args'), 'utf8')).toBe(`--yes --package=provenant-cli@${version} -- provenant verify --json ${path.join(repo.root, 'data.txt')}\n`);
  });

  it('require_verified refuses a file whose only stamp is an investigation, until a person accepts it', async () => {
    const repo = lab();
    await writePythonHelper({ cwd: repo.root });
    repo.write({ 'old.jsonl': '{"instruction": "q", "response": "a"}\n' });
    repo.add();
    repo.commit('legacy data');
    const env = { PROVENANT_BIN: `"${process.execPath}" "${BIN}"` };
    const check = (): unknown => JSON.parse(python(repo, `
import json, provenant_helper as p
try:
    print(json.dumps(p.require_verified("old.jsonl")["verdict"]))
except p.ProvenanceError as e:
    print(json.dumps(e.verdict))
`, env).stdout);
    expect(provenant(['investigate', '--record', 'old.jsonl'], repo.root).code).toBe(0);
    expect(check()).toBe('suspect');
    expect(provenant(['investigate', '--accept', '--reason', 'spot-checked every record', 'old.jsonl'], repo.root).code).toBe(0);
    expect(check()).toBe('ok');
  });
});
