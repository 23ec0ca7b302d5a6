import { describe, expect, it } from 'vitest';
import { extractYamlFacts } from './yaml.js';

type Row = [runner: string, target: string, line: number, col: number, endCol: number];

function brief(source: string, path = '.github/workflows/ci.yml'): Row[] {
  return extractYamlFacts(source, path).scriptCalls.map((c) => [c.runner, c.target, c.span.line, c.span.col, c.span.endCol]);
}

describe('extractYamlFacts', () => {
  it('reads GitHub Actions run steps with exact lines', () => {
    const source = [
      'name: ci', //                                           1
      'on: [push]', //                                         2
      'jobs:', //                                              3
      '  test:', //                                            4
      '    runs-on: ubuntu-latest', //                         5
      '    steps:', //                                         6
      '      - uses: actions/checkout@v4', //                  7
      '      - name: unit', //                                 8
      '        run: python scripts/check.py --fast', //        9
      '      - name: multi', //                               10
      '        run: |', //                                    11
      '          set -e', //                                  12
      '          # python commented.py', //                   13
      '', //                                                  14
      '          bash scripts/prepare.sh', //                 15
      '          torchrun --nproc_per_node 2 \\', //          16
      '            train.py', //                              17
      '          python ${{ matrix.script }}', //             18
      '      - run: python x.py', //                          19
      '        working-directory: tools', //                  20
      '      - run: "accelerate launch \\"eval.py\\""', //    21
    ].join('\n');
    const facts = extractYamlFacts(source, '.github/workflows/ci.yml');
    expect(facts.language).toBe('yaml');
    expect(facts.lines).toBe(21);
    expect(facts.parseErrors).toEqual([]);
    expect(facts.scriptCalls[0]).toEqual({
      runner: 'python',
      target: 'scripts/check.py',
      module: false,
      candidates: ['.github/workflows/scripts/check.py', '.github/scripts/check.py', 'scripts/check.py'],
      span: { line: 9, col: 21, endLine: 9, endCol: 37 },
      via: 'yaml',
    });
    expect(brief(source)).toEqual([
      ['python', 'scripts/check.py', 9, 21, 37],
      ['bash', 'scripts/prepare.sh', 15, 16, 34],
      ['torchrun', 'train.py', 17, 13, 21],
      ['python', 'x.py', 19, 21, 25],
      ['accelerate', 'eval.py', 21, 33, 44],
    ]);
    expect(facts.scriptCalls[3]?.candidates).toEqual(['tools/x.py']);
  });

  // each case: title, path, the file's lines, and its calls as `runner target line:col-endCol`
  it.each<[string, string, string[], string[]]>([
    [
      'reads GitLab CI script lists, nested lists included, and skips !reference',
      '.gitlab-ci.yml',
      [
        '.setup:', //                                  1
        '  before_script:', //                         2
        '    - source scripts/env.sh', //              3
        'train:', //                                   4
        '  stage: train', //                           5
        '  before_script:', //                         6
        '    - !reference [.setup, before_script]', // 7
        '    - pip install -r requirements.txt', //    8
        '  script:', //                                9
        '    - python -m pkg.train', //               10
        '    - - bash scripts/a.sh', //               11
        '      - bash scripts/b.sh', //               12
        '    - |', //                                 13
        '      echo start', //                        14
        '      ./scripts/finish.sh', //               15
        '  after_script: ["bash scripts/cleanup.sh"]', // 16
      ],
      [
        'source scripts/env.sh 3:14-28',
        'python pkg.train 10:17-26',
        'bash scripts/a.sh 11:14-26',
        'bash scripts/b.sh 12:14-26',
        'direct ./scripts/finish.sh 15:7-26',
        'bash scripts/cleanup.sh 16:24-42',
      ],
    ],
    [
      'reads argv lists, k8s command + args and compose entrypoint + command',
      'deploy/compose.yaml',
      [
        'services:', //                                              1
        '  trainer:', //                                             2
        '    command: ["python", "-u", "train.py", "--lr", 1]', //   3
        '  worker:', //                                              4
        '    entrypoint: ["python"]', //                             5
        '    command: ["worker.py"]', //                             6
        'spec:', //                                                  7
        '  containers:', //                                          8
        '    - command: [bash, -c]', //                              9
        '      args:', //                                           10
        '        - python serve.py && bash post.sh', //             11
        '    - command: python plain.py', //                        12
        'hooks:', //                                                13
        '  - id: check', //                                         14
        '    entry: python scripts/lint.py', //                     15
        'matrix: [torchrun, --standalone, dist.py]', //             16
      ],
      [
        'python train.py 3:32-40',
        'python worker.py 6:16-25',
        'python serve.py 11:11-42',
        'bash post.sh 11:11-42',
        'python plain.py 12:23-31',
        'python scripts/lint.py 15:19-34',
        'torchrun dist.py 16:34-41',
      ],
    ],
    [
      'reads strings that look like commands anywhere, but only script-like targets',
      'configs/exp.yaml',
      [
        'experiments:',
        '  - name: base',
        '    launch: CUDA_VISIBLE_DEVICES=0 python scripts/run.py --cfg a.yaml',
        '    notes: python scripts are fine',
        '    description: bash is a shell',
        '  - launch: >',
        '      accelerate launch',
        '      --num_processes 8',
        '      finetune.py',
        'run:',
        '  dir: outputs',
      ],
      [
        'python scripts/run.py 3:43-57',
        'accelerate finetune.py 9:7-18',
      ],
    ],
  ])('%s', (_title, path, lines, calls) => {
    expect(brief(lines.join('\n'), path).map(([runner, target, line, col, endCol]) => `${runner} ${target} ${line}:${col}-${endCol}`)).toEqual(calls);
  });

  it('points into quoted and multi-line plain scalars despite escapes', () => {
    const source = [
      'a:', //                                                  1
      '  run: "echo \\"\\t\\" && bash \\u0073etup.sh"', //       2
      "  script: 'echo ''hi'' && python x.py'", //              3
      '  command: python', //                                   4
      '    -u', //                                              5
      '    plain.py', //                                        6
    ].join('\n');
    const lines = source.split('\n');
    const covered = extractYamlFacts(source, 'x.yml').scriptCalls.map((c) => [
      c.target,
      lines[c.span.line - 1]?.slice(c.span.col - 1, c.span.endCol - 1),
    ]);
    expect(covered).toEqual([
      ['setup.sh', '\\u0073etup.sh'],
      ['x.py', 'x.py'],
      ['plain.py', 'plain.py'],
    ]);
  });

  it('reports broken YAML as parse errors and keeps what it could read', () => {
    const source = 'steps:\n  - run: python ok.py\n  - run: [unclosed\nother: 1\n';
    const facts = extractYamlFacts(source, 'ci.yml');
    expect(facts.scriptCalls.map((c) => c.target)).toEqual(['ok.py']);
    expect(facts.parseErrors.length).toBeGreaterThan(0);
    expect(facts.parseErrors[0]?.message).not.toMatch(/\n/);
    expect(facts.parseErrors[0]?.span.line).toBeGreaterThanOrEqual(3);
  });

  it('reports a tab-indented document without throwing', () => {
    const facts = extractYamlFacts('a:\n\tb: python x.py\n', 'x.yml');
    expect(facts.parseErrors.length).toBeGreaterThan(0);
  });

  it('reads every document of a multi-document file', () => {
    const source = 'run: python a.py\n---\nrun: python b.py\n';
    expect(brief(source).map((r) => [r[1], r[2]])).toEqual([
      ['a.py', 1],
      ['b.py', 3],
    ]);
  });

  it('handles empty and comment-only files', () => {
    expect(extractYamlFacts('', 'x.yml')).toMatchObject({ lines: 0, scriptCalls: [], parseErrors: [] });
    expect(extractYamlFacts('# nothing\n', 'x.yml')).toMatchObject({ lines: 1, scriptCalls: [], parseErrors: [] });
  });

  it('keeps trust_remote_code settings at any depth, with their values as YAML reads them', () => {
    const source = [
      'base_model: deepseek-ai/DeepSeek-V2-Lite',
      'trust_remote_code: true',
      'dataset_kwargs:',
      '  trust_remote_code: True',
      'eval:',
      '  trust_remote_code: ${TRC}',
      '  # trust_remote_code: true',
      'other: {trust_remote_code: false}',
      '',
    ].join('\n');
    const facts = extractYamlFacts(source, 'configs/train.yaml');
    expect(facts.settings?.map((s) => [s.key, s.value, s.span.line, s.span.col])).toEqual([
      ['trust_remote_code', { kind: 'bool', value: true }, 2, 1],
      ['trust_remote_code', { kind: 'bool', value: true }, 4, 3],
      ['trust_remote_code', { kind: 'str', value: '${TRC}' }, 6, 3],
      ['trust_remote_code', { kind: 'bool', value: false }, 8, 9],
    ]);
    expect(extractYamlFacts('run: python a.py\n', 'ci.yml').settings).toBeUndefined();
  });

  it('marks what one step writes or fetches when a later step runs it', () => {
    const source = 'steps:\n  - run: git clone https://github.com/org/kit.git\n  - run: python kit/run.py\n  - run: python scripts/x.py\n';
    expect(extractYamlFacts(source, 'ci.yml').scriptCalls.map((c) => [c.target, c.unknownWhenAbsent])).toEqual([
      ['kit/run.py', 'runtime'],
      ['scripts/x.py', undefined],
    ]);
  });
});
