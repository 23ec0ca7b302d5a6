/**
 * Notebooks end to end: real nbformat 4 JSON (source lists and single strings, Windows line endings, a
 * syntax error, an empty notebook, a large one whose size is images), through the library and the CLI.
 */
import { mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { audit } from '../../src/index.js';
import { provenant } from '../helpers/exec.js';
import { imageOutput, notebook, sourceLines } from '../helpers/notebook.js';
import { tmpProject } from '../helpers/tmp.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()?.();
});
function project(files: Record<string, string | Buffer>): string {
  const p = tmpProject({ 'provenant.toml': '', 'scripts/existing.py': 'print(1)\n', ...files });
  cleanups.push(p.cleanup);
  return p.dir;
}

const EVAL = notebook([
  { markdown: sourceLines('# Eval\nCall `tok.apply_chat_template(messages)` and `!python scripts/nowhere.py` here.') },
  { code: sourceLines('%pip install transformers\nfrom transformers import AutoTokenizer\nBASE = "meta-llama/Llama-3.1-8B"\nmessages = [{"role": "user", "content": "hi"}]') },
  {
    code: sourceLines('tok = AutoTokenizer.from_pretrained(BASE)\ntext = tok.apply_chat_template(messages, tokenize=False)\nids = tok(text)'),
    outputs: [{ name: 'stdout', output_type: 'stream', text: ['<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n', 'tok.apply_chat_template(messages)\n'] }],
  },
  { code: '!python scripts/gen.py --n 5\r\n!python scripts/existing.py\r\n' },
  { code: sourceLines('%%bash\naccelerate launch scripts/train.py') },
]);

describe('notebooks', () => {
  it('are audited by default: imports resolve across cells, findings carry cell and line', async () => {
    const dir = project({ 'eval.ipynb': EVAL });
    const r = await audit({ paths: [dir], cwd: dir });
    const at = r.findings.map((f) => `${f.code} cell ${f.cell?.index}:${f.cell?.line}:${f.span.col}`);
    expect(at).toEqual(expect.arrayContaining(['LOAD001 cell 3:1:7', 'TMPL001 cell 3:2:8', 'TOK002 cell 3:3:7', 'SCRIPT002 cell 4:1:9', 'SCRIPT002 cell 5:2:19']));
    // markdown and outputs never fire; the script that exists is not missing
    expect(r.findings.every((f) => f.cell && f.cell.index >= 3)).toBe(true);
    expect(r.findings.filter((f) => f.code === 'SCRIPT002')).toHaveLength(2);
    expect(r.stats.filesAnalysed).toBe(1);
    // span.line is the notebook JSON's line holding that source line
    const lines = EVAL.split('\n');
    const tmpl = r.findings.find((f) => f.code === 'TMPL001');
    expect(lines[(tmpl?.span.line ?? 0) - 1]).toContain('apply_chat_template(messages, tokenize=False)');
    const script = r.findings.find((f) => f.code === 'SCRIPT002' && f.cell?.index === 4);
    expect(lines[(script?.span.line ?? 0) - 1]).toContain('!python scripts/gen.py');
  });

  it('prints cell locations as Ruff does, and SARIF regions on the JSON lines', () => {
    const dir = project({ 'eval.ipynb': EVAL });
    const text = provenant(['audit', 'eval.ipynb', '--no-cache'], dir);
    expect(text.stdout).toMatch(/^eval\.ipynb:cell 3:2:8: TMPL001 /m);
    expect(text.stdout).toContain('2 | text = tok.apply_chat_template(messages, tokenize=False)');
    const json = JSON.parse(provenant(['audit', 'eval.ipynb', '--format', 'json'], dir).stdout) as { findings: { code: string; cell?: unknown; span: { line: number } }[] };
    const tmpl = json.findings.find((f) => f.code === 'TMPL001');
    expect(tmpl?.cell).toEqual({ index: 3, line: 2 });
    const sarif = provenant(['audit', 'eval.ipynb', '--format', 'sarif'], dir).stdout;
    expect(sarif).toContain(`"startLine": ${tmpl?.span.line}`);
    const github = provenant(['audit', 'eval.ipynb', '--format', 'github'], dir).stdout;
    expect(github).toContain(`file=eval.ipynb,line=${tmpl?.span.line},endLine=`);
  });

  it('honours suppressions in a cell comment, and caches notebooks like any file', async () => {
    const nb = notebook([
      { code: sourceLines('from transformers import AutoTokenizer\n# provenant: ignore[LOAD001] only counts tokens\ntok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")') },
      { code: '!python scripts/gone.py  # provenant: ignore[SCRIPT002] written by the cell above\n' },
    ]);
    const dir = project({ 'nb.ipynb': nb });
    const cold = await audit({ paths: [dir], cwd: dir });
    expect(cold.findings.map((f) => f.code)).toEqual([]);
    expect(cold.stats.suppressed).toBe(2);
    const warm = await audit({ paths: [dir], cwd: dir });
    expect(warm.stats.filesParsed).toBe(0);
    expect(warm.stats.suppressed).toBe(2);
  });

  it('reports a cell that does not parse as PARSE001 and still analyses the others', async () => {
    const dir = project({
      'broken.ipynb': notebook([
        { code: 'from transformers import AutoTokenizer\n' },
        { code: sourceLines('def broken(:\n    pass') },
        { code: 'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")' },
      ]),
      'empty.ipynb': notebook([]),
    });
    const r = await audit({ paths: [dir], cwd: dir });
    expect(r.findings.map((f) => `${f.path} ${f.code} cell ${f.cell?.index}:${f.cell?.line}`)).toEqual([
      'broken.ipynb PARSE001 cell 2:1',
      'broken.ipynb LOAD001 cell 3:1',
    ]);
    expect(r.skipped).toEqual([]);
    expect(r.stats.filesAnalysed).toBe(2);
  });

  it('skips bad notebooks with a reason naming the file and cell, never an "All clear"', () => {
    const dir = project({
      'empty.ipynb': '',
      'text.ipynb': 'print("hello")\n',
      'truncated.ipynb': EVAL.slice(0, 200),
      'old.ipynb': JSON.stringify({ nbformat: 3, nbformat_minor: 0, worksheets: [{ cells: [] }], metadata: {} }),
      'odd.ipynb': notebook([{ code: 'x = 1\n' }, { code: { lines: 1 } as unknown as string }]),
    });
    mkdirSync(path.join(dir, 'folder.ipynb'));
    const r = provenant(['audit', 'empty.ipynb', 'text.ipynb', 'truncated.ipynb', 'old.ipynb', 'odd.ipynb', 'folder.ipynb'], dir);
    expect(r.stderr).toContain('empty.ipynb: skipped: not a notebook: the file is empty (0 bytes)');
    expect(r.stderr).toMatch(/text\.ipynb: skipped: not a notebook: invalid JSON/);
    expect(r.stderr).toMatch(/truncated\.ipynb: skipped: not a notebook: invalid JSON/);
    expect(r.stderr).toContain('old.ipynb: skipped: nbformat 3 notebooks are not supported');
    expect(r.stderr).toContain('odd.ipynb: skipped: cell 2: "source" is neither a string nor a list of strings');
    expect(r.stderr).toContain('folder.ipynb: skipped: a directory, not a notebook file');
    // named on the command line, a file that is no notebook is a usage error naming it, after the report
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/provenant: error: cannot audit empty\.ipynb: not a notebook: the file is empty \(0 bytes\); folder\.ipynb: a directory, not a notebook file; odd\.ipynb: cell 2: /);
    expect(r.stdout).not.toContain('All clear');
    for (const one of ['text.ipynb', 'truncated.ipynb', 'old.ipynb', 'folder.ipynb']) {
      const single = provenant(['audit', one, '--format', 'json'], dir);
      expect(single.code).toBe(2);
      expect(single.stderr).toContain(`provenant: error: cannot audit ${one}: `);
      expect(single.stderr).not.toMatch(/internal error|\n\s+at /);
    }
    // found by walking the project, such files are listed as skipped: the audit of the rest stands
    const walked = provenant(['audit'], dir);
    expect(walked.code).toBe(0);
    expect(walked.stderr).toContain('old.ipynb: skipped: nbformat 3 notebooks are not supported');
    expect(walked.stdout).not.toContain('All clear');
  });

  it('a notebook over max-file-size in its code cells is skipped as too large, not refused', () => {
    const dir = project({ 'provenant.toml': 'max-file-size = 100\n', 'big.ipynb': notebook([{ code: `x = "${'a'.repeat(200)}"\n` }]) });
    const r = provenant(['audit', 'big.ipynb'], dir);
    expect(r.stderr).toMatch(/big\.ipynb: skipped: code cells too large/);
    expect(r.code).toBe(0);
  });

  it('follows %cd for the ! lines after it, keeps a cd inside a ! line or a %%bash cell to that command, and knows %%writefile', async () => {
    const dir = project({
      'tools/prep.py': 'print(1)\n',
      'nb.ipynb': notebook([
        { code: sourceLines('!cd tools && python gone_here.py\n!python scripts/existing.py') },
        { code: sourceLines('%%bash\ncd tools\npython prep.py') },
        { code: sourceLines('!python scripts/existing.py\n%cd -q scripts\n!python existing.py\n!python missing.py') },
        { code: sourceLines('%cd ../tools\n!python prep.py') },
        { code: sourceLines('%%writefile made.py\nprint(1)') },
        { code: sourceLines('!python made.py') },
      ]),
    });
    const r = await audit({ paths: [dir], cwd: dir, select: ['SCRIPT'] });
    // `!cd` runs in a subshell of its own: the next line starts where the notebook is
    expect(r.findings.map((f) => `${f.code} cell ${f.cell?.index}:${f.cell?.line} ${/looked for `([^`]+)`/.exec(f.message)?.[1]}`)).toEqual([
      'SCRIPT002 cell 1:1 tools/gone_here.py',
      'SCRIPT002 cell 3:4 scripts/missing.py',
    ]);
  });

  it('reports a shell line that does not parse as PARSE001 in its cell', async () => {
    const dir = project({
      'nb.ipynb': notebook([{ code: 'x = 1\n' }, { code: sourceLines('%%bash\necho "unterminated\npython scripts/existing.py') }, { code: '!echo \'open\n' }]),
    });
    const r = await audit({ paths: [dir], cwd: dir, select: ['PARSE'] });
    expect(r.findings.map((f) => `${f.code} cell ${f.cell?.index}:${f.cell?.line}`)).toEqual(['PARSE001 cell 2:2', 'PARSE001 cell 3:1']);
    const text = provenant(['audit', 'nb.ipynb', '--select', 'PARSE'], dir);
    expect(text.stdout).toMatch(/^nb\.ipynb:cell 2:2:\d+: PARSE001 /m);
    expect(text.code).toBe(1);
  });

  it('reads a 20 MB notebook whose size is image outputs', async () => {
    const cells = [
      { code: sourceLines('from transformers import AutoTokenizer\nimport matplotlib.pyplot as plt') },
      ...Array.from({ length: 20 }, (_, i) => ({ code: sourceLines(`plt.plot(range(${i}))\nplt.show()`), outputs: [imageOutput(1_000_000)] })),
      { code: 'tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")\n' },
    ];
    const dir = project({ 'plots.ipynb': notebook(cells) });
    expect(statSync(path.join(dir, 'plots.ipynb')).size).toBeGreaterThan(20_000_000);
    const r = await audit({ paths: [dir], cwd: dir });
    expect(r.skipped).toEqual([]);
    expect(r.findings.map((f) => `${f.code} cell ${f.cell?.index}:${f.cell?.line}`)).toEqual(['LOAD001 cell 22:1']);
  });
});
