import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/core/errors.js';
import { applyRegistryBlock, formatCoverage, inspectRegistryMarkdown, renderRegistryBlock } from '../../src/registry/markdown.js';
import type { RegistryEntry } from '../../src/schemas/registry.js';

function entry(path: string, extra: Partial<RegistryEntry> = {}): RegistryEntry {
  return {
    path,
    language: 'python',
    kind: 'script',
    purpose: null,
    purposeSource: null,
    docstring: null,
    entryPoint: false,
    cli: null,
    defs: [],
    imports: [],
    runs: [],
    dependents: [],
    reads: [],
    writes: [],
    git: null,
    status: 'active',
    statusSource: 'default',
    canonicalFor: [],
    replacedBy: null,
    reason: null,
    owner: null,
    notes: null,
    bugs: [],
    parseErrors: 0,
    ...extra,
  };
}

const ENTRIES: RegistryEntry[] = [
  entry('scripts/stage1_generate.py', {
    status: 'deprecated',
    statusSource: 'annotation',
    replacedBy: 'scripts/generate_sample_data_v2.py',
    reason: 'no template removal',
    purpose: 'Old generator.',
    purposeSource: 'annotation',
    dependents: [
      { path: 'scripts/launch.sh', via: 'shell', line: 7 },
      { path: 'Makefile', via: 'make', line: 3 },
    ],
  }),
  entry('scripts/utils/instruction_critic.py', {
    kind: 'module',
    status: 'canonical',
    statusSource: 'annotation',
    canonicalFor: ['log-prob critic'],
    purpose: 'Shared log-prob judge | A/B <both orders>.',
    purposeSource: 'docstring',
    defs: [
      { name: 'get_token_logprobs', kind: 'function', line: 40, summary: null },
      { name: 'Critic', kind: 'class', line: 12, summary: 'The judge.' },
    ],
    bugs: [{ summary: 'order bias', fixed_in: 'abc1234', found: '2025-09-13' }, { summary: 'slow' }],
    git: { added: '2025-09-10', lastChanged: '2025-10-01', lastCommit: 'abc1234', commits: 3, authors: ['Ana', 'Bo'] },
  }),
  entry('scripts/evaluate.py', {
    entryPoint: true,
    parseErrors: 2,
    reads: ['data/x.jsonl'],
    writes: ['out/`odd`.json'],
    cli: {
      framework: 'argparse',
      args: [
        { flags: ['--model', '-m'], dest: 'model', type: 'str', default: '"Qwen/Qwen2.5-32B"', help: 'model id\nor path | local', required: true },
        { flags: ['--n'], dest: 'n', type: 'int', default: null, help: null, required: false },
      ],
    },
  }),
  entry('Makefile', { kind: 'launcher', language: 'make' as RegistryEntry['language'], purpose: 'Runs the pipeline.', purposeSource: 'annotation', runs: ['scripts/evaluate.py'] }),
];

describe('renderRegistryBlock', () => {
  const block = renderRegistryBlock(ENTRIES, { documented: 3, total: 4 });

  it('is deterministic: the same whatever the order of the entries', () => {
    expect(renderRegistryBlock([...ENTRIES].reverse(), { documented: 3, total: 4 })).toBe(block);
    expect(block).not.toMatch(/\d{2}:\d{2}|\/tmp\/|\\r/);
  });

  it('opens with the coverage and a summary table with status marks, escaped cells', () => {
    const lines = block.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      '**Coverage:** 3/4 documented (75%)',
      '',
      '| Path | Status | Purpose |',
      '|---|---|---|',
      '| `Makefile` | active | Runs the pipeline. |',
      '| `scripts/evaluate.py` | active | _undocumented_ |',
      '| `scripts/stage1_generate.py` | ❌ deprecated → `scripts/generate_sample_data_v2.py` | Old generator. |',
      '| `scripts/utils/instruction_critic.py` | ⭐ canonical (log-prob critic) | Shared log-prob judge \\| A/B &lt;both orders>. |',
      '',
    ]);
  });

  it('details each file under its folder', () => {
    expect(block).toContain('## `./`\n\n### `Makefile`\n');
    expect(block).toContain('## `scripts/utils/`\n\n### `scripts/utils/instruction_critic.py` ⭐ canonical\n');
    expect(block).toContain('- **Defines**: `Critic` (class), `get_token_logprobs` (function)\n');
    // what moves with every commit stays out of the committed file
    expect(block).not.toContain('abc1234`), 3 commits');
    expect(block).not.toMatch(/line \d+/);
    expect(block).toContain('- **Known bugs**:\n  - order bias (fixed in `abc1234`, found 2025-09-13)\n  - slow (not fixed)\n');
    expect(block).toContain('- **Use instead**: `scripts/generate_sample_data_v2.py`\n- **Why**: no template removal\n');
    expect(block).toContain('- **Used by**: `Makefile` (make), `scripts/launch.sh` (shell)\n');
    expect(block).toContain('- ⚠ **Parse errors**: 2; registered from what parsed\n');
    expect(block).toContain('_Undocumented: add a purpose');
    expect(block).toContain('- **Writes**: ``out/`odd`.json``\n');
    expect(block).toContain(
      'Command line (argparse):\n\n| Argument | Type | Default | Help |\n|---|---|---|---|\n' +
        '| `--model`, `-m` (required) | str | `"Qwen/Qwen2.5-32B"` | model id or path \\| local |\n| `--n` | int |  |  |\n',
    );
  });

  it('formats coverage like the issue asks', () => {
    expect(formatCoverage({ documented: 26, total: 43 })).toBe('26/43 documented (60%)');
    expect(formatCoverage({ documented: 11, total: 27 })).toBe('11/27 documented (41%)');
    expect(formatCoverage({ documented: 999, total: 1000 })).toBe('999/1000 documented (99%)');
    expect(formatCoverage({ documented: 0, total: 0 })).toBe('0/0 documented (100%)');
  });
});

describe('the block in a document', () => {
  const FILE = 'IMPLEMENTATION_REGISTRY.md';
  const block = renderRegistryBlock(ENTRIES, { documented: 3, total: 4 });
  const changed = renderRegistryBlock(ENTRIES.slice(1), { documented: 2, total: 3 });

  it('a new document: title, how to edit, the block; inspect says fresh', () => {
    const text = applyRegistryBlock(null, block, FILE);
    expect(text.split('\n').slice(0, 5)).toEqual([
      '# Implementation registry',
      '',
      'Generated by provenant from the code, git and provenant-registry.yaml: edit that file, or the text outside the markers, then run `provenant registry sync`.',
      '',
      '<!-- provenant:registry:begin — generated by `provenant registry sync`; edit provenant-registry.yaml instead -->',
    ]);
    expect(text).toMatch(/\n<!-- provenant:registry:end sha256:[0-9a-f]{64} -->\n$/);
    expect(inspectRegistryMarkdown(null, block)).toEqual({ state: 'missing', detail: null });
    expect(inspectRegistryMarkdown(text, block)).toEqual({ state: 'fresh', detail: null });
    expect(applyRegistryBlock(text, block, FILE)).toBe(text);
  });

  it('keeps the text around the block and reports a changed entry as stale', () => {
    const first = applyRegistryBlock('# Our registry\n\nRead this first.\n', block, FILE);
    expect(first.startsWith('# Our registry\n\nRead this first.\n\n<!-- provenant:registry:begin')).toBe(true);
    const edited = `${first}\n## Notes by hand\n\nKeep these.\n`.replace('Read this first.', 'Read this first, please.');
    const inspection = inspectRegistryMarkdown(edited, changed, FILE);
    expect(inspection.state).toBe('stale');
    expect(inspection.detail).toBe('line 7: now "**Coverage:** 3/4 documented (75%)"');
    const next = applyRegistryBlock(edited, changed, FILE);
    expect(next.startsWith('# Our registry\n\nRead this first, please.\n\n<!-- provenant')).toBe(true);
    expect(next.endsWith('-->\n\n## Notes by hand\n\nKeep these.\n')).toBe(true);
    expect(inspectRegistryMarkdown(next, changed, FILE).state).toBe('fresh');
  });

  it('catches a hand edit inside the block and refuses to overwrite it', () => {
    const text = applyRegistryBlock('# R\n', block, FILE);
    const edited = text.replace('| Runs the pipeline. |', '| Runs everything. |');
    expect(inspectRegistryMarkdown(edited, block, FILE)).toEqual({ state: 'hand-edited', detail: 'line 9: now "| `Makefile` | active | Runs everything. |"' });
    expect(() => applyRegistryBlock(edited, changed, FILE)).toThrow(UserError);
    expect(() => applyRegistryBlock(edited, block, FILE)).toThrow(
      `${FILE}:9: the generated registry block was edited by hand (now "| \`Makefile\` | active | Runs everything. |"); it was not overwritten`,
    );
    const unsummed = text.replace(/ sha256:[0-9a-f]+ -->/, ' -->');
    expect(inspectRegistryMarkdown(unsummed, block, FILE).state).toBe('hand-edited');
  });

  it('handles CRLF files without a false hand edit, and keeps them CRLF', () => {
    const crlf = applyRegistryBlock('# R\n\nnotes\n', block, FILE).replace(/\n/g, '\r\n');
    expect(inspectRegistryMarkdown(crlf, block, FILE).state).toBe('fresh');
    const next = applyRegistryBlock(crlf, changed, FILE);
    expect(next.includes('\r\n')).toBe(true);
    expect(next.replace(/\r\n/g, '').includes('\n')).toBe(false);
  });

  it('refuses malformed markers with their line numbers', () => {
    const text = applyRegistryBlock('# R\n', block, FILE);
    const begin = text.split('\n').find((l) => l.startsWith('<!-- provenant:registry:begin')) ?? '';
    const noEnd = text.replace(/<!-- provenant:registry:end[^\n]*\n/, '');
    expect(() => applyRegistryBlock(noEnd, block, FILE)).toThrow(`${FILE}:3: the generated registry block begins here but never ends`);
    expect(() => inspectRegistryMarkdown(`${text}\n${begin}\n`, block, FILE)).toThrow(/more than one generated registry block begins \(IMPLEMENTATION_REGISTRY\.md:3, IMPLEMENTATION_REGISTRY\.md:\d+\)/);
    const noBegin = text.replace(`${begin}\n`, '');
    expect(() => applyRegistryBlock(noBegin, block, FILE)).toThrow(/:\d+: the generated registry block ends here but never begins/);
  });

  it('a document without markers gets the block appended', () => {
    expect(inspectRegistryMarkdown('# Registry\n\n- a.py: does a\n', block).state).toBe('no-block');
    const text = applyRegistryBlock('# Registry\n\n- a.py: does a\n\n\n', block, FILE);
    expect(text.startsWith('# Registry\n\n- a.py: does a\n\n<!-- provenant:registry:begin')).toBe(true);
  });
});
