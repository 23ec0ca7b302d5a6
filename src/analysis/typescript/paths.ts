/**
 * What a TS/JS module specifier denotes in the repo. Relative specifiers follow the resolution of
 * TypeScript's `NodeNext`/`bundler` modes, where `./x.js` names the source `./x.ts`; bare specifiers
 * (`zod`, `node:fs`, `@scope/pkg`) and path aliases are packages and get no candidates.
 */
import path from 'node:path';

/** Source extensions a written extension may stand for, in order of preference. */
const EXTENSION_SOURCES: Record<string, string[]> = {
  '.js': ['.ts', '.tsx', '.js', '.jsx', '.d.ts'],
  '.jsx': ['.tsx', '.jsx'],
  '.mjs': ['.mts', '.mjs', '.d.mts'],
  '.cjs': ['.cts', '.cjs', '.d.cts'],
  '.ts': ['.ts'],
  '.tsx': ['.tsx'],
  '.mts': ['.mts'],
  '.cts': ['.cts'],
};
const EXTENSIONLESS = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs'];
const INDEX = ['index.ts', 'index.tsx', 'index.d.ts', 'index.js', 'index.jsx', 'index.mjs', 'index.cjs'];
const SOURCE_EXT = /(?:\.d)?\.(?:[cm]?[jt]sx?)$/;

export function isRelativeSpecifier(spec: string): boolean {
  return spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../');
}

/** The repo-relative target of a relative specifier, or null when it leaves the repo. */
function joined(spec: string, file: string): string | null {
  const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)).replace(/\/$/, '');
  if (target === '..' || target.startsWith('../') || target.startsWith('/')) return null;
  return target === '.' ? '' : target;
}

/**
 * Repo-relative paths a specifier written in `file` may denote, in order of preference:
 * `./x.js` in `src/a/b.ts` → `src/a/x.ts`, `src/a/x.tsx`, `src/a/x.js`, …; `./dir` → `src/a/dir.ts`, …,
 * `src/a/dir/index.ts`, …. Empty for bare specifiers and for paths above the repo root.
 */
export function importCandidates(spec: string, file: string): string[] {
  if (!isRelativeSpecifier(spec)) return [];
  const target = joined(spec.replace(/[?#].*$/, ''), file);
  if (target === null) return [];
  const prefix = target ? `${target}/` : '';
  const ext = path.posix.extname(target);
  const sources = EXTENSION_SOURCES[ext];
  if (sources) {
    const stem = target.slice(0, -ext.length);
    return sources.map((e) => stem + e);
  }
  const out: string[] = [];
  // `./data.json`, `./styles.css`: a file named exactly so
  if (ext && !spec.endsWith('/')) out.push(target);
  if (target && !spec.endsWith('/')) for (const e of EXTENSIONLESS) out.push(target + e);
  for (const i of INDEX) out.push(prefix + i);
  return out;
}

/** A repo path without its source extension and `/index`: the root of qualified names defined there. */
export function moduleQname(file: string): string {
  const stem = file.replace(SOURCE_EXT, '');
  return stem === 'index' ? '' : stem.replace(/\/index$/, '');
}

/**
 * The qualified-name root an import binds: the specifier for packages (`node:` dropped, so `fs` and
 * `node:fs` meet), and for relative specifiers the module path the file's own definitions use
 * (`../core/files.js` → `src/core/files`), so a call through an import meets the definition's name.
 */
export function importQname(spec: string, file: string): string {
  if (!isRelativeSpecifier(spec)) return spec.startsWith('node:') ? spec.slice('node:'.length) : spec;
  const target = joined(spec, file);
  return target === null ? spec : moduleQname(target);
}
