import { describe, expect, it } from 'vitest';
import { notebook, sourceLines } from '../../../test/helpers/notebook.js';
import { convertLine, joinCells, markdownDocstring, readNotebook, readNotebookSource, sourceOffsets } from './index.js';

function read(text: string) {
  const r = readNotebook(text);
  if (!r.ok) throw new Error(r.reason);
  return r.cells;
}

describe('readNotebook', () => {
  it('reads code cells with the JSON line of each source line, list or string', () => {
    const text = notebook([
      { markdown: ['# Title\n'] },
      { code: sourceLines('import os\nx = 1') },
      { code: 'a = 1\nb = 2\n' },
    ]);
    const cells = read(text);
    expect(cells.map((c) => c.index)).toEqual([2, 3]);
    expect(cells[0]?.text).toBe('import os\nx = 1\n');
    const lines = text.split('\n');
    const [importLine, xLine] = cells[0]?.jsonLines ?? [];
    expect(lines[(importLine ?? 0) - 1]).toContain('"import os\\n"');
    expect(lines[(xLine ?? 0) - 1]).toContain('"x = 1"');
    // a source written as one string is on one JSON line
    const one = cells[1]?.jsonLines ?? [];
    expect(one).toHaveLength(2);
    expect(one[0]).toBe(one[1]);
    expect(lines[(one[0] ?? 0) - 1]).toContain('"a = 1\\nb = 2\\n"');
  });

  it('is not misled by "source" keys and quotes inside outputs', () => {
    const text = notebook([
      { code: ['x = 1\n', 'y = 2'], outputs: [{ output_type: 'execute_result', data: { 'application/json': { source: ['nope "quoted" \\'] } }, metadata: {} }] },
    ]);
    expect(sourceOffsets(text).get(0)).toHaveLength(2);
    const cells = read(text);
    expect(text.split('\n')[(cells[0]?.jsonLines[1] ?? 0) - 1]).toContain('"y = 2"');
  });

  it('makes Windows line endings plain', () => {
    const cells = read(notebook([{ code: ['a = 1\r\n', 'b = 2\r\n'] }]));
    expect(cells[0]?.text).toBe('a = 1\nb = 2\n');
  });

  it('says why a file is no notebook it reads', () => {
    expect(readNotebook('')).toEqual({ ok: false, reason: 'not a notebook: the file is empty (0 bytes)' });
    expect(readNotebook('{"cells": [')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not a notebook: invalid JSON/) });
    expect(readNotebook('{"nbformat": 3, "worksheets": []}')).toMatchObject({ ok: false, reason: expect.stringMatching(/^nbformat 3 notebooks are not supported/) });
    expect(readNotebook(notebook([{ markdown: 'x' }, { code: 'ok' }, { code: 5 as unknown as string }]))).toEqual({
      ok: false,
      reason: 'cell 3: "source" is neither a string nor a list of strings',
    });
    expect(readNotebook('[]')).toMatchObject({ ok: false });
  });
});

describe('joinCells', () => {
  it('joins cells line for line and maps each line back', () => {
    const joined = joinCells(read(notebook([{ code: 'import os\n' }, { markdown: 'm' }, { code: sourceLines('a = 1\nb = os.getcwd()') }])));
    expect(joined.python).toBe('import os\na = 1\nb = os.getcwd()\n');
    expect(joined.cells).toEqual([1, 3, 3]);
    expect(joined.cellLines).toEqual([1, 1, 2]);
  });

  it('turns magics into `pass` and their shell into a text of the same lines and columns', () => {
    const joined = joinCells(
      read(notebook([{ code: sourceLines('%pip install x\n!python scripts/gen.py --n 5\nfiles = !ls data\nif True:\n    !accelerate launch t.py\n%cd dir\nx != 1') }, { code: sourceLines('%%bash\npython a.py\necho hi') }])),
    );
    expect(joined.python.split('\n')).toEqual(['pass', 'pass', 'files = None', 'if True:', '    pass', 'pass', 'x != 1', '', '', '', '']);
    const shell = joined.shell.split('\n');
    expect(shell[1]).toBe(' python scripts/gen.py --n 5');
    expect(shell[2]).toBe('         ls data');
    expect(shell[4]).toBe('     accelerate launch t.py');
    expect(shell.slice(7, 10)).toEqual(['', 'python a.py', 'echo hi']);
    expect(joined.display.split('\n')[1]).toBe('!python scripts/gen.py --n 5');
    // each `!` line is a command of its own, a %%bash body one command; %cd is kept as the cd it is
    expect(joined.commands).toEqual([{ first: 1, last: 1 }, { first: 2, last: 2 }, { first: 4, last: 4 }, { first: 8, last: 9 }]);
    expect(joined.cds).toEqual([{ at: 5, command: 'cd dir' }]);
  });

  it('keeps the Python body of %%time and drops that of %%writefile', () => {
    const joined = joinCells(read(notebook([{ code: '%%time\nx = 1\n' }, { code: '%%writefile a.py\nimport os\n' }])));
    expect(joined.python).toBe('\nx = 1\n\n\n');
    // the file it writes is told to the shell, which knows a later `!python a.py` runs a file made at run time
    expect(joined.shell.split('\n').slice(0, 4)).toEqual(['', '', ': > a.py', '']);
    expect(joined.commands).toEqual([{ first: 2, last: 2 }]);
  });

  it('reads the lines a `!cmd \\` continues as shell, not as Python', () => {
    const joined = joinCells(read(notebook([{ code: '!lm_eval --model hf \\\n    --model_args pretrained=gpt2 \\\n    --tasks hellaswag\nx = 1 + \\\n    2\n' }])));
    expect(joined.python.split('\n')).toEqual(['pass', '', '', 'x = 1 + \\', '    2', '']);
    expect(joined.shell.split('\n').slice(1, 3)).toEqual(['    --model_args pretrained=gpt2 \\', '    --tasks hellaswag']);
  });

  it('reads a magic without its `%` as IPython does: alone in its cell only, and never an assignment', () => {
    const cells = [
      { code: 'pip install langchain\n' },
      { code: '\n  cd data\n' },
      { code: 'sx python a.py\n' },
      { code: 'pip install x\nimport os\n' },
      { code: 'time = 3\n' },
      { code: 'ls, n = [], 0\n' },
      { code: 'report(x)\n' },
      { code: 'pwd\n\n' },
    ];
    const joined = joinCells(read(notebook(cells)));
    expect(joined.python.split('\n')).toEqual(['pass', '', '  pass', 'pass', 'pip install x', 'import os', 'time = 3', 'ls, n = [], 0', 'report(x)', 'pwd', '', '']);
    // the shell and the directory are read from the line as written
    expect(joined.shell.split('\n')[3]).toBe('   python a.py');
    expect(joined.cds).toEqual([{ at: 2, command: 'cd data' }]);
  });

  it('reads %system and %sx as shell', () => {
    expect(convertLine('%system python a.py')).toEqual({ python: 'pass', shell: '        python a.py' });
    expect(convertLine('out = %sx python a.py')).toEqual({ python: 'out = None', shell: '          python a.py' });
  });
});

describe('readNotebookSource', () => {
  it('reads an empty notebook as no code', () => {
    const r = readNotebookSource(notebook([]));
    expect(r.ok && r.notebook.python).toBe('');
  });
});

describe('markdownDocstring', () => {
  it('puts the first heading first, and drops badges, link targets and tags', () => {
    expect(markdownDocstring('[![Open In Colab](https://colab.example/badge.svg)](https://colab.example)\n\n## Fine-tune **SmolLM2** ##\nWe train on [the data](https://x).\n')).toBe(
      'Fine-tune SmolLM2\n\nWe train on the data.',
    );
    expect(markdownDocstring('Reward model eval\n=================\nScores pairs.')).toBe('Reward model eval\n\nScores pairs.');
    expect(markdownDocstring('Plots the loss. Then more.')).toBe('Plots the loss. Then more.');
    expect(markdownDocstring('<img src="x.png"/>\n')).toBeNull();
    expect(markdownDocstring(null)).toBeNull();
  });

  it('reads the first markdown cell, and a malformed one costs only the purpose', () => {
    const r = readNotebook(notebook([{ code: 'x = 1\n' }, { markdown: ['# One\n'] }, { markdown: '# Two' }]));
    expect(r.ok && r.markdown).toBe('# One\n');
    const bad = readNotebook(notebook([{ markdown: 5 as unknown as string }, { code: 'x = 1\n' }]));
    expect(bad.ok && bad.markdown).toBeNull();
  });
});
