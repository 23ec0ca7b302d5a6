import type { FileFacts } from '../analysis/facts.js';
import { moduleNameOf } from '../analysis/python/extract.js';
import { modelLoadKind } from './apis.js';
import type { SanctionedLoader } from './project.js';

function inside(scope: string, qualname: string): boolean {
  return scope === qualname || scope.startsWith(qualname + '.');
}

interface Candidate {
  loader: SanctionedLoader;
  score: number;
}

/**
 * Zero-config sanctioned loader: a class or function that loads a model or tokenizer *and*
 * neutralises the chat template (`chat_template = None`, `add_special_tokens=False`). Among several,
 * the ones other files import win, then names that say "loader". Returns the best (ties all kept).
 */
export function inferSanctionedLoaders(all: readonly FileFacts[]): SanctionedLoader[] {
  const candidates: Candidate[] = [];
  for (const file of all) {
    if (file.language !== 'python') continue;
    const module = moduleNameOf(file.path);
    for (const def of file.defs) {
      // nested defs are covered by their outermost candidate
      if (def.qualname.includes('.') && file.defs.some((d) => d !== def && inside(def.qualname, d.qualname) && d.kind === 'class')) {
        continue;
      }
      const load = file.calls.find((c) => inside(c.scope, def.qualname) && modelLoadKind(c));
      if (!load) continue;
      const unset = file.assigns.find(
        (a) => inside(a.scope, def.qualname) && a.target.endsWith('.chat_template') && a.value.kind === 'none',
      );
      const noSpecial = file.calls.find(
        (c) => inside(c.scope, def.qualname) && c.kwargs.add_special_tokens?.kind === 'bool' && !c.kwargs.add_special_tokens.value,
      );
      if (!unset && !noSpecial) continue;

      const stem = module.split('.').pop() ?? module;
      const importers = new Map<string, number>();
      for (const other of all) {
        if (other === file) continue;
        for (const imp of other.imports) {
          const m = imp.module;
          if (m && (module === m || module.endsWith('.' + m)) && (imp.name === def.name || imp.name === null)) {
            importers.set(m, (importers.get(m) ?? 0) + 1);
          }
        }
      }
      const usedAs = [...importers.entries()].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length)[0];
      const name = `${usedAs ? usedAs[0] : stem}.${def.qualname}`;
      const reasons = [
        `\`${def.qualname}\` in ${file.path}:${def.span.line} loads with \`${modelLoadKind(load)}\` (line ${load.span.line})`,
      ];
      if (unset) reasons.push(`it sets \`chat_template = None\` (line ${unset.span.line})`);
      if (noSpecial) reasons.push(`it tokenizes with \`add_special_tokens=False\` (line ${noSpecial.span.line})`);
      const importerCount = [...importers.values()].reduce((a, b) => a + b, 0);
      if (importerCount) reasons.push(`${importerCount} other file${importerCount === 1 ? '' : 's'} import it`);
      const named = /load|clean|guard|safe/i.test(def.name) || /load|clean/i.test(stem);
      if (named) reasons.push('its name says it is a loader');
      const score = importerCount * 4 + (unset ? 2 : 0) + (noSpecial ? 1 : 0) + (named ? 2 : 0) + (def.kind === 'class' ? 1 : 0);
      candidates.push({ loader: { name, source: 'inferred', reasons }, score });
    }
  }
  if (!candidates.length) return [];
  const best = Math.max(...candidates.map((c) => c.score));
  return candidates.filter((c) => c.score === best).map((c) => c.loader);
}
