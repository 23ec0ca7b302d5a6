/** Repo-relative POSIX path arithmetic for candidate lists. The root is the empty string. */

export function dirnameOf(path: string): string {
  const normal = normalizeRel(path) ?? '';
  const slash = normal.lastIndexOf('/');
  return slash < 0 ? '' : normal.slice(0, slash);
}

export function basenameOf(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

export function isAbsoluteTarget(target: string): boolean {
  return target.startsWith('/') || target.startsWith('~');
}

/** Normalise a relative path (`.`, `..`, `//`, leading `./`); null when it climbs above the root. */
export function normalizeRel(path: string): string | null {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length === 0) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

export function joinRel(base: string, rel: string): string | null {
  return normalizeRel(base === '' ? rel : `${base}/${rel}`);
}

/**
 * Folders a relative target of a file is looked up in when nothing says where the command runs: the
 * file's own folder, each folder above it (a launcher in a sub-project, run from that sub-project's
 * root), and the repo root.
 */
export function searchBases(callerDir: string): string[] {
  const out: string[] = [];
  for (let dir = normalizeRel(callerDir) ?? ''; dir !== ''; dir = dirnameOf(dir)) out.push(dir);
  out.push('');
  return out;
}

export function uniq(items: Iterable<string>): string[] {
  return [...new Set(items)];
}

/** `target` resolved against each base directory, in order; empty for absolute targets. */
export function pathCandidates(target: string, bases: readonly string[]): string[] {
  if (isAbsoluteTarget(target)) return [];
  const out: string[] = [];
  for (const base of bases) {
    const joined = joinRel(base, target);
    if (joined !== null && joined !== '') out.push(joined);
  }
  return uniq(out);
}

export function moduleCandidates(module: string, bases: readonly string[]): string[] {
  const rel = module.split('.').join('/');
  const out: string[] = [];
  for (const base of bases) {
    for (const suffix of ['.py', '/__main__.py', '/__init__.py']) {
      const joined = joinRel(base, rel + suffix);
      if (joined !== null) out.push(joined);
    }
  }
  return uniq(out);
}
