import { describe, expect, it } from 'vitest';
import type { ScriptCallFact } from '../analysis/facts.js';
import { scriptCallsFromWords, splitShellWords } from '../analysis/launch/index.js';
import { normalizeConfig } from '../schemas/config-normalize.js';
import { filesFromSet, Project } from './project.js';

const TREE = ['scripts/existing.py', 'scripts/old_gen.py.DEPRECATED', 'tools/run.sh', 'src/pkg/__init__.py', 'src/pkg/cli.py', 'README.md'];
const project = new Project('/repo', normalizeConfig({}), filesFromSet(new Set(TREE)), []);
const SPAN = { line: 1, col: 1, endLine: 1, endCol: 2 };

function resolve(line: string, callerPath = 'tools/run.sh'): Array<string> {
  return scriptCallsFromWords(splitShellWords(line), { callerPath, span: SPAN, via: 'shell' }).map((call: ScriptCallFact) => project.resolveScript(call).status);
}

describe('Project.resolveScript', () => {
  it('finds scripts, deprecated ones, and scripts missing from a folder the project has', () => {
    expect(resolve('python scripts/existing.py; python scripts/old_gen.py; python scripts/gone.py')).toEqual(['ok', 'deprecated', 'missing']);
    expect(resolve('python -m pkg.cli; python -m pkg.gone; python -m black .')).toEqual(['ok', 'missing']);
  });

  it('after a cd into a folder that does not exist, a target is unknown, not missing', () => {
    expect(resolve('mkdir -p out && cd out && python gen.py')).toEqual(['unknown']);
    expect(resolve('cd build/tmp && python gen.py')).toEqual(['unknown']);
    // the folder exists: the script is missing from it
    expect(resolve('cd scripts && python gone.py')).toEqual(['missing']);
  });

  it('after a cd into a computed folder, a target is found when it exists and unknown otherwise', () => {
    expect(resolve('cd "$WORK" && python hello.py && bash run.sh')).toEqual(['unknown', 'ok']);
  });

  it('a path under a folder the project does not hold is not this project’s file', () => {
    expect(resolve('python third_party/tool/train.py; bash unsloth/scripts/x.sh')).toEqual(['unknown', 'unknown']);
  });

  it('a file the same commands write or fetch is not missing', () => {
    expect(resolve('python scripts/existing.py > scripts/job.sh && bash scripts/job.sh')).toEqual(['ok', 'unknown']);
  });
});
