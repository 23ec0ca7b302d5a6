import { describe, expect, it } from 'vitest';
import type { ScriptCallFact, Span } from '../facts.js';
import { analyzeShellText } from './calls.js';
import { scriptCallsFromWords, splitShellWords } from './index.js';

const SPAN: Span = { line: 3, col: 5, endLine: 3, endCol: 20 };

type Brief = Pick<ScriptCallFact, 'runner' | 'target' | 'module' | 'candidates'>;

function calls(line: string, callerPath = 'run.sh'): Brief[] {
  return scriptCallsFromWords(splitShellWords(line), { callerPath, span: SPAN, via: 'subprocess' }).map(
    ({ runner, target, module, candidates }) => ({ runner, target, module, candidates }),
  );
}

const py = (target: string, candidates: string[] = [target]): Brief => ({ runner: 'python', target, module: false, candidates });
const mod = (runner: ScriptCallFact['runner'], target: string, candidates?: string[]): Brief => {
  const rel = target.replace(/\./g, '/');
  return {
    runner,
    target,
    module: true,
    candidates: candidates ?? [`${rel}.py`, `${rel}/__main__.py`, `${rel}/__init__.py`, `src/${rel}.py`, `src/${rel}/__main__.py`, `src/${rel}/__init__.py`],
  };
};
const call = (runner: ScriptCallFact['runner'], target: string, candidates: string[] = [target.replace(/^\.\//, '')]): Brief => ({
  runner,
  target,
  module: false,
  candidates,
});

describe('launcher forms', () => {
  it.each<[string, Brief[]]>([
    ['python x.py', [py('x.py')]],
    ['python3 -u scripts/train.py --lr 1e-4 --out x.py', [py('scripts/train.py')]],
    ['python3.11 -O -X dev -W ignore -B x.py', [py('x.py')]],
    ['python -Wignore -Xfrozen_modules=off x.py', [py('x.py')]],
    ['/usr/bin/python3 x.py', [py('x.py')]],
    ['.venv/bin/python -u x.py', [py('x.py')]],
    ['/usr/bin/env python x.py', [py('x.py')]],
    ['env -u HOME A=1 python3 x.py', [py('x.py')]],
    ['uv run python x.py', [py('x.py')]],
    ['uv run x.py --epochs 3', [py('x.py')]],
    ['uv run --with torch --frozen scripts/x.py', [py('scripts/x.py')]],
    ['uv run -m pkg.mod', [mod('python', 'pkg.mod')]],
    ['poetry run python x.py', [py('x.py')]],
    ['pdm run x.py', [py('x.py')]],
    ['conda run -n env python x.py', [py('x.py')]],
    ['conda run --no-capture-output -n env bash x.sh', [call('bash', 'x.sh')]],
    ['python -m pkg.mod --flag', [mod('python', 'pkg.mod')]],
    ['python -u -m pkg.mod', [mod('python', 'pkg.mod')]],
    ['python -mpkg.mod', [mod('python', 'pkg.mod')]],
    ['python -m pip install -r requirements.txt', []],
    ['python -m venv .venv', []],
    ['python -m pytest tests/x.py', []],
    ['python -m http.server 8000', []],
    ['python -m json.tool data.json', []],
    ['python -m vllm.entrypoints.openai.api_server --model m', []],
    ['python -m code.train', [mod('python', 'code.train')]],
    ['python -m torch.distributed.run --nproc_per_node 8 train.py --lr 1', [call('torchrun', 'train.py')]],
    ['python -m torch.distributed.launch --nproc_per_node=8 --use_env train.py', [call('torchrun', 'train.py')]],
    ['python -m torch.distributed.run --standalone -m pkg.train', [mod('torchrun', 'pkg.train')]],
    ['python -c "import x; x.main()"', []],
    ['python', []],
    ['python - < script.py', []],
    ['bash x.sh arg', [call('bash', 'x.sh')]],
    ['bash -euo pipefail x.sh', [call('bash', 'x.sh')]],
    ['bash --norc -x ./x.sh', [call('bash', './x.sh')]],
    ['sh -e x.sh', [call('sh', 'x.sh')]],
    ['dash x.sh', [call('sh', 'x.sh')]],
    ['source env.sh', [call('source', 'env.sh')]],
    ['. ./lib.sh', [call('source', './lib.sh')]],
    ['source .venv/bin/activate', []],
    ['source .env.local', []],
    ['bash -c "python x.py && bash y.sh"', [py('x.py'), call('bash', 'y.sh')]],
    ['bash -lc \'cd sub && python x.py\'', [py('x.py', ['sub/x.py'])]],
    ['sh -c "$CMD"', []],
    ['accelerate launch train.py', [call('accelerate', 'train.py')]],
    ['accelerate launch --config_file cfg.yaml --num_processes 8 --multi_gpu train.py --bs 4', [call('accelerate', 'train.py')]],
    ['accelerate launch --num-processes=2 -m pkg.train', [mod('accelerate', 'pkg.train')]],
    ['accelerate-launch train.py', [call('accelerate', 'train.py')]],
    ['accelerate config', []],
    ['torchrun --nproc_per_node=8 --nnodes 1 --rdzv-endpoint localhost:1 train.py', [call('torchrun', 'train.py')]],
    ['torchrun --standalone --nproc-per-node 4 -m pkg.train --x 1', [mod('torchrun', 'pkg.train')]],
    ['torchrun --brand_new_option 3 train.py', [call('torchrun', 'train.py')]],
    ['torchrun --brand_new_flag train.py', [call('torchrun', 'train.py')]],
    ['torchrun $DIST_ARGS train.py', [call('torchrun', 'train.py')]],
    ['torchrun $DIST_ARGS --nproc_per_node 8 train.py', [call('torchrun', 'train.py')]],
    ['torchrun $SCRIPT --config cfg.py', []],
    ['torchrun $SCRIPT args', []],
    ['deepspeed --num_gpus 8 --master_port 29500 train.py --deepspeed ds.json', [call('deepspeed', 'train.py')]],
    ['deepspeed -H hostfile --include localhost:0,1 train.py', [call('deepspeed', 'train.py')]],
    ['deepspeed --module pkg.train', [mod('deepspeed', 'pkg.train')]],
    ['./scripts/x.sh --fast', [call('direct', './scripts/x.sh')]],
    ['scripts/x.py --a 1', [call('direct', 'scripts/x.py')]],
    ['x.py', []],
    ['./configure --prefix=/usr', []],
    ['CUDA_VISIBLE_DEVICES=0,1 nohup python x.py > log.txt 2>&1 &', [py('x.py')]],
    ['CUDA_VISIBLE_DEVICES=$GPU python x.py', [py('x.py')]],
    ['time python x.py', [py('x.py')]],
    ['time -p python x.py', [py('x.py')]],
    ['exec python x.py "$@"', [py('x.py')]],
    ['sudo -E -u runner python x.py', [py('x.py')]],
    ['sudo -l', []],
    ['nice -n 10 ionice -c 2 python x.py', [py('x.py')]],
    ['timeout --signal=KILL 10m python x.py', [py('x.py')]],
    ['stdbuf -oL python x.py | tee log', [py('x.py')]],
    ['srun --gres=gpu:1 -N 1 -p gpu python x.py', [py('x.py')]],
    ['mpirun -np 4 --mca btl tcp python x.py', [py('x.py')]],
    ['command -v python', []],
    ['sbatch --job-name=x -p gpu jobs/train.slurm', [call('direct', 'jobs/train.slurm')]],
    ['sbatch -J x --wrap "python x.py"', [py('x.py')]],
    ['echo python x.py', []],
    ['pip install -r requirements.txt', []],
    ['if [ -f x.py ]; then python x.py; fi', [py('x.py')]],
    ['for f in a b; do bash x.sh "$f"; done', [call('bash', 'x.sh')]],
    ['python a.py && bash b.sh; ./c.sh | tee log || sh d.sh &', [py('a.py'), call('bash', 'b.sh'), call('direct', './c.sh'), call('sh', 'd.sh')]],
    ['python x.py>out.log', [py('x.py')]],
    ['python x.py <<< "text"', [py('x.py')]],
    ['2>/dev/null python x.py', [py('x.py')]],
    ['CMD=(python x.py)', [py('x.py')]],
  ])('%s', (line, expected) => {
    expect(calls(line)).toEqual(expected);
  });
});

describe('targets that are not known statically', () => {
  it.each([
    'python $SCRIPT',
    'python ${X}/y.py',
    'python "$(pwd)/y.py"',
    'python `which y`.py',
    'bash "$DIR/run.sh"',
    '$PYTHON x.py',
    '"${PY}" x.py',
    'source $HOME/x.sh',
    './$NAME.sh',
    'python scripts/*.py',
    'python -m $MODULE',
    'accelerate launch --config_file x.yaml $TRAIN',
  ])('%s', (line) => {
    expect(calls(line)).toEqual([]);
  });
});

describe('candidates', () => {
  it.each<[string, string, Brief[]]>([
    // lists caller-relative before root-relative paths, deduplicated and normalised
    ['python x.py', 'scripts/run.sh', [py('x.py', ['scripts/x.py', 'x.py'])]],
    ['bash ./lib/../y.sh', 'scripts/run.sh', [call('bash', './lib/../y.sh', ['scripts/y.sh', 'y.sh'])]],
    ['python scripts//x.py', 'run.sh', [py('scripts//x.py', ['scripts/x.py'])]],
    // looks in each folder above the caller: a sub-project launcher runs from its own root
    ['python scripts/x.py', 'lab/scripts/run.sh', [py('scripts/x.py', ['lab/scripts/scripts/x.py', 'lab/scripts/x.py', 'scripts/x.py'])]],
    // drops candidates that climb out of the repo
    ['python ../x.py', 'a/run.sh', [py('../x.py', ['x.py'])]],
    ['python ../x.py', 'run.sh', [py('../x.py', [])]],
    ['python ../../x.py', 'a/b/c.sh', [py('../../x.py', ['x.py'])]],
    // gives absolute targets no candidates
    ['python /opt/x.py', 'run.sh', [py('/opt/x.py', [])]],
    ['bash ~/setup.sh', 'run.sh', [call('bash', '~/setup.sh', [])]],
    ['/opt/tools/run.sh', 'run.sh', [call('direct', '/opt/tools/run.sh', [])]],
    // follows cd within the command line, subshells restoring it
    ['cd src && python train.py', 'run.sh', [py('train.py', ['src/train.py'])]],
    ['cd .. && bash x.sh', 'scripts/run.sh', [call('bash', 'x.sh', ['x.sh'])]],
    ['cd tools && bash x.sh', 'scripts/run.sh', [call('bash', 'x.sh', ['scripts/tools/x.sh', 'tools/x.sh'])]],
    ['(cd a && python x.py); python y.py', 'run.sh', [py('x.py', ['a/x.py']), py('y.py')]],
    ['cd a; cd b; python x.py', 'run.sh', [py('x.py', ['a/b/x.py'])]],
    ['pushd a; pushd b; popd; python x.py', 'run.sh', [py('x.py', ['a/x.py'])]],
  ])('%s (from %s)', (line, caller, expected) => {
    expect(calls(line, caller)).toEqual(expected);
  });

  it('lists module files under the root, the caller directory and src/', () => {
    expect(calls('python -m pkg.mod', 'scripts/run.sh')).toEqual([
      mod('python', 'pkg.mod', [
        'pkg/mod.py', 'pkg/mod/__main__.py', 'pkg/mod/__init__.py',
        'scripts/pkg/mod.py', 'scripts/pkg/mod/__main__.py', 'scripts/pkg/mod/__init__.py',
        'src/pkg/mod.py', 'src/pkg/mod/__main__.py', 'src/pkg/mod/__init__.py',
      ]),
    ]);
  });
});

/** Facts with the flag that says an absent target is unknown, not missing. */
function unsure(line: string, callerPath = 'run.sh'): Array<[string, string | undefined]> {
  return scriptCallsFromWords(splitShellWords(line), { callerPath, span: SPAN, via: 'shell' }).map((f) => [f.target, f.unknownWhenAbsent]);
}

describe('where a target is looked for is unknown', () => {
  it.each<[string, Array<[string, string | undefined]>]>([
    // after a cd into a computed, absolute or previous folder
    ['cd "$WORK" && python hello.py; python -m pkg.mod', [['hello.py', 'cwd'], ['pkg.mod', 'cwd']]],
    ['cd /tmp/build && bash run.sh', [['run.sh', 'cwd']]],
    ['cd - && bash run.sh', [['run.sh', 'cwd']]],
    ['cd "$WORK" && cd sub && python x.py', [['x.py', 'cwd']]],
    ['popd; python x.py', [['x.py', 'cwd']]],
    // but not for absolute targets or a subshell that ends
    ['(cd "$WORK" && python a.py); python b.py', [['a.py', 'cwd'], ['b.py', undefined]]],
    ['cd "$WORK" && python /opt/x.py', [['/opt/x.py', undefined]]],
    // for a file the commands write or fetch themselves
    ['git clone --depth 1 https://github.com/org/tool.git && python tool/run.py', [['tool/run.py', 'runtime']]],
    ['git clone https://github.com/org/tool.git vendor/t; bash vendor/t/x.sh', [['vendor/t/x.sh', 'runtime']]],
    ['python gen.py > job.sh && bash job.sh', [['gen.py', undefined], ['job.sh', 'runtime']]],
    ['wget -O setup.sh https://x.org/s.sh; bash setup.sh', [['setup.sh', 'runtime']]],
    ['wget -q https://raw.githubusercontent.com/org/u/main/scripts/run_tests.sh\nbash run_tests.sh "tests"', [['run_tests.sh', 'runtime']]],
    ['wget -P tools https://x.org/a/fix.py?raw=1 && python tools/fix.py', [['tools/fix.py', 'runtime']]],
    ['curl -fsSLO https://x.org/install.sh && sh install.sh', [['install.sh', 'runtime']]],
    ['cp templates/a.py run_a.py && python run_a.py', [['run_a.py', 'runtime']]],
    ['cd out && python x.py > made.py; python made.py', [['x.py', undefined], ['made.py', 'runtime']]],
  ])('%s', (line, expected) => {
    expect(unsure(line)).toEqual(expected);
  });

  it('inside a substitution that runs after the cd', () => {
    const { calls: found } = analyzeShellText('cd "$WORK"\nOUT="$(python3 hello.py 2>&1 || true)"\nX=$(python3 y.py)', { callerPath: 'a/run.sh' });
    expect(found.map((c) => [c.target, c.unknownWhenAbsent])).toEqual([['hello.py', 'cwd'], ['y.py', 'cwd']]);
    // a substitution runs in a subshell: its cd does not last
    const subshell = analyzeShellText('cd sub; X=$(cd "$W" && python a.py); python b.py', { callerPath: 'run.sh' }).calls;
    expect(subshell.map((c) => [c.candidates, c.unknownWhenAbsent])).toEqual([[['a.py'], 'cwd'], [['sub/b.py'], undefined]]);
  });
});

describe('commands inside other commands', () => {
  it.each<[string, Brief[]]>([
    ['python mason.py --cluster ai2/x --gpus 8 -- python open_instruct/finetune.py --lr 1', [py('mason.py'), py('open_instruct/finetune.py')]],
    ['gantry run --gpus 1 --beaker-image x -- accelerate launch train.py', [call('accelerate', 'train.py')]],
    ['ray job submit --address x -- bash run.sh', [call('bash', 'run.sh')]],
    ['uv run -- python x.py', [py('x.py')]],
    ['git commit -- x.py', []],
    ['sbatch -p gpu --wrap "cd sub && python x.py && bash ../y.sh"', [py('x.py', ['sub/x.py']), call('bash', '../y.sh', ['y.sh'])]],
    ['srun -N 1 bash -c "python a.py; bash b.sh"', [py('a.py'), call('bash', 'b.sh')]],
    ['nohup env A=b uv run python x.py &', [py('x.py')]],
    ['env -S "A=1" torchrun --nproc_per_node 8 x.py', [call('torchrun', 'x.py')]],
  ])('%s', (line, expected) => {
    expect(calls(line)).toEqual(expected);
  });
});

describe('words that are not script paths', () => {
  it.each([
    "python 'scripts/.*\\.py'",
    'bash "jobs/run_[0-9].sh"',
    "python '^tests/(a|b)\\.py$'",
    'bash https://example.org/x.sh',
    '. ./clean-machine.env',
    'source logs/interrupt.env',
    // the outer shell expands $F before the inner one reads its quotes
    'bash -c ". \'$F\'; run_it"',
    "sh -c \"PATH='$P'; . '$STREAM'\"",
  ])('%s', (line) => {
    expect(calls(line)).toEqual([]);
  });
});

describe('scriptCallsFromWords', () => {
  it('takes argv lists and gives every fact the context span and channel', () => {
    const facts = scriptCallsFromWords(['python', '-u', 'scripts/x.py', '--n', '3'], {
      callerPath: 'src/pipeline/run.py',
      span: SPAN,
      via: 'subprocess',
    });
    expect(facts).toEqual([
      {
        runner: 'python',
        target: 'scripts/x.py',
        module: false,
        candidates: ['src/pipeline/scripts/x.py', 'src/scripts/x.py', 'scripts/x.py'],
        span: SPAN,
        via: 'subprocess',
      },
    ]);
  });

  it('splits at separator words and reads bash -c strings', () => {
    const facts = scriptCallsFromWords(['bash', '-c', 'python a.py; bash b.sh'], { callerPath: 'x.py', span: SPAN, via: 'command-list' });
    expect(facts.map((f) => [f.runner, f.target, f.via])).toEqual([
      ['python', 'a.py', 'command-list'],
      ['bash', 'b.sh', 'command-list'],
    ]);
    expect(scriptCallsFromWords(['python', 'a.py', '&&', 'bash', 'b.sh'], { callerPath: 'x.py', span: SPAN, via: 'os.system' })).toHaveLength(2);
  });

  it('returns nothing for empty input', () => {
    expect(scriptCallsFromWords([], { callerPath: 'x.py', span: SPAN, via: 'subprocess' })).toEqual([]);
  });
});
