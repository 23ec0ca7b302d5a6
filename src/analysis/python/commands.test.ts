import { beforeAll, describe, expect, it } from 'vitest';
import type { ScriptCallFact } from '../facts.js';
import { loadPythonFrontEnd, type PythonFrontEnd } from './index.js';

let fe: PythonFrontEnd;
beforeAll(async () => {
  fe = await loadPythonFrontEnd();
});

const calls = (src: string, path = 'scripts/run_pipeline.py'): ScriptCallFact[] => fe.extract(src, path).scriptCalls;
const brief = (src: string, path?: string) =>
  calls(src, path).map((c) => [c.runner, c.target, c.candidates, c.via, c.span.line, c.unknownWhenAbsent ?? null]);

describe('paths built in Python', () => {
  it('evaluates __file__, Path joins, .parent, os.path.join and module constants', () => {
    const src = `
import os, subprocess, sys
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tools")
subprocess.run([sys.executable, SCRIPTS / "gen.py", "--n", "3"])
subprocess.run([sys.executable, str(SCRIPTS.joinpath("filter.py"))])
subprocess.run(["bash", os.path.join(TOOLS, "sync.sh")])
subprocess.run([sys.executable, Path(__file__).parents[1] / "eval" / "score.py"])
`;
    expect(brief(src)).toEqual([
      ['python', 'SCRIPTS / "gen.py"', ['scripts/gen.py'], 'subprocess', 7, null],
      ['python', 'str(SCRIPTS.joinpath("filter.py"))', ['scripts/filter.py'], 'subprocess', 8, null],
      ['bash', 'os.path.join(TOOLS, "sync.sh")', ['scripts/tools/sync.sh'], 'subprocess', 9, null],
      ['python', 'Path(__file__).parents[1] / "eval" / "score.py"', ['eval/score.py'], 'subprocess', 10, null],
    ]);
  });

  it('reads f-strings and command strings, with unknown parts unknown', () => {
    const src = `
import os, subprocess, sys
from pathlib import Path
HERE = Path(__file__).parent
os.system(f"python {HERE}/gen.py --out {out} && bash {HERE / 'sync.sh'}")
os.system(f"{sys.executable} scripts/train.py")
subprocess.run(f"python scripts/{name}.py", shell=True)
subprocess.run(" ".join(["python", "scripts/eval.py"]), shell=True)
`;
    expect(brief(src)).toEqual([
      ['python', 'scripts/gen.py', ['scripts/gen.py'], 'os.system', 5, null],
      ['bash', 'scripts/sync.sh', ['scripts/sync.sh'], 'os.system', 5, null],
      ['python', 'scripts/train.py', ['scripts/scripts/train.py', 'scripts/train.py'], 'os.system', 6, null],
      ['python', 'scripts/eval.py', ['scripts/scripts/eval.py', 'scripts/eval.py'], 'subprocess', 8, null],
    ]);
  });

  it('gives up on a path that leaves the repository', () => {
    expect(brief('import subprocess, sys\nfrom pathlib import Path\nsubprocess.run([sys.executable, Path(__file__).parent.parent.parent / "x.py"])\n')).toEqual([]);
  });
});

describe('where the command runs', () => {
  it('follows cwd= when it is known and marks it unknown when computed', () => {
    const src = `
import subprocess, sys, tempfile
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
subprocess.run(["python", "gen.py"], cwd=ROOT / "tools")
subprocess.run(["python", "gen.py"], cwd="tools")
subprocess.run(["node", "run.mts"], cwd=tempfile.mkdtemp())
subprocess.run(["python", "scripts/gen.py"], cwd=None)
`;
    expect(brief(src)).toEqual([
      ['python', 'gen.py', ['tools/gen.py'], 'subprocess', 5, null],
      ['python', 'gen.py', ['scripts/tools/gen.py', 'tools/gen.py'], 'subprocess', 6, null],
      ['node', 'run.mts', ['scripts/run.mts', 'run.mts'], 'subprocess', 7, 'cwd'],
      ['python', 'scripts/gen.py', ['scripts/scripts/gen.py', 'scripts/gen.py'], 'subprocess', 8, null],
    ]);
  });

  it('after os.chdir to an unknown folder, later relative targets are unknown', () => {
    const src = 'import os, subprocess\nsubprocess.run(["python", "a.py"])\nos.chdir(workdir)\nsubprocess.run(["python", "b.py"])\n';
    expect(brief(src).map((c) => [c[1], c[5]])).toEqual([
      ['a.py', null],
      ['b.py', 'cwd'],
    ]);
  });

  it('follows os.chdir into known folders, one after the other', () => {
    const src = 'import os, subprocess\nos.chdir("tools")\nos.chdir("sub")\nsubprocess.run(["python", "b.py"])\nos.chdir(os.path.dirname(__file__))\nsubprocess.run(["python", "c.py"])\n';
    expect(brief(src).map((c) => [c[1], c[2], c[5]])).toEqual([
      ['b.py', ['scripts/tools/sub/b.py', 'tools/sub/b.py'], null],
      ['c.py', ['scripts/c.py'], null],
    ]);
  });
});

describe('wrapper functions', () => {
  it('a parameter that reaches subprocess makes every literal argv passed to it a script call', () => {
    const src = `
import logging, subprocess, sys
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"

def run_step(name, cmd, *, dry_run=False):
    logging.info("[%s] %s", name, cmd)
    if dry_run:
        return
    subprocess.run(cmd, check=True, cwd=ROOT)

def run_cmd(cmd):
    return subprocess.run(cmd, shell=True, check=True)

def step(cmd):
    run_step("step", cmd)

def main(n):
    run_step("data", [sys.executable, SCRIPTS / "generate_stage1_data.py", "--n", str(n)])
    run_step("filter", cmd=["python", "scripts/filter.py"], dry_run=True)
    run_cmd("cd tools && python sync.py")
    step(["bash", "scripts/upload.sh"])
`;
    expect(brief(src)).toEqual([
      ['python', 'SCRIPTS / "generate_stage1_data.py"', ['scripts/generate_stage1_data.py'], 'subprocess', 20, null],
      ['python', 'scripts/filter.py', ['scripts/filter.py'], 'subprocess', 21, null],
      ['python', 'sync.py', ['scripts/tools/sync.py', 'tools/sync.py'], 'os.system', 22, null],
      ['bash', 'scripts/upload.sh', ['scripts/upload.sh'], 'subprocess', 23, null],
    ]);
  });

  it('methods called through self, and words a wrapper puts before its argv', () => {
    const src = `
import subprocess, sys

class Pipeline:
    def _python(self, args):
        subprocess.check_call([sys.executable, *args])

    def run(self):
        self._python(["scripts/gen.py", "--n", "3"])
`;
    expect(brief(src).map((c) => [c[0], c[1], c[4]])).toEqual([['python', 'scripts/gen.py', 9]]);
  });

  it('a recursive wrapper terminates and adds nothing about itself', () => {
    const src = `
import subprocess

def run(cmd, retries=3):
    try:
        subprocess.run(cmd, check=True)
    except subprocess.CalledProcessError:
        if retries:
            return run(cmd, retries - 1)
        raise

def ping(cmd):
    return pong(cmd)

def pong(cmd):
    return ping(cmd)

run(["python", "scripts/gen.py"])
ping(["python", "scripts/never.py"])
`;
    // never.py is still an argv-looking list of its own, but no wrapper runs it
    expect(brief(src).map((c) => [c[1], c[3], c[4]])).toEqual([
      ['scripts/gen.py', 'subprocess', 18],
      ['scripts/never.py', 'command-list', 19],
    ]);
  });

  it('a parameter rebound before the call is not passed on', () => {
    const src = 'import subprocess\ndef run(cmd):\n    cmd = ["echo", "hi"]\n    subprocess.run(cmd)\nrun(["python", "scripts/gen.py"])\n';
    expect(brief(src).map((c) => c[3])).toEqual(['command-list']);
  });
});

describe('bad input', () => {
  it('a notebook exported as .py: cells, magics and shell escapes', () => {
    const src = [
      '# %% [markdown]',
      '# Run the generator',
      '# %%',
      '!pip install -q vllm',
      '%cd /content/repo',
      'get_ipython().system("python scripts/gen.py")',
      'get_ipython().run_line_magic("cd", "tools")',
      'get_ipython().system("python sync.py")',
      '!python scripts/raw_magic.py',
      '',
    ].join('\n');
    const f = fe.extract(src, 'notebooks/demo.py');
    expect(f.parseErrors.length).toBeGreaterThan(0);
    expect(f.scriptCalls.map((c) => [c.target, c.candidates, c.unknownWhenAbsent ?? null])).toEqual([
      // after `%cd /content/repo`, the folder is not one of this project's
      ['scripts/gen.py', ['notebooks/scripts/gen.py', 'scripts/gen.py'], 'cwd'],
      ['sync.py', ['notebooks/sync.py', 'sync.py'], 'cwd'],
    ]);
  });

  it('a script path built at run time is no target', () => {
    const src = 'import os, subprocess, sys\nsubprocess.run([sys.executable, f"scripts/{name}.py"])\nsubprocess.run(["python", os.environ["STEP"]])\n';
    expect(brief(src)).toEqual([]);
  });

  it('a self-referencing constant does not loop', () => {
    const src = 'import subprocess\nX = X / "a.py"\nY = Z\nZ = Y\nsubprocess.run(["python", X])\nsubprocess.run(["python", Y])\n';
    expect(brief(src)).toEqual([]);
  });
});
