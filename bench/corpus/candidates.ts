/**
 * The recall sample: lines of the corpus that a plain text search finds for each rule family, sampled
 * uniformly (by a hash of path and line, so the sample is the same on every machine) and written as label
 * stubs for a person to judge. The search knows nothing of the audit, so the positives among them
 * measure what the audit misses.
 *
 *   node dist/bench/corpus/candidates.js [--trees DIR] [--per-pattern N] [--out FILE] [NAME…]
 *
 * Names restrict the sample to those repositories (a repository added later gets a sample of its own).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs, runBench } from '../common.js';
import { corpusDir, loadCorpus } from './list.js';

/** What a text search would try for each family of rules, with the code a positive is reported under. */
export const PATTERNS: readonly { code: string; files: RegExp; line: RegExp }[] = [
  { code: 'LOAD002', files: /\.(?:py|ya?ml|json|toml|sh)$/, line: /trust_remote_code["']?\s*[=:]\s*(?:True|true)\b/ },
  { code: 'TMPL001', files: /\.py$/, line: /\.apply_chat_template\(|\bchat\.completions\.create\(|\bllm\.chat\(/ },
  { code: 'TOK003', files: /\.py$/, line: /<\|(?:im_start|begin_of_text|start_header_id)\|>|\[INST\]/ },
  { code: 'TOK001', files: /\.py$/, line: /add_special_tokens\s*=\s*True/ },
  { code: 'SCRIPT002', files: /\.(?:sh|slurm|ya?ml)$|(?:^|\/)Makefile$/, line: /\bpython3?\s+(?:-u\s+)?[\w./-]+\.py\b/ },
];

const SKIP_DIRS = new Set(['.git', 'node_modules', '.provenant']);

function* walk(root: string, rel = ''): Generator<string> {
  for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name)) yield* walk(root, r);
    } else if (e.isFile()) yield r;
  }
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['trees', 'per-pattern', 'out'], []);
  const trees = path.resolve(args.values.get('trees')?.[0] ?? path.join(corpusDir(), 'trees'));
  const per = Number(args.values.get('per-pattern')?.[0] ?? 30);
  const hits: { repo: string; path: string; code: string; line: number; text: string; rank: string }[] = [];
  const names = new Set(args.positional);
  for (const repo of loadCorpus()) {
    if (names.size && !names.has(repo.name)) continue;
    const root = path.join(trees, repo.name);
    for (const rel of walk(root)) {
      const patterns = PATTERNS.filter((p) => p.files.test(rel));
      if (!patterns.length) continue;
      const lines = readFileSync(path.join(root, rel), 'utf8').split('\n');
      lines.forEach((text, i) => {
        for (const p of patterns) {
          if (!p.line.test(text) || text.length > 400) continue;
          const rank = createHash('sha256').update(`${repo.name}/${rel}:${i + 1}:${p.code}`).digest('hex');
          hits.push({ repo: repo.name, path: rel, code: p.code, line: i + 1, text: text.trim(), rank });
        }
      });
    }
  }
  const out: string[] = [];
  for (const p of PATTERNS) {
    const sample = hits.filter((h) => h.code === p.code).sort((a, b) => (a.rank < b.rank ? -1 : 1)).slice(0, per);
    console.error(`${p.code}: ${hits.filter((h) => h.code === p.code).length} hits, ${sample.length} sampled`);
    for (const h of sample) out.push(JSON.stringify({ repo: h.repo, sample: 'candidate', path: h.path, line: h.line, code: h.code, text: h.text }));
  }
  const file = args.values.get('out')?.[0];
  if (file) writeFileSync(file, out.join('\n') + '\n');
  else console.log(out.join('\n'));
  return 0;
}

runBench(main);
