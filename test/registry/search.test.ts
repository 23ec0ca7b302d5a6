import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchRegistry, showRegistryEntry, syncRegistry, UserError } from '../../src/index.js';
import type { GitDir } from '../helpers/gitdir.js';
import { stage1Lab } from './lab.js';

let lab: GitDir;
beforeAll(async () => {
  lab = stage1Lab();
  await syncRegistry({ cwd: lab.root });
});
afterAll(() => lab.cleanup());

const paths = async (query: string) => (await searchRegistry({ cwd: lab.root, query })).hits.map((h) => h.path);

describe('registry search', () => {
  it('ranks the shared critic first for "log-prob critic"', async () => {
    const r = await searchRegistry({ cwd: lab.root, query: 'log-prob critic' });
    expect(r.refreshed).toBe(false);
    expect(r.hits[0]).toMatchObject({ path: 'scripts/utils/instruction_critic.py', status: 'active' });
    expect(r.hits[0]?.matched).toEqual(expect.arrayContaining(['name', 'purpose']));
    expect(r.hits.map((h) => h.score)).toEqual([...r.hits.map((h) => h.score)].sort((a, b) => b - a));
  });

  it('finds functions by their names and by prefixes', async () => {
    expect((await paths('get_token_logprobs'))[0]).toBe('scripts/utils/instruction_critic.py');
    expect(await paths('sentin')).toContain('scripts/test_base_model_ultra_clean.py');
  });

  it('never passes the user\'s punctuation to FTS5', async () => {
    for (const query of ['"', 'critic"', 'a:b', 'NOT', '(critic', '*', 'log-prob AND', '^x']) {
      await expect(searchRegistry({ cwd: lab.root, query })).resolves.toBeDefined();
    }
    expect(await paths('"*"')).toEqual([]);
  });

  it('falls back to any word when no file has them all', async () => {
    expect(await paths('critic zzzzunknown')).toContain('scripts/utils/instruction_critic.py');
  });

  it('refreshes an outdated index before answering, and says so', async () => {
    writeFileSync(path.join(lab.root, 'scripts/reward_model.py'), '"""Train a reward model on preference pairs."""\n');
    const r = await searchRegistry({ cwd: lab.root, query: 'reward model' });
    expect(r.refreshed).toBe(true);
    expect(r.warnings).toContain('the registry index was out of date; refreshed it first');
    expect(r.hits[0]?.path).toBe('scripts/reward_model.py');
    expect((await searchRegistry({ cwd: lab.root, query: 'reward model' })).refreshed).toBe(false);
  });

  it('sees an edit in place and a file in a new folder without a sync (the tree snapshot)', async () => {
    const critic = path.join(lab.root, 'scripts/utils/names.py');
    writeFileSync(critic, '"""Quokka naming helpers."""\n', { flag: 'w' });
    const edited = await searchRegistry({ cwd: lab.root, query: 'quokka' });
    expect(edited.refreshed).toBe(true);
    expect(edited.hits.map((h) => h.path)).toEqual(['scripts/utils/names.py']);
    mkdirSync(path.join(lab.root, 'scripts/new_area'));
    writeFileSync(path.join(lab.root, 'scripts/new_area/wombat.py'), '"""Wombat counting."""\n');
    const added = await searchRegistry({ cwd: lab.root, query: 'wombat' });
    expect(added.refreshed).toBe(true);
    expect(added.hits.map((h) => h.path)).toEqual(['scripts/new_area/wombat.py']);
    expect((await searchRegistry({ cwd: lab.root, query: 'wombat' })).refreshed).toBe(false);
  });

  it('with refresh off, answers from the index as the last sync left it', async () => {
    writeFileSync(path.join(lab.root, 'scripts/value_head.py'), '"""Train a value head."""\n');
    const trusted = await searchRegistry({ cwd: lab.root, query: 'value head', refresh: false });
    expect(trusted.refreshed).toBe(false);
    expect(trusted.hits.map((h) => h.path)).not.toContain('scripts/value_head.py');
    expect((await searchRegistry({ cwd: lab.root, query: 'value head' })).hits[0]?.path).toBe('scripts/value_head.py');
  });
});

describe('registry show', () => {
  it('shows one entry, by a path relative to the working folder', async () => {
    const r = await showRegistryEntry({ cwd: path.join(lab.root, 'scripts'), file: 'utils/data_formatter.py' });
    expect(r.entry.path).toBe('scripts/utils/data_formatter.py');
    expect(r.entry.dependents.map((d) => d.path)).toContain('scripts/generate_preference_pairs_logprob.py');
  });

  it('names near matches for a path that is not registered', async () => {
    await expect(showRegistryEntry({ cwd: lab.root, file: 'data_formatter.py' })).rejects.toThrow(UserError);
    await expect(showRegistryEntry({ cwd: lab.root, file: '../elsewhere.py' })).rejects.toThrow(/outside the project root/);
  });
});
