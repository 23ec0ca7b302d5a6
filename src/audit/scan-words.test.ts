import { describe, expect, it } from 'vitest';
import { seeded } from '../../bench/common.js';
import { wordsIn } from './scan.js';

describe('the prefilter word scan', () => {
  // words inside others, sharing prefixes and suffixes, overlapping, and with regex metacharacters
  const words = ['trl', 'from trl', 'import trl', 'chat_template', 'apply_chat_template', 'abc', 'bcd', 'cde', '<|', '[INST]', '.generate(', 'gen', 'aa', 'aaa', '"sh"', "'sh'", 'sh'];
  const find = wordsIn(words);

  it('finds exactly the words that occur, as a test of each word would', () => {
    const next = seeded(7);
    const pieces = [...words, ' ', '\n', 'x', 'a', 'b', 'c', 'd', 'e', '_', '(', '"', "'", 'tr', 'l'];
    for (let k = 0; k < 3000; k++) {
      let text = '';
      for (let n = Math.floor(next() * 30); n > 0; n--) text += pieces[Math.floor(next() * pieces.length)];
      expect([...find(text)].sort(), JSON.stringify(text)).toEqual(words.filter((w) => text.includes(w)).sort());
    }
  });

  it('finds overlapping words and words inside words', () => {
    expect([...find('abcde')].sort()).toEqual(['abc', 'bcd', 'cde']);
    expect([...find('x = tok.apply_chat_template(m)')].sort()).toEqual(['apply_chat_template', 'chat_template']);
    expect([...find('aaaa from trl import x')].sort()).toEqual(['aa', 'aaa', 'from trl', 'trl']);
    expect(find('nothing here').size).toBe(0);
  });
});
