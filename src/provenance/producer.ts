/**
 * What provenance needs to know about a producer script, now: its registry status (the annotations file,
 * else deprecated by name or place, else active; unregistered when the registry does not cover it), what
 * replaced it, its known bugs, and its digest. Read straight from the annotations file and the file
 * system, so `run` and `verify` never wait for a registry sync.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import picomatch from 'picomatch';

import { pathDeprecation } from '../core/deprecation.js';
import type { Config } from '../schemas/config.js';
import type { KnownBug } from '../schemas/registry.js';
import type { Producer } from '../schemas/stamp.js';
import { loadAnnotations, type LoadedAnnotations } from '../registry/annotations.js';
import { sha256File } from './hash.js';

export interface ProducerFacts {
  path: string;
  exists: boolean;
  /** The file exists only as `<path>.DEPRECATED`. */
  renamedDeprecated: boolean;
  sha256: string | null;
  status: Producer['status'];
  /** Why it is deprecated, when it is. */
  reason: string | null;
  replacedBy: string | null;
  bugs: KnownBug[];
}

export interface ProducerLookup {
  facts(rel: string): ProducerFacts;
}

export async function producerLookup(root: string, config: Config): Promise<ProducerLookup> {
  const annotations: LoadedAnnotations = await loadAnnotations(root, config.registry.annotations);
  const deprecated = pathDeprecation(config.deprecatedPaths);
  const registered = picomatch(config.registry.include, { dot: true });
  const memo = new Map<string, ProducerFacts>();
  return {
    facts(rel) {
      const known = memo.get(rel);
      if (known) return known;
      const abs = path.join(root, rel);
      const exists = existsSync(abs);
      const renamedDeprecated = !exists && existsSync(`${abs}.DEPRECATED`);
      const note = annotations.data.files[rel] ?? (renamedDeprecated ? annotations.data.files[`${rel}.DEPRECATED`] : undefined);
      const byPlace = renamedDeprecated ? 'it was renamed `.DEPRECATED`' : deprecated(rel);
      let status: Producer['status'] = note?.status ?? (byPlace ? 'deprecated' : registered(rel) ? 'active' : 'unregistered');
      if (byPlace && status !== 'deprecated') status = 'deprecated';
      const facts: ProducerFacts = {
        path: rel,
        exists,
        renamedDeprecated,
        sha256: exists ? sha256File(abs) : null,
        status,
        reason: status === 'deprecated' ? (note?.reason ?? byPlace ?? 'marked deprecated in the registry') : null,
        replacedBy: note?.replaced_by ?? null,
        bugs: note?.bugs ?? [],
      };
      memo.set(rel, facts);
      return facts;
    },
  };
}

const INTERPRETERS = /^(python[0-9.]*|pypy[0-9.]*|bash|sh|zsh|node|tsx|ts-node|bun|deno|Rscript|perl|ruby)$/;
const SCRIPT = /\.(py|sh|bash|js|mjs|cjs|ts|mts|R|pl|rb)$/;

/**
 * The script a command line runs, relative to the root, or null: the first script argument after an
 * interpreter (`python -u scripts/x.py`, `python -m pkg.mod`, `bash run.sh`, `npx tsx gen.ts`), or the
 * command itself when it is a file in the project.
 */
export function producerOf(argv: readonly string[], root: string, cwd: string): string | null {
  const words = [...argv];
  if (words[0] && /^(npx|uv|poetry|pipenv|conda)$/.test(path.basename(words[0]))) {
    words.shift();
    while (words[0] && (words[0] === 'run' || words[0].startsWith('-'))) words.shift();
  }
  const first = words[0];
  if (!first) return null;
  const inRoot = (p: string): string | null => {
    const abs = path.resolve(cwd, p);
    const rel = path.relative(root, abs);
    return rel.startsWith('..') || path.isAbsolute(rel) ? null : rel.split(path.sep).join('/');
  };
  if (INTERPRETERS.test(path.basename(first))) {
    for (let i = 1; i < words.length; i++) {
      const word = words[i] ?? '';
      if (word === '-m' && words[i + 1]) return moduleFile(words[i + 1] ?? '', root, cwd, inRoot);
      if (word === '-c') return null;
      if (word.startsWith('-')) continue;
      return SCRIPT.test(word) || existsSync(path.resolve(cwd, word)) ? inRoot(word) : null;
    }
    return null;
  }
  return (first.includes('/') || SCRIPT.test(first)) && existsSync(path.resolve(cwd, first)) ? inRoot(first) : null;
}

function moduleFile(name: string, root: string, cwd: string, inRoot: (p: string) => string | null): string | null {
  const rel = name.split('.').join('/');
  for (const base of [cwd, root]) {
    for (const candidate of [`${rel}.py`, `${rel}/__main__.py`]) {
      if (existsSync(path.join(base, candidate))) return inRoot(path.join(base, candidate));
    }
  }
  return null;
}
