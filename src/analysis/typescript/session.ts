/**
 * What the TS/JS front end does after the cache, per audit run: tsconfig `paths` aliases applied to facts,
 * names followed through re-exporting modules (barrels) across files, and the cached results that either
 * makes stale. The scan reaches it only through the front-end seam (`FrontEndSession`).
 */

import type { FrontEndSession, SessionContext } from '../front-ends.js';
import { resolveReexports } from './barrels.js';
import { ReachMemo, ScriptGraph } from './graph.js';
import { importCandidates, isRelativeSpecifier } from './paths.js';
import { applyAliases, aliasStems, optionsDigest, readScriptOptions, type ScriptOptions } from './tsconfig.js';

const SCRIPT_OPTIONS_MEMO = 'script-options';

/** The TS/JS compiler options of the run, and whether they differ from the last run's. */
interface ScriptSetup {
  options: ScriptOptions;
  digest: string;
  changed: boolean;
}

export function scriptSession(context: SessionContext): FrontEndSession {
  const { store } = context;
  let setup: ScriptSetup | null = null;
  // read on the first TS/JS candidate only: a Python-only run never looks for a tsconfig
  const scriptSetup = (): ScriptSetup => {
    if (setup) return setup;
    const read = readScriptOptions(context.root);
    for (const w of read.warnings) context.warn(w);
    const digest = optionsDigest(read.options);
    return (setup = { options: read.options, digest, changed: store ? store.memo(SCRIPT_OPTIONS_MEMO) !== digest : false });
  };
  // the import graph of the run's TS/JS files, when some are audited; a module outside the run's files (an
  // audit of one folder importing a barrel elsewhere) is examined by the scan on first use
  const graph = context.targeted
    ? new ScriptGraph({
        node: (p) => context.node(p),
        candidates: (spec, from) =>
          isRelativeSpecifier(spec) ? importCandidates(spec, from) : aliasStems(spec, scriptSetup().options).flatMap((s) => importCandidates(`./${s}`, 'index.ts')),
        exists: (p) => context.exists(p),
        codesOf: (spec) => context.codesOf(spec),
        facts: (p) => context.facts(p),
      })
    : null;
  const reach = graph && new ReachMemo(store, context.known);
  return {
    own: (facts) => applyAliases(facts, scriptSetup().options),
    inherited: (path) => (graph ? graph.reach(path).codes : []),
    stale(path) {
      // results computed under other `paths` aliases are not reused; facts are (aliases apply after the cache)
      const optionsChanged = scriptSetup().changed;
      // nor results computed while a barrel it imports from said something else
      const reachChanged = Boolean(graph && reach && reach.changed(path, graph.digest(path)));
      return optionsChanged || reachChanged;
    },
    resolve: async (path, own) => (graph ? resolveReexports(own, await graph.lookupFor(path)) : own),
    save() {
      if (setup?.changed) store?.remember(SCRIPT_OPTIONS_MEMO, setup.digest);
      reach?.save();
    },
  };
}
