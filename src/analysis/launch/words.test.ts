import { describe, expect, it } from 'vitest';
import { splitShellWords, tokenize } from './words.js';

describe('splitShellWords', () => {
  it.each([
    ['python x.py --lr 1e-4', ['python', 'x.py', '--lr', '1e-4']],
    [`python "a b.py" 'c d' e\\ f`, ['python', 'a b.py', 'c d', 'e f']],
    [`echo "it's" 'say "hi"' "a\\"b" "\\n"`, ['echo', "it's", 'say "hi"', 'a"b', '\\n']],
    ['python x.py # run it', ['python', 'x.py']],
    ['echo a#b', ['echo', 'a#b']],
    ['a && b || c | d & e; f', ['a', '&&', 'b', '||', 'c', '|', 'd', '&', 'e', ';', 'f']],
    ['a&&b;c|&d', ['a', '&&', 'b', ';', 'c', '|', 'd']],
    ['(cd x && make)', ['(', 'cd', 'x', '&&', 'make', ')']],
    ['python x.py>log 2>&1 <in', ['python', 'x.py', '>', 'log', '2>&1', '<', 'in']],
    ['cmd &>out 3>>x', ['cmd', '&>', 'out', '3>>', 'x']],
    ['python \\\n    x.py \\\n    --flag', ['python', 'x.py', '--flag']],
    ['a\nb\n\nc\n', ['a', ';', 'b', ';', 'c']],
    ['a &&\n  b', ['a', '&&', 'b']],
    [`echo "$(dirname "$0")/x.sh" done`, ['echo', '$(dirname "$0")/x.sh', 'done']],
    ['echo $((1 + 2)) ${X:-a b} `which x`', ['echo', '$((1 + 2))', '${X:-a b}', '`which x`']],
    [`echo $'a\\'b' $"c"`, ['echo', "a'b", 'c']],
    ['', []],
    ['   # only a comment', []],
  ])('%j', (text, expected) => {
    expect(splitShellWords(text)).toEqual(expected);
  });

  it('skips heredoc bodies, quoted delimiters and <<- tab stripping included', () => {
    const text = [
      'cat <<EOF > out.txt',
      'python inside.py',
      'EOF',
      "cat <<'END'",
      'bash inside.sh',
      'END',
      'cat <<-X',
      '\tpython inside2.py',
      '\tX',
      'python after.py',
    ].join('\n');
    expect(splitShellWords(text)).toEqual([
      'cat', '<<', 'EOF', '>', 'out.txt', ';', 'cat', '<<', 'END', ';', 'cat', '<<-', 'X', ';', 'python', 'after.py',
    ]);
  });

  it('keeps a here-string on its line', () => {
    expect(splitShellWords('python x.py <<< "input"\nbash y.sh')).toEqual(['python', 'x.py', '<<<', 'input', ';', 'bash', 'y.sh']);
  });
});

describe('tokenize', () => {
  it('marks expansions and globs as dynamic, quoted dollars of single quotes not', () => {
    const words = tokenize(`a $X "\${Y}/z" '$lit' *.py "*.py" x=$(f)`).words;
    expect(words.map((w) => [w.text, w.dynamic])).toEqual([
      ['a', false],
      ['$X', true],
      ['${Y}/z', true],
      ['$lit', false],
      ['*.py', true],
      ['*.py', false],
      ['x=$(f)', true],
    ]);
  });

  it('records raw offsets, continuations included', () => {
    const text = 'python \\\n  "my x.py"';
    const [python, target] = tokenize(text).words;
    expect(text.slice(python?.start, python?.end)).toBe('python');
    expect(text.slice(target?.start, target?.end)).toBe('"my x.py"');
  });

  it('lists command substitutions, nested ones only through their parent', () => {
    const text = 'A=$(python a.py $(b)) B=`c` <(d)';
    expect(tokenize(text).subs.map((s) => text.slice(s.start, s.end))).toEqual(['python a.py $(b)', 'c', 'd']);
  });

  it('reports unterminated quotes instead of throwing', () => {
    const result = tokenize('echo "abc\npython x.py');
    expect(result.errors).toEqual([{ start: 5, end: 21, message: 'unterminated double quote' }]);
    expect(tokenize("echo 'x").errors[0]?.message).toBe('unterminated single quote');
    expect(tokenize('echo $(x').errors[0]?.message).toBe("unterminated '('");
  });
});
