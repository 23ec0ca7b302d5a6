/**
 * The in-repository modules a producer imports, transitively, with their digests: the producer's code is
 * the script and everything of the project it pulls in, as DVC's `deps` would list them. Imports are read
 * by the language front ends and resolved the way the registry resolves them (Python: the importer's
 * folders, then the root; TS/JS: the candidates the front end gives); a module outside the project (the
 * standard library, installed packages) resolves to no file and is left out.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

import type { Language } from '../analysis/facts.js';
import { pythonImportCandidates } from '../registry/resolve.js';
import type { Statement } from '../schemas/stamp.js';
import { sha256Text } from './hash.js';
import { insideRoot } from './stamp-file.js';

export interface ModuleDigest {
  path: string;
  sha256: string;
}

/** Enough for any research repository; a walk that reaches it stops rather than reading the world. */
const MAX_MODULES = 2000;

export async function importedModules(root: string, producer: string): Promise<ModuleDigest[]> {
  // the front ends load only when a stamp is made: verify and plan read recorded digests, never parse
  const { languageOf, loadFrontEnds } = await import('../analysis/index.js');
  const first = languageOf(producer);
  if (!first) return [];
  // a script imports modules of its own kind (a notebook imports Python): only that front end is loaded
  const kinds: Language[] = first === 'notebook' ? ['notebook', 'python'] : first === 'typescript' || first === 'javascript' ? ['typescript', 'javascript'] : [first];
  const frontEnds = await loadFrontEnds(new Set(kinds));
  const seen = new Map<string, string>();
  const queue = [producer];
  const isFile = (rel: string): boolean => {
    const abs = path.join(root, rel);
    return existsSync(abs) && statSync(abs).isFile();
  };
  for (let rel = queue.shift(); rel !== undefined && seen.size < MAX_MODULES; rel = queue.shift()) {
    const language = languageOf(rel);
    if (!language || !kinds.includes(language)) continue;
    const bytes = readFileSync(path.join(root, rel));
    if (rel !== producer) seen.set(rel, sha256Text(bytes));
    const facts = frontEnds.extract(bytes.toString('utf8'), rel, language);
    for (const imp of facts.imports) {
      const candidates = imp.candidates ?? (language === 'python' || language === 'notebook' ? pythonImportCandidates(rel, { module: imp.module, name: imp.name, level: imp.level, line: imp.span.line }) : []);
      const target = candidates.find((c) => !c.startsWith('..') && isFile(c));
      if (target && target !== producer && !seen.has(target) && !queue.includes(target)) queue.push(target);
    }
  }
  return [...seen].map(([p, sha256]) => ({ path: p, sha256 })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Each module the stamp's producer imported whose bytes are not the ones recorded (or that is gone), in words. */
export function moduleChanges(root: string, statement: Statement, producers: { digest(rel: string): string | null }): string[] {
  const made = statement.predicate.provenant.producer;
  const reasons: string[] = [];
  for (const m of made?.modules ?? []) {
    // a stamp is read from disk: a path that leaves the project is never opened
    if (!insideRoot(root, m.path)) {
      reasons.push(`module ${m.path} is outside the project`);
      continue;
    }
    const now = producers.digest(m.path);
    if (now === null) reasons.push(`module ${m.path} (imported by ${made?.path ?? 'the producer'}) no longer exists`);
    else if (now !== m.sha256) reasons.push(`module ${m.path} (imported by ${made?.path ?? 'the producer'}) changed since this was made (sha256 ${m.sha256.slice(0, 12)} then, ${now.slice(0, 12)} now)`);
  }
  return reasons;
}
