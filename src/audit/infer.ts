/**
 * Zero-config loader inference: finds the project's sanctioned loader when the config names none. Each file
 * is summarised on its own, so summaries can be remembered by content and combined across files.
 */

import type { FileFacts, Language } from '../analysis/facts.js';
import { importQname, moduleNameOf, moduleQname } from '../analysis/modules.js';
import { canonicalQname, modelLoadKind } from './apis.js';
import type { SanctionedLoader } from './project.js';
import { conventionalRole, type CodeRole } from './roles.js';

const LOADER_NAME = /load|clean|guard|safe/i;
/** Words of a name: `CleanModelLoader` → clean, model, loader; `load_base_model` → load, base, model. */
function words(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase().split(/[^a-z0-9]+/);
}
/** Words that make a loader one of data, not of models: `data_loader.build_dataset`, `load_jsonl`. */
const DATA_WORDS: ReadonlySet<string> = new Set(['data', 'dataset', 'datasets', 'collator', 'collate', 'batch', 'batches', 'file', 'files', 'json', 'jsonl', 'csv', 'image', 'images', 'audio', 'prompts', 'records']);
/** A definition or module named as a model loader (`load_model`, `ModelLoader`, `loader.py`; not `download`, not `data_loader`). */
function namedAsLoader(name: string, stem: string): boolean {
  const all = [...words(name), ...words(stem)];
  if (all.some((w) => DATA_WORDS.has(w))) return false;
  return all.some((w) => w === 'load' || w === 'loader' || w === 'loading');
}
/** A trainer trains the model it is handed; how that model was loaded is someone else's business. */
const TRAINER_NAME = /trainer/i;
/**
 * Scripts it takes to import a loader named so, that leaves the chat template alone, for it to count as
 * sanctioned. Only scripts and examples count: a framework's own modules import its loading functions
 * everywhere, which says nothing about how experiments are meant to load models.
 */
const SEVERAL = 2;

/** Bumped when `LoaderSummary` changes shape, so summaries remembered in another shape are not read. */
export const SUMMARY_FORMAT = 2;

function inside(scope: string, qualname: string): boolean {
  return scope === qualname || scope.startsWith(qualname + '.');
}

/** What one file contributes to loader inference: its candidate definitions and its imports. */
export interface LoaderSummary {
  path: string;
  module: string;
  language: Language;
  /** Its role by the built-in conventions (path, or a test module by what it defines); null: library or script. */
  conventional: 'test' | 'example' | null;
  /** It runs code when executed directly: with `conventional` null, a script wherever it sits. */
  mainGuard: boolean;
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
    completion: number | null;
    /** A class deriving from a `*Trainer`, or a definition named as a trainer. */
    trainer: boolean;
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
  const module = script ? dotted(moduleQname(file.path)) : moduleNameOf(file.path);
  const summary: LoaderSummary = {
    path: file.path,
    module,
    language: file.language,
    conventional: conventionalRole(file.path, file),
    mainGuard: file.mainGuard === true,
    candidates: [],
    imports: [],
  };
  if (file.language !== 'python' && !script) return summary;
  for (const imp of file.imports) {
    if (!imp.module) continue;
    summary.imports.push({ module: script ? dotted(importQname(imp.module, file.path)) : imp.module, name: imp.name === 'default' ? imp.alias : imp.name });
  }
  const stem = module.split('.').pop() ?? module;
  for (const def of file.defs) {
    if (def.qualname.includes('.') && file.defs.some((d) => d !== def && inside(def.qualname, d.qualname) && d.kind === 'class')) {
      continue;
    }
    const named = namedAsLoader(def.name, stem);
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
    // a definition named as a loader is kept even without a guard: enough importers may still make it one
    if (!unset && !noSpecial && !completion && !named) continue;
    summary.candidates.push({
      qualname: def.qualname,
      name: def.name,
      kind: def.kind,
      line: def.span.line,
      load: { kind: modelLoadKind(load) ?? 'load', line: load.span.line },
      unset: unset?.span.line ?? null,
      noSpecial: noSpecial?.span.line ?? null,
      completion: completion?.span.line ?? null,
      trainer: TRAINER_NAME.test(def.name) || (def.kind === 'class' && def.bases.some((b) => /Trainer$/.test(b))),
    });
  }
  return summary;
}

/** A definition that was weighed as the sanctioned loader and not chosen, with the reason. */
export interface RejectedLoader {
  name: string;
  /** What spoke for it. */
  reasons: string[];
  /** Why it lost. */
  why: string;
}

export interface LoaderInference {
  /**
   * The best candidates (ties all kept) and the other qualified definitions of their modules; empty when
   * none has strong evidence.
   */
  chosen: SanctionedLoader[];
  /** The other candidates, best first. */
  rejected: RejectedLoader[];
}

/**
 * Zero-config sanctioned loader: a class or function that loads a model or tokenizer and either
 * neutralises the chat template (`chat_template = None`; in TS/JS a node-llama-cpp `LlamaCompletion`
 * instead of a chat session) or is named as a loader *and* imported by several scripts. Tokenizing with
 * `add_special_tokens=False` alone is what any careful script does, so it only adds weight. Test code
 * and trainers are never loaders. Among the rest, the ones other files import win, then names that say
 * "loader". `roleOf` gives a file's role (without it: the conventions, then the main guard).
 */
export function inferSanctionedLoaders(all: readonly FileFacts[], roleOf?: (file: LoaderSummary) => CodeRole): LoaderInference {
  return combineLoaderSummaries(all.map(summarizeForLoaders), roleOf);
}

/** Without the tree (no `__init__.py` to look for): the conventions, then the main guard. */
const roleWithoutTree = (file: LoaderSummary): CodeRole => file.conventional ?? (file.mainGuard ? 'script' : 'library');

/** The dot-aligned suffixes of a dotted name: `a.b.c` → `a.b.c`, `b.c`, `c`. */
function suffixes(name: string): string[] {
  const out = [name];
  for (let i = name.indexOf('.'); i !== -1; i = name.indexOf('.', i + 1)) out.push(name.slice(i + 1));
  return out;
}

/**
 * Every non-test file's imports by (name, module), so that finding who imports a definition costs the
 * module names that could reach it, not a pass over every import of every file (`m` names `module` or a package above it: `from pkg.model import load_model` reaches
 * `src.pkg.model.loader`).
 * Hits come back in the order of a pass over `all` and each file's imports.
 */
function importIndex(all: readonly LoaderSummary[], isTest: (f: LoaderSummary) => boolean) {
  type Hit = { other: LoaderSummary; m: string; order: number };
  const byKey = new Map<string, Hit[]>();
  let order = 0;
  for (const other of all) {
    if (isTest(other)) {
      order += other.imports.length;
      continue;
    }
    for (const imp of other.imports) {
      const key = `${imp.name ?? '\u0001'}\0${imp.module}`;
      let list = byKey.get(key);
      if (!list) byKey.set(key, (list = []));
      list.push({ other, m: imp.module, order: order++ });
    }
  }
  return {
    /** The imports of files other than `file` that reach `name` defined in `file`. */
    hits(file: LoaderSummary, name: string): Hit[] {
      const parts = file.module.split('.');
      // `from m import name` reaches when m is the module or a package above it; `import m` only the module
      const named = new Set<string>();
      for (let n = parts.length; n > 0; n--) for (const s of suffixes(parts.slice(0, n).join('.'))) named.add(s);
      const out: Hit[] = [];
      for (const m of named) for (const h of byKey.get(`${name}\0${m}`) ?? []) if (h.other !== file) out.push(h);
      for (const m of suffixes(file.module)) for (const h of byKey.get(`\u0001\0${m}`) ?? []) if (h.other !== file) out.push(h);
      return out.sort((a, b) => a.order - b.order);
    },
  };
}

/**
 * Combines the summaries of the files inference sees. `roleOf` gives a file's role (the engine's and
 * init's know the config's globs and the tree).
 */
export function combineLoaderSummaries(all: readonly LoaderSummary[], roleOf: (file: LoaderSummary) => CodeRole = roleWithoutTree): LoaderInference {
  const roles = new Map(all.map((f) => [f, roleOf(f)]));
  const isTest = (file: LoaderSummary): boolean => roles.get(file) === 'test';
  const runs = (file: LoaderSummary): boolean => roles.get(file) === 'script' || roles.get(file) === 'example';
  const scored: { loader: SanctionedLoader; score: number; module: string }[] = [];
  const rejected: (RejectedLoader & { score: number })[] = [];
  const index = importIndex(all, isTest);
  for (const file of all) {
    const { module } = file;
    const testFile = isTest(file);
    for (const def of file.candidates) {
      const stem = module.split('.').pop() ?? module;
      const importers = new Map<string, number>();
      const importingFiles = new Set<string>();
      const importingScripts = new Set<string>();
      for (const { other, m } of index.hits(file, def.name)) {
        importers.set(m, (importers.get(m) ?? 0) + 1);
        importingFiles.add(other.path);
        if (runs(other)) importingScripts.add(other.path);
      }
      const usedAs = [...importers.entries()].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length)[0];
      const name = `${usedAs ? usedAs[0] : stem}.${def.qualname}`;
      const reasons = [`\`${def.qualname}\` in ${file.path}:${def.line} loads with \`${def.load.kind}\` (line ${def.load.line})`];
      if (def.unset !== null) reasons.push(`it sets \`chat_template = None\` (line ${def.unset})`);
      if (def.noSpecial !== null) reasons.push(`it tokenizes with \`add_special_tokens=False\` (line ${def.noSpecial})`);
      if (def.completion !== null) reasons.push(`it completes with node-llama-cpp \`LlamaCompletion\`, which applies no chat template (line ${def.completion})`);
      const importerCount = importingFiles.size;
      const scripts = importingScripts.size;
      if (importerCount) reasons.push(`${importerCount} other file${importerCount === 1 ? '' : 's'} import${importerCount === 1 ? 's' : ''} it${scripts ? `, ${scripts} of them script${scripts === 1 ? '' : 's'}` : ''}`);
      const named = namedAsLoader(def.name, stem);
      if (named) reasons.push('its name says it is a loader');
      const neutralises = def.unset !== null || def.completion !== null;
      const score =
        importerCount * 4 + (neutralises ? 2 : 0) + (def.noSpecial !== null ? 1 : 0) + (named ? 2 : 0) + (def.kind === 'class' ? 1 : 0);
      const why =
        testFile || /^test_|^Test(?:[A-Z_]|$)/.test(def.name) ? 'it is test code'
        : def.trainer ? 'it is a trainer: it trains the model it is given, whoever loaded it'
        : neutralises || (named && scripts >= SEVERAL) ? null
        : def.noSpecial !== null && !named ? 'it only tokenizes with `add_special_tokens=False`: nothing removes the chat template, and its name does not say loader'
        : named ? `nothing removes the chat template, and ${scripts ? `only ${scripts} script imports it` : 'no script imports it'} (a loader by name needs ${SEVERAL})`
        : 'nothing removes the chat template';
      if (why) rejected.push({ name, reasons, why, score });
      else scored.push({ loader: { name, source: 'inferred', reasons }, score, module });
    }
  }
  const best = scored.length ? Math.max(...scored.map((c) => c.score)) : 0;
  const winners = scored.filter((c) => c.score === best);
  const chosen = winners.map((c) => c.loader);
  const shown = chosen.map((l) => `\`${l.name}\``).join(', ');
  for (const c of scored) {
    if (c.score === best) continue;
    // a loader module's other loading functions are part of the loader (load_tokenizer beside load_model);
    // elsewhere, a second guarded load is a script's own loader, which is what LOAD001 reports
    const sibling = winners.find((w) => w.module === c.module);
    if (sibling) chosen.push({ ...c.loader, reasons: [...c.loader.reasons, `it sits beside \`${sibling.loader.name}\` in the same module`] });
    else rejected.push({ ...c.loader, why: `weaker evidence than ${shown} (score ${c.score} against ${best})`, score: c.score + 1000 });
  }
  // runners-up that had strong evidence first, then the rest, each by their own weight
  rejected.sort((a, b) => b.score - a.score || (a.name < b.name ? -1 : 1));
  return { chosen, rejected: rejected.map(({ name, reasons, why }) => ({ name, reasons, why })) };
}
