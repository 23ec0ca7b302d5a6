import { describe, expect, it } from 'vitest';
import { readWellFormed } from '../../../test/helpers/launch.js';
import type { ScriptCallFact } from '../facts.js';
import { extractMakeFacts } from './index.js';

type Row = [runner: string, target: string, line: number, col: number, endCol: number];

const row = (c: ScriptCallFact): Row => [c.runner, c.target, c.span.line, c.span.col, c.span.endCol];

function brief(source: string, path = 'Makefile'): Row[] {
  return extractMakeFacts(source, path).scriptCalls.map(row);
}

describe('extractMakeFacts', () => {
  it('expands the Makefile’s variables and points at the words as written', () => {
    const facts = readWellFormed(extractMakeFacts, 'Makefile', { language: 'make', lines: 11 }, [
      'PYTHON := python3',
      'SCRIPTS = scripts',
      'LAUNCH ?= accelerate launch --num_processes 8',
      '',
      '.PHONY: train eval',
      'train: data',
      '\t$(PYTHON) $(SCRIPTS)/train.py --out $@',
      '\t@$(LAUNCH) ${SCRIPTS}/finetune.py',
      '',
      'eval:',
      '\t-bash $(SCRIPTS)/eval.sh',
    ]);
    expect(facts.scriptCalls[0]).toEqual({
      runner: 'python',
      target: 'scripts/train.py',
      module: false,
      candidates: ['scripts/train.py'],
      span: { line: 7, col: 12, endLine: 7, endCol: 31 },
      via: 'make',
    });
    expect(facts.scriptCalls.slice(1).map(row)).toEqual([
      ['accelerate', 'scripts/finetune.py', 8, 13, 35],
      ['bash', 'scripts/eval.sh', 11, 8, 26],
    ]);
  });

  it('strips @, - and + recipe prefixes and reads recipes after ; on the rule line', () => {
    const source = 'all: ; python a.py\nb:\n\t@-+ python b.py\n\t+@bash c.sh\n';
    expect(brief(source).map((r) => [r[1], r[2], r[3]])).toEqual([
      ['a.py', 1, 15],
      ['b.py', 3, 13],
      ['c.sh', 4, 9],
    ]);
  });

  it('follows make’s assignment flavours', () => {
    const source = [
      'A = $(B)/x.py',
      'B = late',
      'C := $(D)/y.py',
      'D = too-late',
      'E = first',
      'E ?= ignored',
      'F = python',
      'F += -u',
      'G := python',
      'G += -O',
      'override export H = h  # trailing comment',
      'run:',
      '\tpython $(A)',
      '\tpython $(C)',
      '\tpython $(E)/z.py',
      '\t$(F) f.py',
      '\t$(G) g.py',
      '\tbash $(H)/h.sh',
    ].join('\n');
    expect(brief(source).map((r) => [r[0], r[1]])).toEqual([
      ['python', 'late/x.py'],
      ['python', 'first/z.py'],
      ['python', 'f.py'],
      ['python', 'g.py'],
      ['bash', 'h/h.sh'],
    ]);
  });

  it('skips words holding unresolved variables, automatic variables, functions and shell variables', () => {
    const source = [
      'OUT != git rev-parse HEAD',
      'SELF = $(SELF)/x',
      'x:',
      '\tpython $(UNDEFINED)/x.py',
      '\tpython $<',
      '\tpython $(shell ls *.py)',
      '\tpython $(OUT).py',
      '\tpython $(SELF).py',
      '\tpython $$SCRIPT',
      '\t$(PY) y.py',
      '\tfor f in $(wildcard *.sh); do bash $$f; done',
      '\tpython $(SRC:.c=.py)',
    ].join('\n');
    expect(brief(source)).toEqual([]);
  });

  it('runs shell code written with $$ and $(CURDIR)', () => {
    const source = 'x:\n\tOUT=$$(python get.py) && bash $(CURDIR)/next.sh\n';
    expect(brief(source, 'sub/Makefile')).toEqual([
      ['python', 'get.py', 2, 16, 22],
      ['bash', './next.sh', 2, 32, 49],
    ]);
    expect(extractMakeFacts(source, 'sub/Makefile').scriptCalls.map((c) => c.candidates)).toEqual([
      ['sub/get.py', 'get.py'],
      ['sub/next.sh', 'next.sh'],
    ]);
  });

  it('joins continued recipe lines and continued assignments', () => {
    const source = 'ARGS = --nproc_per_node 8 \\\n  --nnodes 1\ntrain:\n\ttorchrun $(ARGS) \\\n\t\ttrain.py \\\n\t\t--lr 1\n';
    expect(brief(source)).toEqual([['torchrun', 'train.py', 5, 3, 11]]);
  });

  it('ignores tab-indented lines outside rules, define blocks and comments', () => {
    const source = [
      '# python comment.py',
      'define HELP',
      '\tpython in_define.py',
      'endef',
      'X = 1',
      '\tpython not_a_recipe.py',
      'ifeq ($(X),1)',
      'r:',
      'ifdef CI',
      '\tpython ci.py',
      'else',
      '\tpython local.py # python comment.py',
      'endif',
      'endif',
      'target: VAR = value',
      '\tpython after_target_var.py',
    ].join('\n');
    expect(brief(source).map((r) => r[1])).toEqual(['ci.py', 'local.py']);
  });

  it('handles empty Makefiles', () => {
    expect(extractMakeFacts('', 'Makefile')).toMatchObject({ lines: 0, scriptCalls: [], parseErrors: [] });
  });
});
