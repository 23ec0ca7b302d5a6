/**
 * `provenant model inspect|sentinel` through the built CLI: text and validated JSON, exit codes for a
 * failing sentinel (1) and bad files (2), attestations written to --attest and $PROVENANT_ATTEST and
 * folded into a `provenant run` stamp, node-llama-cpp missing (2, with the install hint), and the lazy
 * loading: an audit and an inspect never load node-llama-cpp. Module resolution is watched through a
 * loader hook registered with --import in the child. One sentinel runs with the default threads (= cores);
 * the others with one, which a tiny model prefers.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { formatSentinel, inspectModel } from '../../src/index.js';
import { ModelReportSchema, SentinelReportSchema } from '../../src/schemas/llm.js';
import { AttestationSchema, StatementSchema } from '../../src/schemas/stamp.js';
import { BIN, provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';
import { tinyGguf } from '../helpers/gguf.js';

let repo: GitDir;
const hook = (mode: 'watch' | 'missing'): string => path.join(repo.tmp, `${mode}.mjs`);

/** Runs the CLI with a resolve hook that reports (watch) or refuses (missing) node-llama-cpp. */
function withHook(mode: 'watch' | 'missing', args: string[], env: Record<string, string> = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(hook(mode)).href, BIN, ...args], { cwd: repo.root, encoding: 'utf8', input: '', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  repo = makeGitDir({
    'models/tiny.gguf': tinyGguf(),
    'models/notok.gguf': tinyGguf({ omit: ['tokenizer.'] }),
    'models/cut.gguf': tinyGguf().subarray(0, 4096),
    'models/readme.gguf': '# not a model\n',
    'scripts/load.py': 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("gpt2")\n',
  });
  for (const mode of ['watch', 'missing'] as const) {
    const body = mode === 'watch'
      ? `if (s === 'node-llama-cpp') process.stderr.write('HOOK: node-llama-cpp resolved\\n'); return next(s, c);`
      : `if (s === 'node-llama-cpp') { const e = new Error("Cannot find package 'node-llama-cpp'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c);`;
    const hooks = `export async function resolve(s, c, next) { ${body} }`;
    writeFileSync(hook(mode), `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});\n`);
  }
});
afterAll(() => repo.cleanup());

describe('model inspect', () => {
  it('prints the summary and a JSON document that validates', () => {
    const text = provenant(['model', 'inspect', 'models/tiny.gguf'], repo.root);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/chat template {2}embedded, chatml/);
    expect(text.stdout).toMatch(/assessment {5}base/);
    const json = provenant(['model', 'inspect', 'models/tiny.gguf', '--json'], repo.root);
    expect(ModelReportSchema.parse(JSON.parse(json.stdout))).toMatchObject({ path: 'models/tiny.gguf', tokenizer: { addBosToken: false } });
  });

  it('bad files exit 2 with the file and the problem named, no stack', () => {
    const cases: [string, RegExp][] = [
      ['models/missing.gguf', /models\/missing\.gguf: no such file/],
      ['models/readme.gguf', /models\/readme\.gguf: not a GGUF file/],
      ['models/cut.gguf', /models\/cut\.gguf: truncated GGUF: metadata (key [\w.]+|entry \d+ of \d+ \(after [\w.]+\)) needs bytes up to \d+ but the file has 4096/],
    ];
    for (const [file, message] of cases) {
      const r = provenant(['model', 'inspect', file], repo.root);
      expect(r.code, file).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    }
    const sentinel = provenant(['model', 'sentinel', 'models/notok.gguf'], repo.root);
    expect(sentinel.code).toBe(2);
    expect(sentinel.stderr).toMatch(/models\/notok\.gguf: the GGUF has no tokenizer/);
  });
});

describe('model sentinel', () => {
  it('passes, loads node-llama-cpp, shows both streams, and writes the attestation to --attest and $PROVENANT_ATTEST', async () => {
    const env = path.join(repo.tmp, 'env-attest.jsonl');
    const r = withHook('watch', ['model', 'sentinel', 'models/tiny.gguf', '--attest', 'out/attest.jsonl', '--json'], { PROVENANT_ATTEST: env });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('HOOK: node-llama-cpp resolved');
    const report = SentinelReportSchema.parse(JSON.parse(r.stdout));
    expect(report.passed).toBe(true);
    expect(report.chatSession.text).toContain('<|im_start|>user');
    for (const file of [path.join(repo.root, 'out/attest.jsonl'), env]) {
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(AttestationSchema.parse(JSON.parse(lines[0] ?? ''))).toMatchObject({ sentinel: { passed: true }, tokenizer: { chatTemplateApplied: false } });
    }
    const text = await formatSentinel(report);
    expect(text).toMatch(/^sentinel PASSED/);
    expect(text).toMatch(/clean path: \d+ tokens, BOS no +\| LlamaChatSession \(ChatML\): \d+ tokens, BOS yes/);
  });

  it('exits 1 on a contaminated prompt and on the chat session control run', () => {
    const marker = provenant(['model', 'sentinel', 'models/tiny.gguf', '--threads', '1', '--prompt', '<|im_start|>user\\nHi'], repo.root);
    expect(marker.code).toBe(1);
    expect(marker.stdout).toMatch(/FAIL no-template-markers-in-text: the prompt text contains "<\|im_start\|>"/);
    const chat = provenant(['model', 'sentinel', 'models/tiny.gguf', '--threads', '1', '--via', 'chat-session'], repo.root);
    expect(chat.code).toBe(1);
    expect(chat.stdout).toMatch(/FAIL evaluated-equals-raw-tokens/);
  });

  it('under provenant run, the sentinel result lands in the stamp', async () => {
    const r = provenant(['run', '--out', 'out/probe.jsonl', '--', process.execPath, BIN, 'model', 'sentinel', 'models/tiny.gguf', '--threads', '1', '--attest', 'out/probe.jsonl'], repo.root);
    expect(r.code, r.stderr).toBe(0);
    const stamp = StatementSchema.parse(JSON.parse(readFileSync(path.join(repo.root, 'out/probe.jsonl.prov.json'), 'utf8')));
    const { sha256: sha } = await inspectModel('models/tiny.gguf', { cwd: repo.root });
    expect(stamp.predicate.provenant.attestation).toMatchObject({ model: { revision: sha, format: 'gguf' }, sentinel: { passed: true } });
  });
});

describe('the optional dependency', () => {
  it('missing: the model commands exit 2 with the install hint; inspect still works', () => {
    const r = withHook('missing', ['model', 'sentinel', 'models/tiny.gguf']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/need node-llama-cpp, which is not installed/);
    expect(r.stderr).toMatch(/hint: install it .*npm install node-llama-cpp @node-llama-cpp\/linux-x64 --omit=optional/);
    expect(withHook('missing', ['model', 'inspect', 'models/tiny.gguf']).code).toBe(0);
  });

  it('an audit and an inspect never load it (the sentinel test above sees the watch fire)', () => {
    const audit = withHook('watch', ['audit', '--no-cache', 'scripts/load.py']);
    expect(audit.stdout).toContain('LOAD001');
    expect(audit.stderr).not.toContain('HOOK: node-llama-cpp');
    expect(withHook('watch', ['model', 'inspect', 'models/tiny.gguf']).stderr).not.toContain('HOOK: node-llama-cpp');
  });
});
