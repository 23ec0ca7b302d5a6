/**
 * The corpus list (bench/corpus/repos.json) and its hand labels (bench/corpus/labels/<name>.jsonl), read
 * with a line-numbered message for anything malformed.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { BenchError, repoRoot } from '../common.js';

export interface CorpusRepo {
  name: string;
  repo: string;
  commit: string;
  kind: string;
  why: string;
}

/**
 * One hand label. `finding`: a finding the audit reported, judged a true (`tp`) or false (`fp`) instance of
 * what its rule claims. `candidate`: a line found by grep, independently of the audit, judged an in-scope
 * positive (`tp`, with the code that should report it) or not (`fp`); recall is measured on these.
 * A label is matched by path, code and the trimmed text of the line, so it survives edits that move lines.
 */
export interface Label {
  sample: 'finding' | 'candidate';
  path: string;
  /** Candidates: the line the search found (the corpus is pinned, so lines do not move). */
  line?: number;
  code: string;
  text: string;
  label: 'tp' | 'fp';
  reason: string;
}

export function corpusDir(): string {
  return path.join(repoRoot(), 'bench', 'corpus');
}

export function loadCorpus(): CorpusRepo[] {
  const file = path.join(corpusDir(), 'repos.json');
  const data = JSON.parse(readFileSync(file, 'utf8')) as { repos?: CorpusRepo[] };
  if (!Array.isArray(data.repos)) throw new BenchError(`${file}: no "repos" list`);
  for (const [i, r] of data.repos.entries()) {
    for (const key of ['name', 'repo', 'commit', 'kind', 'why'] as const) {
      if (typeof r[key] !== 'string' || !r[key]) throw new BenchError(`${file}: repos[${i}] has no "${key}"`);
    }
    if (!/^[0-9a-f]{40}$/.test(r.commit)) throw new BenchError(`${file}: repos[${i}].commit is not a 40-digit commit`);
  }
  return data.repos;
}

export function labelKey(l: Pick<Label, 'path' | 'code' | 'text'>): string {
  return `${l.path}\u0000${l.code}\u0000${l.text}`;
}

export function loadLabels(name: string): Label[] {
  const file = path.join(corpusDir(), 'labels', `${name}.jsonl`);
  if (!existsSync(file)) return [];
  const out: Label[] = [];
  for (const [i, line] of readFileSync(file, 'utf8').split('\n').entries()) {
    if (!line.trim()) continue;
    let l: Label;
    try {
      l = JSON.parse(line) as Label;
    } catch (error) {
      throw new BenchError(`${file}:${i + 1}: not JSON (${(error as Error).message})`);
    }
    if (l.sample !== 'finding' && l.sample !== 'candidate') throw new BenchError(`${file}:${i + 1}: "sample" must be "finding" or "candidate"`);
    if (l.label !== 'tp' && l.label !== 'fp') throw new BenchError(`${file}:${i + 1}: "label" must be "tp" or "fp"`);
    for (const key of ['path', 'code', 'text', 'reason'] as const) {
      if (typeof l[key] !== 'string' || !l[key]) throw new BenchError(`${file}:${i + 1}: no "${key}"`);
    }
    if (l.sample === 'candidate' && !Number.isInteger(l.line)) throw new BenchError(`${file}:${i + 1}: a candidate needs its "line"`);
    out.push(l);
  }
  return out;
}
