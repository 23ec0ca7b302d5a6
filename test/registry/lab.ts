/**
 * Projects for the registry tests: a small generated research repo in git, and a committed copy of
 * examples/stage1-lab.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { filesUnder } from '../helpers/annotations.js';
import { REPO } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

/** examples/stage1-lab, committed in a fresh repository. */
export function stage1Lab(): GitDir {
  const src = path.join(REPO, 'examples', 'stage1-lab');
  const files: Record<string, Buffer> = {};
  for (const rel of filesUnder(src)) {
    if (!rel.startsWith('.provenant/') && rel !== 'IMPLEMENTATION_REGISTRY.md') files[rel] = readFileSync(path.join(src, rel));
  }
  return makeGitDir(files);
}

export const SMALL_LAB: Record<string, string> = {
  'provenant.toml': '',
  'scripts/utils/__init__.py': '"""Shared helpers."""\n',
  'scripts/utils/critic.py': [
    '"""Log-prob critic shared by every filter. More text here."""',
    'import math',
    '',
    'def get_token_logprobs(model, prompt):',
    '    """Next-token log-probs of a prompt."""',
    '    return [math.log(p) for p in model(prompt)]',
    '',
    'class Judge:',
    '    def score(self, a, b):',
    '        return 0',
    '',
  ].join('\n'),
  'scripts/gen.py': [
    '"""Generate SFT data with few-shot completion prompts."""',
    'import argparse',
    'import json',
    'import sys',
    'from pathlib import Path',
    'sys.path.insert(0, str(Path(__file__).parent))',
    'from utils.critic import get_token_logprobs',
    '',
    'def main():',
    '    p = argparse.ArgumentParser()',
    '    p.add_argument("--instructions", default="data/instructions.jsonl", help="input instructions")',
    '    p.add_argument("--out", default="data/sft.jsonl", help="where the examples go")',
    '    p.add_argument("--n", type=int, default=100, help="how many")',
    '    p.add_argument("--dry-run", action="store_true")',
    '    args = p.parse_args()',
    '    with open("data/seed_prompts.txt") as fh:',
    '        seeds = fh.read()',
    '    with open("data/log.jsonl", "w") as fh:',
    '        json.dump({}, fh)',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  ].join('\n'),
  'scripts/cli_click.py': [
    '"""Evaluate a checkpoint."""',
    'import click',
    '',
    '@click.command()',
    '@click.option("--model", default="base", help="model to evaluate")',
    '@click.argument("data")',
    'def main(model, data):',
    '    pass',
    '',
  ].join('\n'),
  'scripts/pipeline.py': [
    '"""Run everything."""',
    'import subprocess',
    'subprocess.run(["python", "scripts/gen.py", "--n", "5"], check=True)',
    'subprocess.run(["python", "scripts/old_gen.py"], check=True)',
    '',
  ].join('\n'),
  'scripts/old_gen.py.DEPRECATED': '"""The first generator."""\nprint("old")\n',
  'scripts/deprecated/older.py': 'print("older")\n',
  'scripts/broken.py': '"""Half written."""\ndef f(:\n    return 1\n',
  'scripts/pkg/__init__.py': '',
  'scripts/pkg/a.py': 'from . import b\nfrom .b import thing\n',
  'scripts/pkg/b.py': 'thing = 1\n',
  'run.sh': '#!/usr/bin/env bash\n# Nightly run of the generator.\nset -e\npython scripts/gen.py --n 10\n',
  Makefile: '# Shortcuts.\n\ngen:\n\tpython scripts/gen.py\n',
};

export function smallLab(): GitDir {
  return makeGitDir(SMALL_LAB);
}
