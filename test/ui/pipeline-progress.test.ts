/**
 * `provenant pipeline run`'s progress end to end: the built binary under a real terminal (tmux) on a copy
 * of examples/stage1-lab, where the live view must end on a clean final frame (the refused stage, the
 * failed gate, where the run stopped) with the cursor back; Ctrl-C during a slow stage; and the plain
 * lines it writes when stderr is not a terminal.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, provenant, REPO } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

const HAS_TMUX = spawnSync('tmux', ['-V']).status === 0;
const SOCKET = `provenant-pipeline-${process.pid}`;
const made: GitDir[] = [];

/** The lab as committed (not what a local run left in its folder), in a fresh repository. */
function lab(): GitDir {
  const listed = spawnSync('git', ['ls-files', '-z', 'examples/stage1-lab'], { cwd: REPO, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files: ${listed.stderr}`);
  const files: Record<string, Buffer> = {};
  for (const rel of listed.stdout.split('\0').filter(Boolean)) files[path.relative('examples/stage1-lab', rel)] = readFileSync(path.join(REPO, rel));
  const dir = makeGitDir(files);
  made.push(dir);
  return dir;
}

afterAll(() => {
  if (HAS_TMUX) spawnSync('tmux', ['-L', SOCKET, 'kill-server']);
  for (const d of made) d.cleanup();
});

describe('provenant pipeline run without a terminal', () => {
  it('writes plain progress lines to stderr and the summary to stdout, with no escape codes', () => {
    const r = provenant(['pipeline', 'run', '--smoke'], lab().root);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\[1\/11\] sentinel: running \(output reports\/sentinel\.json does not exist\)\n {2}\$ python3 stages\/sentinel\.py --out reports\/sentinel\.json\n/);
    expect(r.stderr).toContain('  dpo-legacy: refused: input artifacts/pairs_v1.jsonl is quarantined');
    expect(r.stderr).toContain('  gate FAILED: reports/sft_eval.json:accuracy = 0.444, needs >= 0.7\n');
    expect(r.stderr).not.toContain('\u001b');
    expect(r.stdout).toMatch(/^ran {10}sentinel\n/);
  });
});

function tmux(...args: string[]): string {
  const r = spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** Polls the pane until every text is on it (the terminal draws asynchronously); fails with the last screen. */
async function until(pane: string, ...texts: string[]): Promise<string> {
  const deadline = Date.now() + 60_000;
  let last = '';
  while (Date.now() < deadline) {
    last = tmux('capture-pane', '-p', '-t', pane);
    if (texts.every((t) => last.includes(t))) return last;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the screen never showed ${JSON.stringify(texts)}; it shows:\n${last}`);
}

/** Starts the command in a 100×30 terminal; stdout (the summary) goes to a file so the screen holds the view. */
function session(name: string, cwd: string, args: string): void {
  // ink draws only a last frame where it detects CI, so the variables are cleared for the binary
  const command = `env -u CI -u CONTINUOUS_INTEGRATION NO_COLOR=1 '${process.execPath}' '${BIN}' pipeline run ${args} > summary.txt; echo "pipeline exited $?"; sleep 600`;
  tmux('new-session', '-d', '-x', '100', '-y', '30', '-s', name, '-c', cwd, command);
}

const cursorShown = (pane: string): boolean => tmux('display-message', '-p', '-t', pane, '#{cursor_flag}').trim() === '1';

describe.skipIf(!HAS_TMUX)('provenant pipeline run in a terminal (tmux)', () => {
  it('ends on one final frame: every stage marked, the refused stage, the failed gate, where it stopped', async () => {
    const dir = lab();
    session('lab', dir.root, '--smoke');
    const screen = await until('lab', 'pipeline exited 1');
    const lines = screen.split('\n');
    // earlier frames were redrawn in place, not left above the last one
    expect(lines.filter((l) => l.startsWith('provenant pipeline '))).toHaveLength(1);
    expect(lines[0]).toMatch(/^provenant pipeline provenant\.pipeline\.yaml \(smoke\) {2}7\/11 stages · \d+:\d\d {2}stopped$/);
    expect(lines.slice(1, 15).map((l) => l.replace(/ran in \d+\.\ds/, 'ran in Xs'))).toEqual([
      ' ✓ sentinel      ran in Xs',
      '     gate passed: reports/sentinel.json:passed = true, meets == true',
      ' ✓ baseline-eval ran in Xs',
      ' ✓ sft-data      ran in Xs',
      ' ✓ pairs-v1      ran in Xs',
      ' ✗ dpo-legacy    refused: input artifacts/pairs_v1.jsonl is quarantined: made by stages/deprecated/…',
      ' ✓ sft-train     ran in Xs',
      ' ✓ sft-eval      ran in Xs',
      '     gate FAILED: reports/sft_eval.json:accuracy = 0.444, needs >= 0.7',
      ' · pairs         not reached',
      ' · dpo-train     not reached',
      ' · dpo-eval      not reached',
      ' · compare       not reached',
      'stopped at sft-eval: gate reports/sft_eval.json:accuracy >= 0.70 failed:',
    ]);
    expect(cursorShown('lab')).toBe(true);
    const summary = readFileSync(path.join(dir.root, 'summary.txt'), 'utf8');
    expect(summary).toMatch(/^ran {10}sentinel\n/);
    expect(summary).toContain('refused      dpo-legacy\n');
  });

  it('an error before any stage leaves no frame behind, only the message, and the cursor back', async () => {
    const dir = lab();
    session('typo', dir.root, '--until nope');
    const screen = await until('typo', 'pipeline exited 2');
    expect(screen).toContain('provenant: error: --until nope: no such stage in provenant.pipeline.yaml');
    expect(screen).not.toContain('provenant pipeline ');
    expect(cursorShown('typo')).toBe(true);
  });

  it('Ctrl-C stops the running stage; the view shows it failed, keeps its last output and gives the cursor back', async () => {
    const dir = makeGitDir({
      'provenant.toml': '',
      'slow.py': [
        '"""A stage that prints a step every tenth of a second until it is interrupted."""',
        'import itertools, sys, time',
        'for i in itertools.count():',
        '    print(f"step {i}", flush=True)',
        '    time.sleep(0.1)',
        '',
      ].join('\n'),
      'provenant.pipeline.yaml': 'version: 1\nstages:\n  - id: train\n    cmd: [python3, slow.py, --out, out.json]\n    outputs: [out.json]\n  - id: evaluate\n    cmd: [python3, slow.py]\n    outputs: [eval.json]\n    after: [train]\n',
    });
    made.push(dir);
    session('slow', dir.root, '');
    await until('slow', '▶ train', '│ step 3');
    tmux('send-keys', '-t', 'slow', 'C-c');
    const screen = await until('slow', 'pipeline exited 1');
    expect(screen.split('\n').filter((l) => l.startsWith('provenant pipeline '))).toHaveLength(1);
    expect(screen).toMatch(/ ✗ train\s+failed: (killed by SIGINT|exited \d+)/);
    expect(screen).toMatch(/ · evaluate\s+not reached/);
    expect(screen).toContain('last output of train:');
    expect(screen).toMatch(/│ step \d+/);
    expect(cursorShown('slow')).toBe(true);
  });
});
