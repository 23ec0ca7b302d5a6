import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REDACTED, redactArgv, redactEnv, redactText, redactValue, secretName } from '../../src/core/redact.js';
import { provenant } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

const repos: GitDir[] = [];
afterEach(() => {
  while (repos.length) repos.pop()?.cleanup();
});

/** Every shape a secret takes on a command line, in params or in the environment; none may reach a stamp. */
const SHAPES: { name: string; secret: string; argv: string[] }[] = [
  { name: 'flag then value', secret: 'X7-plain', argv: ['--token', 'X7-plain'] },
  { name: 'flag=value', secret: 'sk-abcdefghijklmnop1234', argv: ['--api-key=sk-abcdefghijklmnop1234'] },
  { name: 'snake-case flag', secret: 'hf_abcdefghijklmnopqrstu', argv: ['--hf_token', 'hf_abcdefghijklmnopqrstu'] },
  { name: 'password flag', secret: 'correct-horse', argv: ['--password', 'correct-horse'] },
  { name: 'URL credentials', secret: 'PASS123', argv: ['https://user:PASS123@host.example/x'] },
  { name: 'Hugging Face token anywhere', secret: 'hf_ZYXWVUTSRQPONMLKJIHGF', argv: ['--model-token-x', 'hf_ZYXWVUTSRQPONMLKJIHGF'] },
  { name: 'OpenAI project key', secret: 'sk-proj-AbCdEfGhIjKlMnOpQrSt', argv: ['OPENAI=sk-proj-AbCdEfGhIjKlMnOpQrSt'] },
  { name: 'Anthropic key', secret: 'sk-ant-api03-AbCdEfGhIjKlMnOpQrSt', argv: ['--llm', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrSt'] },
  { name: 'GitHub PAT (classic)', secret: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789', argv: ['ghp_abcdefghijklmnopqrstuvwxyz0123456789'] },
  { name: 'GitHub PAT (fine-grained)', secret: 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop', argv: ['--gh', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnop'] },
  { name: 'Slack bot token', secret: 'xoxb-1234567890-abcdefghij', argv: ['xoxb-1234567890-abcdefghij'] },
  { name: 'Slack webhook', secret: 'T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', argv: ['--notify', 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'] },
  { name: 'AWS access key id', secret: 'AKIAIOSFODNN7EXAMPLE', argv: ['--aws', 'AKIAIOSFODNN7EXAMPLE'] },
  { name: 'high-entropy value after a key flag', secret: 'q8Zr2LmX0vT4pW9sK1yB', argv: ['--wandb-key', 'q8Zr2LmX0vT4pW9sK1yB'] },
  { name: 'secret inside a shell string', secret: 'hunter2', argv: ['bash', '-c', 'python3 gen.py --password hunter2 --out x'] },
  { name: 'query-string token', secret: 'abc123secret', argv: ['https://api.example/v1?token=abc123secret&x=1'] },
];

/** Values that look a little like secrets but are ordinary arguments: they must stay readable. */
const KEPT: string[][] = [
  ['--max-tokens', '512'],
  ['--tokenizer', 'Qwen/Qwen2.5-7B'],
  ['--key', 'text'],
  ['--token-file', '/run/secrets/hf'],
  ['--num_tokens', '2048'],
  ['https://huggingface.co/Qwen/Qwen2.5-7B'],
  ['--text-key', 'prompt'],
];

describe('redaction (one module for argv, params, env and messages)', () => {
  it.each(SHAPES)('argv: $name', ({ secret, argv }) => {
    const r = redactArgv(['python3', 'gen.py', ...argv]);
    expect(r.value.join(' ')).not.toContain(secret);
    expect(r.value.join(' ')).toContain(REDACTED);
    expect(r.where.length).toBeGreaterThan(0);
  });

  it.each(SHAPES)('free text: $name', ({ secret, argv }) => {
    expect(redactText(`command changed: python3 gen.py ${argv.join(' ')}`)).not.toContain(secret);
  });

  it.each(KEPT)('keeps %s %s', (...argv) => {
    expect(redactArgv(argv).value).toEqual(argv);
  });

  it('names: strong, weak and not secret', () => {
    expect(['--token', 'HF_TOKEN', 'api_key', 'apiKey', 'DB_PASS', 'SESSION_COOKIE', 'password', 'GH_PAT'].map(secretName)).toEqual(Array(8).fill('strong'));
    expect(['--key', 'DATABASE_URL', 'auth'].map(secretName)).toEqual(['weak', 'weak', 'weak']);
    expect(['--tokenizer', '--max-tokens', 'TOKEN_FILE', 'HF_HOME', 'CUDA_VISIBLE_DEVICES'].map(secretName)).toEqual(Array(5).fill(null));
  });

  it('params: by key name and by value shape, recursively', () => {
    const r = redactValue({ token: 'abc', n: 5, nested: { url: 'https://u:pw@h/x' }, argv: ['--password', 'pw2'], pipeline: { template: ['gen', '--token', 'literal-tok'] } }, 'params');
    expect(JSON.stringify(r.value)).not.toMatch(/abc|:pw@|pw2|literal-tok/);
    expect(r.where).toEqual(['params.token', 'params.nested.url', 'params.argv[1] (--password)', 'params.pipeline.template[2] (--token)']);
  });

  it('env: the five secret-looking variables of the report keep their names, lose their values', () => {
    const r = redactEnv({
      GH_PAT: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      DATABASE_URL: 'postgres://u:hunter2@db/x',
      SLACK_HOOK: 'https://hooks.slack.com/services/T000/B000/XXXXXXXX',
      SESSION_COOKIE: 'abc',
      DB_PASS: 'pw',
      HF_HOME: '/cache/hf',
      MY_KEY: 'short',
      GH_AUTH: 'short2',
      TOKENIZERS_PARALLELISM: 'false',
      WANDB_BASE_URL: 'https://api.wandb.ai',
    });
    expect(JSON.stringify(r.value)).not.toMatch(/ghp_a|hunter2|T000|abc|"pw"/);
    expect(r.value.HF_HOME).toBe('/cache/hf');
    expect(r.value.TOKENIZERS_PARALLELISM).toBe('false');
    expect(r.value.WANDB_BASE_URL).toBe('https://api.wandb.ai');
    expect(r.value.DATABASE_URL).toBe(`postgres://u:${REDACTED}@db/x`);
    expect(r.where.sort()).toEqual(['env.DATABASE_URL', 'env.DB_PASS', 'env.GH_AUTH', 'env.GH_PAT', 'env.MY_KEY', 'env.SESSION_COOKIE', 'env.SLACK_HOOK']);
  });
});

describe('no secret lands in a stamp', () => {
  it('run: argv and provenance.env are redacted, the stamp says where, and the run says so', () => {
    const repo = makeGitDir({ 'provenant.toml': '[provenance]\nenv = ["GH_PAT", "DATABASE_URL", "SLACK_HOOK", "SESSION_COOKIE", "DB_PASS", "HF_TOKEN", "HF_HOME"]\n' });
    repo.add();
    repo.commit('init');
    repos.push(repo);
    const env = {
      GH_PAT: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789',
      DATABASE_URL: 'postgres://u:hunter2@db/x',
      SLACK_HOOK: 'https://hooks.slack.com/services/T000/B000/XXXXXXXX',
      SESSION_COOKIE: 'c00kie-value',
      DB_PASS: 'pw-db-pass',
      HF_TOKEN: 'hf_abcdefghijklmnopqrstu',
      HF_HOME: '/cache/hf',
    };
    const args = SHAPES.flatMap((s) => s.argv);
    const r = provenant(['run', '--out', 'o.txt', '--', 'sh', '-c', 'echo hi > o.txt', 'sh', ...args], repo.root, env);
    expect(r.code, r.stderr).toBe(0);
    const stamp = readFileSync(path.join(repo.root, 'o.txt.prov.json'), 'utf8');
    for (const s of SHAPES) expect(stamp, s.name).not.toContain(s.secret);
    for (const v of Object.values(env)) if (v !== '/cache/hf') expect(stamp).not.toContain(v.slice(-8));
    const block = JSON.parse(stamp).predicate.provenant as { redacted?: string[] };
    expect(block.redacted).toEqual(expect.arrayContaining(['env.HF_TOKEN', 'env.GH_PAT', 'argv[5] (--token)']));
    expect(JSON.parse(stamp).predicate.buildDefinition.internalParameters.env.HF_HOME).toBe('/cache/hf');
    expect(r.stderr).toMatch(/redacted \d+ secret-looking value/);
    for (const s of SHAPES) expect(r.stderr).not.toContain(s.secret);
  });

  it('pipeline: a token in params appears nowhere in the stamp, the plan or the log', () => {
    const spec = `version: 1
stages:
  - id: a
    cmd: [sh, -c, 'echo done > out.txt', sh, --hf-token, "\${params.hf_token}", "\${params.url}"]
    outputs: [out.txt]
    params: { hf_token: hf_abcdefghijklmnopqrstu, url: "https://bot:s3cr3tpw@hub.example/x" }
`;
    const repo = makeGitDir({ 'provenant.toml': '', 'provenant.pipeline.yaml': spec });
    repo.add();
    repo.commit('init');
    repos.push(repo);
    const run = provenant(['pipeline', 'run'], repo.root);
    expect(run.code, run.stderr).toBe(0);
    const plan = provenant(['pipeline', 'plan', '--json'], repo.root);
    const stamp = readFileSync(path.join(repo.root, 'out.txt.prov.json'), 'utf8');
    for (const text of [stamp, run.stdout, run.stderr, plan.stdout, plan.stderr]) {
      expect(text).not.toContain('hf_abcdefghijklmnopqrstu');
      expect(text).not.toContain('s3cr3tpw');
    }
    expect(stamp).toContain(REDACTED);
  });
});

describe('no secret in an error message', () => {
  it.each(SHAPES)('$name', ({ secret, argv }) => {
    const repo = makeGitDir({ 'provenant.toml': '' });
    repos.push(repo);
    // a command given without `--` is quoted back in the error (or its first unknown option is)
    const r = provenant(['run', '--out', 'o.txt', 'python3', 'gen.py', ...argv], repo.root);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain(secret);
  });
});
