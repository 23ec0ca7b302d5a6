/**
 * Zero-config loader inference: finds the project's sanctioned loader when the config names none. Each file
 * is summarised on its own, so summaries can be remembered by content and combined across files.
 */

import type { FileFacts } from '../analysis/facts.js';
import { moduleNameOf } from '../analysis/python/extract.js';
import { importQname, moduleQname } from '../analysis/typescript/paths.js';
import { canonicalQname, modelLoadKind } from './apis.js';
import type { SanctionedLoader } from './project.js';

const LOADER_NAME = /load|clean|guard|safe/i;

function inside(scope: string, qualname: string): boolean {
  return scope === qualname || scope.startsWith(qualname + '.');
}

interface Candidate {
  loader: SanctionedLoader;
  score: number;
}

/** What one file contributes to loader inference: its candidate definitions and its imports. */
export interface LoaderSummary {
  path: string;
  module: string;
  candidates: {
    qualname: string;
    name: string;
    kind: 'function' | 'class';
    line: number;
    load: { kind: string; line: number };
    /** Lines of `chat_template = None` and of a call with `add_special_tokens=False`, or null. */
    unset: number | null;
    noSpecial: number | null;
    /** Line of a node-llama-cpp `LlamaCompletion` built there: completion with no chat template. */
    completion?: number | null;
  }[];
  imports: { module: string; name: string | null }[];
}

/**
 * The part of inference that reads one file's facts. Summaries are small and keyed by content, so a
 * run remembers them and decodes the facts of none of the loader files that did not change.
 */
export function summarizeForLoaders(file: FileFacts): LoaderSummary {
  const script = file.language === 'typescript' || file.language === 'javascript';
  // TS/JS modules are named by their path, dotted as config spells loaders (`src.llm.loader`)
  const dotted = (q: string): string => q.replace(/\//g, '.');
  const summary: LoaderSummary = { path: file.path, module: script ? dotted(moduleQname(file.path)) : moduleNameOf(file.path), candidates: [], imports: [] };
  if (file.language !== 'python' && !script) return summary;
  for (const imp of file.imports) {
    if (!imp.module) continue;
    summary.imports.push({ module: script ? dotted(importQname(imp.module, file.path)) : imp.module, name: imp.name === 'default' ? imp.alias : imp.name });
  }
  for (const def of file.defs) {
    if (def.qualname.includes('.') && file.defs.some((d) => d !== def && inside(def.qualname, d.qualname) && d.kind === 'class')) {
      continue;
    }
    // completing through LlamaCompletion is what any TS/JS completion script does: there, only a class
    // or a function named as a loader is one (a benchmark's `main` is not)
    if (script && def.kind === 'function' && !LOADER_NAME.test(def.name)) continue;
    const load = file.calls.find((c) => inside(c.scope, def.qualname) && modelLoadKind(c));
    if (!load) continue;
    const unset = file.assigns.find(
      (a) => inside(a.scope, def.qualname) && a.target.endsWith('.chat_template') && a.value.kind === 'none',
    );
    const noSpecial = file.calls.find(
      (c) => inside(c.scope, def.qualname) && c.kwargs.add_special_tokens?.kind === 'bool' && !c.kwargs.add_special_tokens.value,
    );
    const completion = script ? file.calls.find((c) => inside(c.scope, def.qualname) && c.resolved && canonicalQname(c.qname) === 'node-llama-cpp.LlamaCompletion') : undefined;
    if (!unset && !noSpecial && !completion) continue;
    summary.candidates.push({
      qualname: def.qualname,
      name: def.name,
      kind: def.kind,
      line: def.span.line,
      load: { kind: modelLoadKind(load) ?? 'load', line: load.span.line },
      unset: unset?.span.line ?? null,
      noSpecial: noSpecial?.span.line ?? null,
      completion: completion?.span.line ?? null,
    });
  }
  return summary;
}

/**
 * Zero-config sanctioned loader: a class or function that loads a model or tokenizer *and*
 * neutralises the chat template (`chat_template = None`, `add_special_tokens=False`; in TS/JS also a
 * node-llama-cpp `LlamaCompletion` instead of a chat session). Among several,
 * the ones other files import win, then names that say "loader". Returns the best (ties all kept).
 */
export function inferSanctionedLoaders(all: readonly FileFacts[]): SanctionedLoader[] {
  return combineLoaderSummaries(all.map(summarizeForLoaders));
}

export function combineLoaderSummaries(all: readonly LoaderSummary[]): SanctionedLoader[] {
  const candidates: Candidate[] = [];
  for (const file of all) {
    const { module } = file;
    for (const def of file.candidates) {
      const stem = module.split('.').pop() ?? module;
      const importers = new Map<string, number>();
      for (const other of all) {
        if (other === file) continue;
        for (const imp of other.imports) {
          const m = imp.module;
          if (module === m || module.endsWith('.' + m)) {
            if (imp.name === def.name || imp.name === null) importers.set(m, (importers.get(m) ?? 0) + 1);
          }
        }
      }
      const usedAs = [...importers.entries()].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length)[0];
      const name = `${usedAs ? usedAs[0] : stem}.${def.qualname}`;
      const reasons = [`\`${def.qualname}\` in ${file.path}:${def.line} loads with \`${def.load.kind}\` (line ${def.load.line})`];
      if (def.unset !== null) reasons.push(`it sets \`chat_template = None\` (line ${def.unset})`);
      if (def.noSpecial !== null) reasons.push(`it tokenizes with \`add_special_tokens=False\` (line ${def.noSpecial})`);
      const completion = def.completion ?? null;
      if (completion !== null) reasons.push(`it completes with node-llama-cpp \`LlamaCompletion\`, which applies no chat template (line ${completion})`);
      const importerCount = [...importers.values()].reduce((a, b) => a + b, 0);
      if (importerCount) reasons.push(`${importerCount} other file${importerCount === 1 ? '' : 's'} import it`);
      const named = LOADER_NAME.test(def.name) || /load|clean/i.test(stem);
      if (named) reasons.push('its name says it is a loader');
      const score =
        importerCount * 4 + (def.unset !== null || completion !== null ? 2 : 0) + (def.noSpecial !== null ? 1 : 0) + (named ? 2 : 0) + (def.kind === 'class' ? 1 : 0);
      candidates.push({ loader: { name, source: 'inferred', reasons }, score });
    }
  }
  if (!candidates.length) return [];
  const best = Math.max(...candidates.map((c) => c.score));
  return candidates.filter((c) => c.score === best).map((c) => c.loader);
}
