import { describe, expect, it, vi } from 'vitest';

// chalk decides its colour level when ink loads it: force colour so the NO_COLOR test can tell the difference
vi.hoisted(() => {
  process.env.FORCE_COLOR = '1';
});

import { render } from 'ink-testing-library';
import type { Finding } from '../../schemas/finding.js';
import type { RegistryEntry, Status } from '../../schemas/registry.js';
import type { BrowseRow, DetailExtras } from './data.js';
import type { BrowserActions } from './actions.js';
import { App, type AppSource } from './App.js';
import type { Request } from './state.js';

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');
const plain = (s: string | undefined): string => (s ?? '').replace(ANSI, '');
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

function row(path: string, status: Status, purpose: string | null, extra: Partial<BrowseRow> = {}): BrowseRow {
  return { path, name: path.slice(path.lastIndexOf('/') + 1), status, purpose, kind: 'script', replacedBy: null, bugs: 0, defs: [], canonicalFor: [], ...extra };
}

const ROWS = [
  row('scripts/generate_preference_pairs_logprob.py', 'deprecated', 'Build DPO preference pairs judged by single-token log-probs.', { replacedBy: 'scripts/utils/instruction_critic.py' }),
  row('scripts/train_stage1_sft.py', 'active', 'LoRA SFT of the Stage 1 base model on completion-format text.', { bugs: 1 }),
  row('scripts/utils/instruction_critic.py', 'canonical', 'Shared log-prob judge; do not write another scorer.', { defs: ['get_token_logprobs'] }),
  row('scripts/wip.py', 'experimental', null),
];

function entry(path: string, extra: Partial<RegistryEntry> = {}): RegistryEntry {
  return {
    path, language: 'python', kind: 'script', purpose: 'A purpose.', purposeSource: 'docstring', docstring: null, entryPoint: true,
    cli: { framework: 'argparse', args: [{ flags: ['--out'], dest: 'out', type: 'Path', default: null, help: 'where pairs go', required: true }] },
    defs: [], imports: ['scripts/utils/data_formatter.py'], runs: [], dependents: [{ path: 'Makefile', via: 'make', line: 13 }],
    reads: ['data/in.jsonl'], writes: ['artifacts/pairs.jsonl'],
    git: { added: '2025-09-10', lastChanged: '2025-09-13', lastCommit: 'abc1234', commits: 3, authors: ['Ana'] },
    status: 'active', statusSource: 'default', canonicalFor: [], replacedBy: null, reason: null, owner: null, notes: null, bugs: [], parseErrors: 0,
    ...extra,
  };
}

const FINDING: Finding = {
  code: 'LOAD001', name: 'manual-model-load', severity: 'error', message: 'loads the model by hand', path: 'x',
  span: { line: 12, col: 5, endLine: 12, endCol: 30 }, frame: [{ line: 12, text: '    model = AutoModel.from_pretrained(M)' }], fingerprint: 'f',
};

function source(overrides: Partial<AppSource> = {}): AppSource & { asked: string[] } {
  const asked: string[] = [];
  return {
    rows: ROWS,
    coverage: { documented: 3, total: 4, percent: 75 },
    include: ['**/*.py'],
    unchecked: false,
    hasArtifacts: false,
    lookup: (p) => ({
      entry: entry(p, p.includes('logprob') ? { status: 'deprecated', replacedBy: 'scripts/utils/instruction_critic.py', reason: 'second scorer' } : {}),
      missing: p.includes('wip'),
    }),
    extras: async (p): Promise<DetailExtras> => {
      asked.push(p);
      return { findings: { ok: true, findings: [{ ...FINDING, path: p }] }, artifacts: { ok: true, artifacts: [{ path: 'artifacts/pairs.jsonl', verdict: 'stale', at: '2025-09-12' }] } };
    },
    asked,
    ...overrides,
  };
}

async function until(frames: () => string | undefined, text: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const f = plain(frames());
    if (f.includes(text)) return f;
    await tick();
  }
  throw new Error(`never showed "${text}"; last frame:\n${plain(frames())}`);
}

describe('<App> (ink-testing-library)', () => {
  it('fits 80×24: header with coverage, status badges, the selected row marked', () => {
    const r = render(<App source={source()} color={false} size={{ columns: 80, rows: 24 }} />);
    const lines = plain(r.lastFrame()).split('\n');
    expect(lines[0]).toContain('4 files · 3/4 documented (75%)');
    expect(lines.some((l) => l.includes('★ canonical') && l.includes('scripts/utils/instruction_critic.py'))).toBe(true);
    expect(lines.find((l) => l.includes('train_stage1_sft'))).toContain('!1');
    expect(lines.find((l) => l.startsWith('›'))).toContain('generate_preference_pairs_logprob.py');
    expect(lines.length).toBeLessThanOrEqual(24);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    r.unmount();
  });

  it('filters live from typed keys and opens the detail with findings, frames and artifacts', async () => {
    const src = source({ hasArtifacts: true });
    const r = render(<App source={src} color={false} size={{ columns: 100, rows: 40 }} />);
    await tick();
    r.stdin.write('/');
    await tick();
    r.stdin.write('critic');
    const filtered = await until(r.lastFrame, '1 of 4');
    expect(filtered).toContain('/critic');
    expect(filtered).not.toContain('train_stage1_sft');
    r.stdin.write('\r');
    await tick();
    r.stdin.write('\r');
    const detail = await until(r.lastFrame, 'Audit findings (1)');
    expect(detail).toContain('list › scripts/utils/instruction_critic.py');
    expect(detail).toContain('12:5 LOAD001 [error] loads the model by hand');
    expect(detail).toContain('12 |     model = AutoModel.from_pretrained(M)');
    expect(detail).toMatch(/\|\s+\^{25} LOAD001/);
    expect(detail).toContain('artifacts/pairs.jsonl  stale  2025-09-12');
    expect(detail).toContain('Makefile:13 (make)');
    expect(src.asked).toEqual(['scripts/utils/instruction_critic.py']);
    r.unmount();
  });

  it('says a deleted file is deleted instead of auditing it', async () => {
    const r = render(<App source={source()} color={false} size={{ columns: 100, rows: 40 }} />);
    await tick();
    r.stdin.write('G');
    await tick();
    r.stdin.write('\r');
    const detail = await until(r.lastFrame, 'deleted since the last sync');
    expect(detail).not.toContain('Audit findings');
    r.unmount();
  });

  it('shows the help generated from the keymap', async () => {
    const r = render(<App source={source()} color={false} size={{ columns: 80, rows: 24 }} />);
    await tick();
    r.stdin.write('?');
    const help = await until(r.lastFrame, 'Keys');
    expect(help).toContain('cycle the status filter');
    expect(help).toContain('jump to the replacement of a deprecated script (detail)');
    r.unmount();
  });

  it('degrades below 40 columns, refuses below 16, and follows a resize', async () => {
    const r = render(<App source={source()} color={false} size={{ columns: 30, rows: 10 }} />);
    const narrow = plain(r.lastFrame()).split('\n');
    for (const l of narrow) expect([...l].length).toBeLessThanOrEqual(30);
    expect(narrow.some((l) => l.includes('★ scripts/utils/instr'))).toBe(true);
    r.rerender(<App source={source()} color={false} size={{ columns: 12, rows: 10 }} />);
    await until(r.lastFrame, 'terminal too narrow (12 columns)');
    r.rerender(<App source={source()} color={false} size={{ columns: 100, rows: 10 }} />);
    await until(r.lastFrame, '★ canonical  scripts/utils/instruction_critic.py');
    r.unmount();
  });

  it('explains an empty registry', () => {
    const r = render(<App source={source({ rows: [], coverage: { documented: 0, total: 0, percent: 100 } })} color={false} size={{ columns: 80, rows: 24 }} />);
    expect(plain(r.lastFrame())).toContain('No scripts in the registry.');
    expect(plain(r.lastFrame())).toContain('registry.include selects **/*.py');
    r.unmount();
  });

  it('writes no ANSI styling with colour off (NO_COLOR), and styles with it on', () => {
    const on = render(<App source={source()} color={true} size={{ columns: 80, rows: 24 }} />);
    expect(on.lastFrame()).toMatch(ANSI);
    on.unmount();
    const off = render(<App source={source()} color={false} size={{ columns: 80, rows: 24 }} />);
    expect(off.lastFrame()).not.toContain(`${ESC}[`);
    off.unmount();
  });

  it('carries out an edit, reads the list again and shows the row changed with the notice; a failed one changes nothing', async () => {
    const performed: Request[] = [];
    let reloads = 0;
    const actions: BrowserActions = {
      perform: async (request) => {
        performed.push(request);
        return request.kind === 'bug' ? { message: 'updated a.yaml: scripts/wip.py — bugs: + drops rows', tone: 'done', changed: true } : { message: 'the editor `vim` exited with status 1', tone: 'error', changed: false };
      },
    };
    const reload = async () => {
      reloads++;
      const rows = ROWS.map((r) => (r.path === 'scripts/wip.py' ? { ...r, bugs: 1, status: 'deprecated' as const } : r));
      return { rows, coverage: { documented: 4, total: 4, percent: 100 } };
    };
    const r = render(<App source={source({ reload })} actions={actions} color={false} size={{ columns: 100, rows: 20 }} />);
    await tick();
    r.stdin.write('G');
    await tick();
    r.stdin.write('b');
    await until(r.lastFrame, 'record a known bug scripts/wip.py (1 of 2)');
    r.stdin.write('drops rows');
    await tick();
    r.stdin.write('\r');
    await until(r.lastFrame, 'fixed in commit');
    r.stdin.write('\r');
    const done = await until(r.lastFrame, 'updated a.yaml: scripts/wip.py');
    expect(performed).toEqual([{ id: 1, kind: 'bug', path: 'scripts/wip.py', summary: 'drops rows' }]);
    expect(reloads).toBe(1);
    expect(done).toContain('4/4 documented (100%)');
    expect(done).toMatch(/› deprecated\s+scripts\/wip\.py/);

    r.stdin.write('o');
    await until(r.lastFrame, 'exited with status 1');
    expect(performed[1]).toEqual({ id: 2, kind: 'editor', path: 'scripts/wip.py', line: 1 });
    expect(reloads).toBe(1);
    r.unmount();
  });
});
