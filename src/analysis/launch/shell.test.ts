import { describe, expect, it } from 'vitest';
import { readWellFormed } from '../../../test/helpers/launch.js';
import { extractShellFacts } from './index.js';

function brief(source: string, path = 'scripts/run.sh'): Array<[string, string, number, number, number, number]> {
  return extractShellFacts(source, path).scriptCalls.map((c) => [c.runner, c.target, c.span.line, c.span.col, c.span.endLine, c.span.endCol]);
}

const RUN_SH = [
  '#!/usr/bin/env bash',
  'set -euo pipefail',
  '# python commented.py',
  'CUDA_VISIBLE_DEVICES=0 python scripts/train.py --lr 1e-4  # python trailing.py',
  '  bash "eval/run eval.sh"',
  '',
];

describe('extractShellFacts', () => {
  it('reports each call with the span of its target word', () => {
    const facts = readWellFormed(extractShellFacts, 'scripts/run.sh', { language: 'shell', lines: 5 }, RUN_SH);
    expect(facts.path).toBe('scripts/run.sh');
    const call = (runner: string, target: string, candidates: string[], [line, col, endCol]: [number, number, number]) => ({
      runner,
      target,
      module: false,
      candidates,
      span: { line, col, endLine: line, endCol },
      via: 'shell',
    });
    expect(facts.scriptCalls).toEqual([
      call('python', 'scripts/train.py', ['scripts/scripts/train.py', 'scripts/train.py'], [4, 31, 47]),
      call('bash', 'eval/run eval.sh', ['scripts/eval/run eval.sh', 'eval/run eval.sh'], [5, 8, 26]),
    ]);
  });

  it('joins continuation lines', () => {
    const source = 'accelerate launch \\\n  --config_file cfg.yaml \\\n  --num_processes 8 \\\n  train.py \\\n  --epochs 3\n';
    expect(brief(source)).toEqual([['accelerate', 'train.py', 4, 3, 4, 11]]);
  });

  it('ignores comments and heredoc bodies', () => {
    const source = [
      '# bash not-a-call.sh',
      'cat > cfg.txt <<EOF',
      'python inside_heredoc.py',
      'EOF',
      'cat <<-"END" | python consume.py',
      '\tbash inside.sh',
      '\tEND',
      'echo "# python not.py" # python comment.py',
      'python after.py',
    ].join('\n');
    expect(brief(source).map((c) => [c[1], c[2]])).toEqual([
      ['consume.py', 5],
      ['after.py', 9],
    ]);
  });

  it('reads if/for/while/case bodies and functions', () => {
    const source = [
      'main() {',
      '  python a.py',
      '}',
      'function other {',
      '  bash b.sh',
      '}',
      'if [ -n "$X" ]; then',
      '  python c.py',
      'elif true; then python d.py',
      'else',
      '  source e.sh',
      'fi',
      'for i in 1 2 3; do',
      '  ./f.sh "$i"',
      'done',
      'while read -r line; do sh g.sh; done < list.txt',
      'case "$1" in',
      '  train) python h.py ;;',
      '  *) torchrun i.py ;;',
      'esac',
      'until python j.py; do sleep 1; done',
    ].join('\n');
    expect(brief(source).map((c) => [c[1], c[2]])).toEqual([
      ['a.py', 2],
      ['b.sh', 5],
      ['c.py', 8],
      ['d.py', 9],
      ['e.sh', 11],
      ['./f.sh', 14],
      ['g.sh', 16],
      ['h.py', 18],
      ['i.py', 19],
      ['j.py', 21],
    ]);
  });

  it('finds calls inside command substitutions, pointing into them', () => {
    const source = 'OUT=$(python get_path.py --x)\nfor f in `bash list.sh`; do :; done\n';
    expect(brief(source)).toEqual([
      ['python', 'get_path.py', 1, 14, 1, 25],
      ['bash', 'list.sh', 2, 16, 2, 23],
    ]);
  });

  it('skips targets built from variables the file does not set', () => {
    const source = 'python $SCRIPT\npython "${ROOT}/x.py"\nfor S in a b; do python "$S.py"; done\nread -r T; bash "$T"\n';
    expect(brief(source)).toEqual([]);
  });

  it('expands variables the file sets, and its own folder', () => {
    const source = [
      'SCRIPT=train.py',
      'python $SCRIPT',
      'HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"',
      'python "$HERE/tools/x.py"',
      'bash "$(dirname "$0")/y.sh"',
      'export TOOLS=$HERE/tools',
      'python ${TOOLS}/z.py',
      'SCRIPT=$1',
      'python $SCRIPT',
    ].join('\n');
    const facts = extractShellFacts(source, 'scripts/run.sh');
    expect(facts.scriptCalls.map((c) => [c.target, c.candidates])).toEqual([
      ['$SCRIPT', ['scripts/train.py', 'train.py']],
      ['$HERE/tools/x.py', ['tools/x.py']],
      ['$(dirname "$0")/y.sh', ['scripts/y.sh']],
      ['${TOOLS}/z.py', ['tools/z.py']],
    ]);
  });

  it('carries cd across lines of the script', () => {
    const source = 'cd "$(dirname "$0")"\npython a.py\ncd ../tools\npython b.py\ncd "$WORK"\npython c.py\n';
    const calls = extractShellFacts(source, 'scripts/run.sh').scriptCalls;
    expect(calls.map((c) => [c.candidates, c.unknownWhenAbsent])).toEqual([
      [['scripts/a.py'], undefined],
      [['tools/b.py'], undefined],
      [['scripts/c.py', 'c.py'], 'cwd'],
    ]);
  });

  it('keeps a cd inside a function body to that body', () => {
    const source = 'build() {\n  cd "$WORK"\n  python a.py\n}\nfunction other {\n  cd tools; python b.py\n}\npython c.py\n';
    const calls = extractShellFacts(source, 'run.sh').scriptCalls;
    expect(calls.map((c) => [c.target, c.candidates, c.unknownWhenAbsent])).toEqual([
      ['a.py', ['a.py'], 'cwd'],
      ['b.py', ['tools/b.py'], undefined],
      ['c.py', ['c.py'], undefined],
    ]);
  });

  it('leaves $0 alone outside a script of its own', () => {
    expect(extractShellFacts('cd "$(dirname "$0")" && python a.py\n', 'a/run.sh').scriptCalls[0]?.candidates).toEqual(['a/a.py']);
  });

  it('handles empty files and files without a final newline', () => {
    expect(extractShellFacts('', 'a.sh')).toMatchObject({ lines: 0, scriptCalls: [], parseErrors: [] });
    expect(extractShellFacts('python x.py', 'a.sh')).toMatchObject({ lines: 1, scriptCalls: [{ target: 'x.py' }] });
  });

  it('reports an unterminated quote as a parse error', () => {
    const facts = extractShellFacts('python ok.py\necho "oops\npython lost.py\n', 'a.sh');
    expect(facts.scriptCalls.map((c) => c.target)).toEqual(['ok.py']);
    expect(facts.parseErrors).toEqual([{ span: { line: 2, col: 6, endLine: 4, endCol: 1 }, message: 'unterminated double quote' }]);
  });

  it('copes with a 10,000-line script', () => {
    const lines: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      if (i % 4 === 0) lines.push(`python scripts/step_${i}.py --seed ${i} && echo "done $(date)"`);
      else if (i % 4 === 1) lines.push(`if [ -f out_${i} ]; then bash tools/t_${i}.sh; fi # note`);
      else if (i % 4 === 2) lines.push(`  torchrun --nproc_per_node=8 \\`);
      else lines.push(`    train_${i}.py --cfg "a b" \${X}`);
    }
    const facts = extractShellFacts(lines.join('\n'), 'big.sh');
    expect(facts.lines).toBe(10_000);
    expect(facts.scriptCalls).toHaveLength(7_500);
    expect(facts.scriptCalls.at(-1)).toMatchObject({ runner: 'torchrun', target: 'train_9999.py', span: { line: 10_000, col: 5 } });
  });

  it('keeps command lines that turn on trust_remote_code as settings, not comments, messages or explicit falses', () => {
    const source = [
      'vllm serve org/m --trust-remote-code',
      'lm_eval --model_args pretrained=org/m,trust_remote_code=True --tasks x',
      'python eval.py --trust_remote_code True',
      'python eval.py --trust_remote_code=false',
      '# vllm serve org/m --trust-remote-code',
      'echo "add --trust-remote-code"',
      'python run.py --no-trust-remote-code-check',
      '',
    ].join('\n');
    const settings = extractShellFacts(source, 'serve.sh').settings ?? [];
    expect(settings.map((s) => [s.key, s.span.line, s.span.col])).toEqual([
      ['trust_remote_code', 1, 18],
      ['trust_remote_code', 2, 39],
      ['trust_remote_code', 3, 16],
    ]);
  });
});
