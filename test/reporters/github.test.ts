import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MAX_ANNOTATIONS,
  MAX_SUMMARY_ROWS,
  renderGithub,
  renderGithubSummary,
  writeGithubSummary,
} from '../../src/audit/reporters/github.js';
import { audit, UserError, type AuditResult, type Finding } from '../../src/index.js';
import { tmpProject } from '../helpers/tmp.js';

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));
function project(files: Record<string, string | Buffer>): string {
  // a sanctioned loader makes each load by hand an error (without one it would be info)
  const p = tmpProject({ 'provenant.toml': 'base-models = ["Qwen/Qwen2.5-7B"]\nsanctioned-loaders = ["utils.loader.CleanLoader"]\n', ...files });
  cleanups.push(p.cleanup);
  return p.dir;
}

const LOAD = 'from transformers import AutoTokenizer\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B", trust_remote_code=True)\n';

/** n files each with one LOAD001 error and one LOAD002 warning, plus a skipped binary. */
async function auditOf(n: number): Promise<{ dir: string; result: AuditResult }> {
  const files: Record<string, string | Buffer> = { 'blob.py': Buffer.from([0x66, 0x00]) };
  for (let i = 0; i < n; i++) files[`scripts/s${String(i).padStart(2, '0')}.py`] = LOAD;
  const dir = project(files);
  return { dir, result: await audit({ paths: [dir], cwd: dir }) };
}

describe('renderGithub', () => {
  it('annotates the worst 10, errors first, lists the rest and ends with a summary line', async () => {
    const { dir, result } = await auditOf(7);
    expect(result.findings.map((f) => f.code).sort()).toEqual([...Array(7).fill('LOAD001'), ...Array(7).fill('LOAD002')]);
    const lines = renderGithub(result, { cwd: path.dirname(dir) }).trimEnd().split('\n');
    const commands = lines.filter((l) => l.startsWith('::'));
    expect(commands).toHaveLength(MAX_ANNOTATIONS);
    // all 7 errors, then the first 3 warnings, paths relative to the cwd
    expect(commands.slice(0, 7).every((l) => l.startsWith(`::error file=${path.basename(dir)}/scripts/s0`))).toBe(true);
    expect(commands.slice(7).every((l) => l.startsWith('::warning '))).toBe(true);
    expect(commands[0]).toMatch(/^::error file=[^,]+\/scripts\/s00\.py,line=2,col=\d+,endLine=2,endColumn=\d+,title=LOAD001 manual-model-load::/);
    const rest = lines.slice(MAX_ANNOTATIONS, -1);
    expect(rest).toHaveLength(4);
    expect(rest.every((l) => /^\S+\/scripts\/s0[3-6]\.py:2:\d+: LOAD002 \[warning\] /.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(
      'provenant: found 14 problems (7 errors, 7 warnings) in 7 files. The worst 10 are annotated; 4 more are listed above. 1 file skipped.',
    );
  });

  it('prints only the summary line when nothing is found', async () => {
    const dir = project({ 'ok.py': 'print("hello")\n' });
    expect(renderGithub(await audit({ paths: [dir], cwd: dir }), { cwd: dir })).toBe('provenant: no problems found.\n');
  });
});

describe('renderGithubSummary', () => {
  it('has a heading, counts by severity, a findings table and the skipped files', async () => {
    const { dir, result } = await auditOf(2);
    const md = renderGithubSummary(result, { cwd: dir });
    expect(md).toMatch(/^## provenant audit\n/);
    expect(md).toContain('| error | 2 |\n| warning | 2 |\n| info | 0 |');
    expect(md).toContain('| code | severity | location | message |');
    expect(md).toMatch(/\| LOAD001 \| error \| `scripts\/s00\.py:2` \| `AutoTokenizer\.from_pretrained` loads /);
    expect(md.indexOf('LOAD002')).toBeGreaterThan(md.lastIndexOf('| LOAD001 |'));
    expect(md).toContain('### Skipped files (1)\n\n- `blob.py`: binary file (contains NUL bytes)');
  });

  it('escapes messages for a Markdown table: no HTML, no column breaks, code spans kept', async () => {
    const { dir, result } = await auditOf(1);
    const base = result.findings[0] as Finding;
    const odd = { ...base, message: 'prompt has <s> and a|b, `<|im_start|>` and **x**\nnext' };
    const md = renderGithubSummary({ ...result, findings: [odd] }, { cwd: dir });
    const row = md.split('\n').find((l) => l.startsWith('| LOAD001'));
    expect(row).toBe('| LOAD001 | error | `scripts/s00.py:2` | prompt has \\<s\\> and a\\|b, `<\\|im_start\\|>` and \\*\\*x\\*\\* next |');
  });

  it(`caps the table at ${MAX_SUMMARY_ROWS} rows`, async () => {
    const { dir, result } = await auditOf(1);
    const base = result.findings[0] as Finding;
    const many = Array.from({ length: MAX_SUMMARY_ROWS + 5 }, (_, i) => ({ ...base, span: { ...base.span, line: i + 1 } }));
    const md = renderGithubSummary({ ...result, findings: many }, { cwd: dir });
    expect(md.split('\n').filter((l) => l.startsWith('| LOAD001'))).toHaveLength(MAX_SUMMARY_ROWS);
    expect(md).toContain('… and 5 more.');
  });

  it('says so when clean', async () => {
    const dir = project({});
    const md = renderGithubSummary(await audit({ paths: [dir], cwd: dir }), { cwd: dir });
    expect(md).toMatch(/^## provenant audit\n\nNo problems found\. \d+ files? checked \(0 analysed, 0 parsed\)\.\n$/);
  });
});

describe('writeGithubSummary', () => {
  it('appends to the file GITHUB_STEP_SUMMARY names, and does nothing without it', async () => {
    const { dir, result } = await auditOf(1);
    const file = path.join(dir, 'summary.md');
    writeFileSync(file, 'earlier step\n');
    expect(await writeGithubSummary(result, { GITHUB_STEP_SUMMARY: file }, dir)).toBe(true);
    expect(readFileSync(file, 'utf8')).toBe(`earlier step\n${renderGithubSummary(result, { cwd: dir })}`);
    expect(await writeGithubSummary(result, {}, dir)).toBe(false);
    expect(await writeGithubSummary(result, { GITHUB_STEP_SUMMARY: '' }, dir)).toBe(false);
  });

  it('a summary file that cannot be written is a user error', async () => {
    const { dir, result } = await auditOf(1);
    const folder = path.join(dir, 'a-folder');
    mkdirSync(folder);
    await expect(writeGithubSummary(result, { GITHUB_STEP_SUMMARY: folder }, dir)).rejects.toBeInstanceOf(UserError);
  });
});
