/**
 * The data side of `provenant tui`: every registry entry as a light row for the list (read from the
 * index that `registry sync` writes, refreshed first when the tree moved on), coverage for the header,
 * and per entry on demand the full entry, whether its file still exists, the audit findings in it and,
 * through an injected function, the artifacts it produced; read again after an edit. Loads no React and
 * no terminal code.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../../core/errors.js';
import type { Finding } from '../../schemas/finding.js';
import { STATUSES, type RegistryEntry, type Status } from '../../schemas/registry.js';
import { coverageOf, everBuilt, openProject, treeUnchanged, type Coverage, type Project, type RegistryOptions } from '../../registry/build.js';
import { ensureFresh } from '../../registry/search.js';
import type { RegistryBriefRow } from '../../store/queries.js';

export interface BrowseRow {
  path: string;
  /** The file name without folders, what people call a script by. */
  name: string;
  status: Status;
  purpose: string | null;
  kind: string;
  replacedBy: string | null;
  bugs: number;
  defs: string[];
  canonicalFor: string[];
}

/** One artifact a script produced, with the verdict of its provenance check (filled by the ledger). */
export interface Artifact {
  path: string;
  verdict: string;
  /** When it was made, as the ledger records it. */
  at: string;
  /** Why the verdict is not ok (the first reason `verify` gives). */
  reason?: string;
}

/** Given a root-relative script path, the artifacts it produced (see `BrowseOptions.artifacts`). */
export type ArtifactSource = (script: string, root: string) => Promise<Artifact[]>;

export interface BrowseOptions extends RegistryOptions {
  /** false: show the index as the last sync left it, without checking the tree (a never-built index is still built). */
  refresh?: boolean;
  /** Where the artifacts pane gets its rows; without it the pane is left out. */
  artifacts?: ArtifactSource;
  /** Called when bringing the index up to date takes a while, so a terminal can say why it waits. */
  onSlowRefresh?: () => void;
}

/** What the detail pane shows beyond the entry: filled asynchronously, each part on its own. */
export interface DetailExtras {
  findings: { ok: true; findings: Finding[] } | { ok: false; error: string };
  artifacts?: { ok: true; artifacts: Artifact[] } | { ok: false; error: string };
}

export interface EntryLookup {
  entry: RegistryEntry | undefined;
  /** The file is gone from disk since the index was written. */
  missing: boolean;
}

/** The list, plus lookups for the detail pane. Close it when the browser quits. */
export interface BrowseSession {
  root: string;
  rows: BrowseRow[];
  coverage: Coverage;
  /** The index was out of date and was rebuilt before the list was read. */
  refreshed: boolean;
  /** Shown as-is without a freshness check (`refresh: false`). */
  unchecked: boolean;
  /** The registered-file globs, for the message of an empty registry. */
  include: readonly string[];
  warnings: string[];
  hasArtifacts: boolean;
  lookup(rel: string): EntryLookup;
  extras(rel: string): Promise<DetailExtras>;
  /** Brings the index up to date again (after an edit of the annotations file) and reads the list anew. */
  reload(): Promise<{ rows: BrowseRow[]; coverage: Coverage }>;
  close(): void;
}

const KNOWN = new Set<string>(STATUSES);
const SLOW_MS = 300;

function lines(text: string | null): string[] {
  return text ? text.split('\n') : [];
}

export function toRow(r: RegistryBriefRow): BrowseRow {
  return {
    path: r.path,
    name: r.path.slice(r.path.lastIndexOf('/') + 1),
    // an entry written by another version with a status this one does not know is shown as active
    status: KNOWN.has(r.status) ? (r.status as Status) : 'active',
    purpose: r.purpose,
    kind: r.kind,
    replacedBy: r.replaced_by,
    bugs: r.bugs ?? 0,
    defs: lines(r.defs),
    canonicalFor: lines(r.canonical_for),
  };
}

/** The registry's own coverage rule (`coverageOf`), applied to list rows: only the purpose counts. */
export function rowsCoverage(rows: readonly BrowseRow[]): Coverage {
  return coverageOf(rows as unknown as readonly RegistryEntry[]);
}

async function findingsIn(project: Project, rel: string): Promise<DetailExtras['findings']> {
  try {
    const { audit } = await import('../../audit/engine.js');
    const result = await audit({ paths: [path.join(project.root, rel)], cwd: project.root });
    return { ok: true, findings: result.findings.filter((f) => f.path === rel) };
  } catch (error) {
    // the pane says why the findings are missing; the browser stays usable
    return { ok: false, error: errorMessage(error) };
  }
}

async function artifactsOf(source: ArtifactSource, root: string, rel: string): Promise<NonNullable<DetailExtras['artifacts']>> {
  try {
    return { ok: true, artifacts: await source(rel, root) };
  } catch (error) {
    return { ok: false, error: errorMessage(error) };
  }
}

/** Opens the project, refreshes the index when needed (unless told not to) and reads the list. */
export async function openBrowse(options: BrowseOptions): Promise<BrowseSession> {
  const project = await openProject(options, { walk: false });
  try {
    const unchecked = options.refresh === false && everBuilt(project);
    let refreshed = false;
    // the snapshot check is a stat per file; only when it fails is the tree walked (and maybe parsed)
    if (!unchecked && !treeUnchanged(project)) {
      // a walk that finds the index fresh is quick; only a real rebuild lasts long enough to explain
      const slow = setTimeout(() => options.onSlowRefresh?.(), SLOW_MS);
      try {
        refreshed = await ensureFresh(project);
      } finally {
        clearTimeout(slow);
      }
    }
    const rows = project.index.briefs().map(toRow);
    const source = options.artifacts;
    return {
      root: project.root,
      rows,
      coverage: rowsCoverage(rows),
      refreshed,
      unchecked,
      include: project.config.registry.include,
      warnings: project.warnings,
      hasArtifacts: source !== undefined,
      lookup: (rel) => ({ entry: project.index.entry(rel), missing: !existsSync(path.join(project.root, rel)) }),
      async extras(rel) {
        if (!existsSync(path.join(project.root, rel))) {
          const gone = { ok: false as const, error: 'the file no longer exists' };
          return source ? { findings: gone, artifacts: await artifactsOf(source, project.root, rel) } : { findings: gone };
        }
        const [findings, artifacts] = await Promise.all([findingsIn(project, rel), source ? artifactsOf(source, project.root, rel) : undefined]);
        return artifacts ? { findings, artifacts } : { findings };
      },
      async reload() {
        await ensureFresh(project);
        const fresh = project.index.briefs().map(toRow);
        return { rows: fresh, coverage: rowsCoverage(fresh) };
      },
      close: () => project.index.close(),
    };
  } catch (error) {
    project.index.close();
    throw error;
  }
}
