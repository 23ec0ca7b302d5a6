/**
 * Files and folders a command writes or fetches at run time (`tee`, `cp`, `git clone`, `curl -o`,
 * `huggingface-cli download --local-dir`): a script absent from the tree that the commands make is not missing.
 */
import { optionName } from './options.js';
import { basenameOf } from './paths.js';
import type { Word } from './words.js';

/** `git clone` options that take a separate value. */
const GIT_CLONE_VALUES: ReadonlySet<string> = new Set(['b', 'branch', 'depth', 'o', 'origin', 'c', 'config', 'reference', 'filter', 'j', 'jobs', 'separate_git_dir', 'u', 'upload_pack', 'shallow_since', 'shallow_exclude', 'template', 'bundle_uri', 'server_option', 'revision']);

/** Commands that write a file or folder at run time: where, given their words after the command word. */
export function writtenPaths(base: string, args: readonly Word[]): Word[] {
  const plain = args.filter((w) => w.kind === 'word');
  const operands = plain.filter((w) => !w.text.startsWith('-'));
  const valueOf = (...names: string[]): Word[] => {
    const out: Word[] = [];
    plain.forEach((w, k) => {
      const eq = w.text.indexOf('=');
      const name = eq < 0 ? w.text : w.text.slice(0, eq);
      if (!names.includes(name)) return;
      const value = eq < 0 ? plain[k + 1] : { ...w, text: w.text.slice(eq + 1) };
      if (value !== undefined) out.push(value);
    });
    return out;
  };
  switch (base) {
    case 'tee':
    case 'touch':
    case 'mkdir':
      return operands;
    case 'cp':
    case 'mv':
    case 'ln':
    case 'rsync':
    case 'install':
      return operands.length >= 2 ? operands.slice(-1) : [];
    case 'git': {
      if (plain[0]?.text !== 'clone') return [];
      const rest: Word[] = [];
      for (let k = 1; k < plain.length; k++) {
        const text = (plain[k] as Word).text;
        if (text.startsWith('-')) k += GIT_CLONE_VALUES.has(optionName(text)) && !text.includes('=') ? 1 : 0;
        else rest.push(plain[k] as Word);
      }
      const url = rest[0];
      if (rest[1] !== undefined) return [rest[1]];
      return url === undefined ? [] : [{ ...url, text: basenameOf(url.text).replace(/\.git$/, '') }];
    }
    case 'wget': {
      const named = valueOf('-O', '--output-document');
      if (named.length) return named;
      // without -O, each URL is saved under its last path segment, in the -P folder when one is given
      const into = valueOf('-P', '--directory-prefix');
      return into.length ? into : operands.filter((w) => w.text.includes('://')).map((url) => ({ ...url, text: basenameOf(url.text) }));
    }
    case 'curl': {
      const named = valueOf('-o', '--output');
      const url = operands.find((w) => w.text.includes('://'));
      if (url !== undefined && plain.some((w) => w.text === '--remote-name' || /^-[A-Za-z]*O[A-Za-z]*$/.test(w.text))) named.push({ ...url, text: basenameOf(url.text) });
      return named;
    }
    case 'unzip':
      return valueOf('-d');
    case 'tar':
      return valueOf('-C', '--directory');
    case 'huggingface-cli':
    case 'hf':
      return valueOf('--local-dir');
  }
  return [];
}
