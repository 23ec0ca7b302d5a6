import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { syncRegistry } from '../../index.js';
import { makeGitDir, type GitDir } from '../../../test/helpers/gitdir.js';
import { SMALL_LAB } from '../../../test/registry/lab.js';
import { openBrowse, type BrowseSession } from './data.js';

const LOADS_BY_HAND = [
  '"""Scores pairs with a model loaded by hand."""',
  'from transformers import AutoModelForCausalLM',
  '',
  'def score_pair(a, b):',
  '    model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-32B")',
  '    return model',
  '',
].join('\n');

let dirs: GitDir[] = [];
let sessions: BrowseSession[] = [];
afterEach(() => {
  for (const s of sessions) s.close();
  for (const d of dirs) d.cleanup();
  sessions = [];
  dirs = [];
});

function lab(extra: Record<string, string> = {}): GitDir {
  const dir = makeGitDir({ ...SMALL_LAB, 'provenant.toml': 'base-models = ["Qwen/Qwen2.5-32B"]\n', ...extra });
  dirs.push(dir);
  return dir;
}

async function open(dir: GitDir, options: { refresh?: boolean; artifacts?: Parameters<typeof openBrowse>[0]['artifacts'] } = {}): Promise<BrowseSession> {
  const s = await openBrowse({ cwd: dir.root, ...options });
  sessions.push(s);
  return s;
}

describe('the browser data side', () => {
  it('builds a never-synced index first and lists every entry with the registry\'s coverage', async () => {
    const dir = lab({ 'scripts/score.py': LOADS_BY_HAND });
    const s = await open(dir);
    expect(s.refreshed).toBe(true);
    const synced = await syncRegistry({ cwd: dir.root });
    expect(s.rows.map((r) => r.path)).toEqual(synced.entries.map((e) => e.path).sort());
    expect(s.coverage).toEqual(synced.coverage);
    const critic = s.rows.find((r) => r.path === 'scripts/utils/critic.py');
    expect(critic?.defs).toEqual(['get_token_logprobs', 'Judge']);
    expect(critic?.purpose).toBe('Log-prob critic shared by every filter.');
    expect(s.rows.find((r) => r.path === 'scripts/old_gen.py.DEPRECATED')?.status).toBe('deprecated');
  });

  it('reads the full entry and the audit findings of one file, and the artifacts through the injected source', async () => {
    const dir = lab({ 'scripts/score.py': LOADS_BY_HAND });
    const asked: string[] = [];
    const s = await open(dir, {
      artifacts: async (script, root) => {
        asked.push(`${script} in ${root}`);
        return [{ path: 'data/pairs.jsonl', verdict: 'ok', at: '2025-09-12' }];
      },
    });
    expect(s.hasArtifacts).toBe(true);
    const { entry, missing } = s.lookup('scripts/gen.py');
    expect(missing).toBe(false);
    expect(entry?.cli?.args.map((a) => a.flags[0])).toContain('--instructions');
    const extras = await s.extras('scripts/score.py');
    expect(extras.findings.ok && extras.findings.findings.map((f) => `${f.code}:${f.span.line}`)).toEqual(['LOAD001:5']);
    expect(extras.artifacts).toEqual({ ok: true, artifacts: [{ path: 'data/pairs.jsonl', verdict: 'ok', at: '2025-09-12' }] });
    expect(asked).toEqual([`scripts/score.py in ${dir.root}`]);
  });

  it('turns a failing artifact source into a message in the pane, not an error', async () => {
    const s = await open(lab(), { artifacts: async () => Promise.reject(new Error('ledger locked')) });
    expect((await s.extras('scripts/gen.py')).artifacts).toEqual({ ok: false, error: 'ledger locked' });
  });

  it('keeps a file deleted since the last sync when asked not to refresh, and says it is gone', async () => {
    const dir = lab();
    await syncRegistry({ cwd: dir.root });
    rmSync(path.join(dir.root, 'scripts/gen.py'));
    const stale = await open(dir, { refresh: false });
    expect(stale.unchecked).toBe(true);
    expect(stale.rows.some((r) => r.path === 'scripts/gen.py')).toBe(true);
    const lookup = stale.lookup('scripts/gen.py');
    expect(lookup.missing).toBe(true);
    expect(lookup.entry?.path).toBe('scripts/gen.py');
    expect((await stale.extras('scripts/gen.py')).findings).toEqual({ ok: false, error: 'the file no longer exists' });
    stale.close();
    sessions = sessions.filter((x) => x !== stale);
    const fresh = await open(dir);
    expect(fresh.refreshed).toBe(true);
    expect(fresh.rows.some((r) => r.path === 'scripts/gen.py')).toBe(false);
  });

  it('rebuilds an index written by a newer provenant, with a warning', async () => {
    const dir = lab();
    await syncRegistry({ cwd: dir.root });
    const db = new Database(path.join(dir.root, '.provenant/provenant.db'));
    db.pragma('user_version = 999');
    db.close();
    const s = await open(dir);
    expect(s.warnings.join('\n')).toMatch(/newer provenant/);
    expect(s.rows.length).toBeGreaterThan(5);
  });

  it('lists nothing, without failing, when no file is registered', async () => {
    const dir = makeGitDir({ 'provenant.toml': '', 'README.md': 'nothing here\n' });
    dirs.push(dir);
    writeFileSync(path.join(dir.root, 'notes.txt'), 'x');
    const s = await open(dir);
    expect(s.rows).toEqual([]);
    expect(s.coverage).toEqual({ documented: 0, total: 0, percent: 100 });
    expect(s.include).toContain('**/*.py');
  });
});
