/**
 * The registry index in the project's store (`.provenant/provenant.db`, migration 0003): per file its
 * part, per entry its JSON and its full-text row. An index, never a source of truth: when the database
 * cannot be used, an in-memory one stands in for the run (after a warning), and a version change
 * empties the tables to be rebuilt.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { FACTS_VERSION, type FileFacts } from '../analysis/facts.js';
import { BugError, errorMessage } from '../core/errors.js';
import type { RegistryEntry } from '../schemas/registry.js';
import { openDatabase } from '../store/index.js';
import { loadMigrations, migrate } from '../store/migrate.js';
import { CONNECTION_PRAGMAS, prepareRegistryQueries, type RegistryBriefRow, type RegistryFileRow, type RegistryQueries } from '../store/queries.js';
import { PackedFactsError, packedOf, unpackFacts } from '../analysis/packed-facts.js';
import { PART_VERSION, type FilePart } from './part.js';

const KEY = 'registry_key';
const INPUTS = 'registry_inputs';
const GIT = 'registry_git';
const DIGEST = 'registry_digest';
// `brief 1`: entries written before the brief column existed are rewritten with it
const CURRENT_KEY = `part ${PART_VERSION} facts ${FACTS_VERSION} brief 1`;

export interface FileRowChange {
  path: string;
  mtimeMs: number;
  size: number;
  hash: string;
  part: FilePart;
}

export interface IndexWrite {
  /** Rows whose stat, hash or part changed. */
  files: FileRowChange[];
  /** Every registered path: rows of other paths are dropped. */
  keep: ReadonlySet<string>;
  /** Some stored file row is for a path no longer registered. */
  vanished: boolean;
  entries: RegistryEntry[];
  /** A stamp of the inputs besides file contents (config, annotations), for freshness checks. */
  inputs: string;
}

export interface SearchRow {
  path: string;
  entry: RegistryEntry;
  score: number;
}

export class RegistryIndex {
  private constructor(
    private readonly db: Database.Database,
    private readonly queries: RegistryQueries,
    readonly inMemory: boolean,
  ) {}

  static open(root: string, warn: (message: string) => void): RegistryIndex {
    const db = openDatabase({ root, warn }) ?? memoryDatabase();
    const index = new RegistryIndex(db, prepareRegistryQueries(db), db.memory);
    index.adoptKey();
    return index;
  }

  /** Parts built by another version are not reused. */
  private adoptKey(): void {
    const q = this.queries;
    if (q.metaGet.get({ key: KEY }) === CURRENT_KEY) return;
    this.db.transaction(() => {
      q.clearSearch.run();
      q.clearEntries.run();
      q.clearFiles.run();
      q.metaSet.run({ key: KEY, value: CURRENT_KEY });
      q.metaSet.run({ key: INPUTS, value: '' });
      q.metaSet.run({ key: DIGEST, value: '' });
    }).immediate();
  }

  files(): Map<string, RegistryFileRow> {
    return new Map(this.queries.filesAll.all().map((row) => [row.path, row]));
  }

  /** Path, mtime and size of every row, without the parts: enough to tell whether the index is fresh. */
  stats(): Map<string, Pick<RegistryFileRow, 'path' | 'mtime_ms' | 'size'>> {
    return new Map(this.queries.filesStat.all().map((row) => [row.path, row]));
  }

  facts(hash: string): FileFacts | undefined {
    const packed = this.queries.factsGet.get({ hash });
    if (packed === undefined) return undefined;
    let text: string;
    try {
      text = unpackFacts(packed);
    } catch (error) {
      if (!(error instanceof PackedFactsError)) throw error;
      throw new BugError(`registry index: facts ${hash}: ${error.message}; delete .provenant/ to rebuild it`, { cause: error });
    }
    return decode(text, `facts ${hash}`) as FileFacts;
  }

  inputs(): string | undefined {
    return this.queries.metaGet.get({ key: INPUTS });
  }

  /**
   * Keeps facts extracted by this run, by content hash, in a transaction of their own: they are a cache
   * (a row no file points at any more is dropped by the next `write`), so they are written while files
   * are parsed and need not be held in memory until the entries are.
   */
  /** `facts` may come encoded already (JSON text, or packed as a parse worker sends them). */
  putFacts(facts: readonly { hash: string; facts: FileFacts | string | Uint8Array }[]): void {
    if (!facts.length) return;
    const q = this.queries;
    this.db.transaction(() => {
      for (const f of facts) q.factsUpsert.run({ hash: f.hash, facts: packedOf(f.facts) });
    }).immediate();
  }

  /** The git facts remembered for a HEAD, as JSON, or undefined. */
  gitMemo(): string | undefined {
    return this.queries.metaGet.get({ key: GIT });
  }

  rememberGit(value: string): void {
    this.queries.metaSet.run({ key: GIT, value });
  }

  entry(path: string): RegistryEntry | undefined {
    const text = this.queries.entryGet.get({ path });
    return text === undefined ? undefined : (decode(text, `entry ${path}`) as RegistryEntry);
  }

  /** Every entry's list fields, sorted by path, without decoding the entries (see `entriesBrief`). */
  briefs(): RegistryBriefRow[] {
    return this.queries.entriesBrief.all().map((row) => ({ path: row.path, ...(decode(row.brief ?? 'null', `brief ${row.path}`) as Omit<RegistryBriefRow, 'path'>) }));
  }

  entries(): RegistryEntry[] {
    return this.queries.entriesAll.all().map((row) => decode(row.entry, `entry ${row.path}`) as RegistryEntry);
  }

  /** This build of the index (part and facts versions), and the digest of the entries it holds. */
  state(): string {
    return `${CURRENT_KEY} ${this.queries.metaGet.get({ key: DIGEST }) ?? ''}`;
  }

  /** A value remembered by the registry across runs (e.g. what the Markdown was last written from). */
  memo(name: string): string | undefined {
    return this.queries.metaGet.get({ key: `registry_memo:${name}` });
  }

  remember(name: string, value: string): void {
    this.queries.metaSet.run({ key: `registry_memo:${name}`, value });
  }

  /**
   * One transaction: file rows, and the entries whose JSON changed (with their search rows).
   * Returns how many entries were written and a digest of all of them; nothing at all is written (and
   * the stored entries are not even read) when nothing changed.
   */
  write(change: IndexWrite): { changed: number; digest: string } {
    const q = this.queries;
    const encoded = change.entries.map((entry) => ({ entry, json: JSON.stringify(entry) }));
    const hash = createHash('sha256');
    for (const { json } of encoded) hash.update(json).update('\n');
    const digest = hash.digest('hex');
    const quiet = change.files.length === 0 && !change.vanished && this.inputs() === change.inputs;
    if (quiet && q.metaGet.get({ key: DIGEST }) === digest) return { changed: 0, digest };
    const stored = new Map(q.entriesAll.all().map((row) => [row.path, row]));
    const changed = encoded.filter(({ entry, json }) => stored.get(entry.path)?.entry !== json);
    const present = new Set(change.entries.map((e) => e.path));
    const gone = [...stored.values()].filter((row) => !present.has(row.path));
    this.db.transaction(() => {
      for (const f of change.files) {
        q.fileUpsert.run({ path: f.path, mtimeMs: f.mtimeMs, size: f.size, hash: f.hash, part: JSON.stringify(f.part) });
      }
      q.filesDeleteExcept.run({ keep: JSON.stringify([...change.keep]) });
      // the facts of a file's previous content go with it
      if (change.files.length || change.vanished) q.factsDeleteOrphans.run();
      for (const row of gone) {
        q.searchDelete.run({ id: row.id });
        q.entryDelete.run({ id: row.id });
      }
      for (const { entry, json } of changed) {
        const id = q.entryUpsert.get({ path: entry.path, entry: json, brief: briefOf(entry) });
        if (id === undefined) throw new BugError(`registry index: no id for ${entry.path}`);
        q.searchDelete.run({ id });
        q.searchInsert.run({ id, ...searchColumns(entry) });
      }
      q.metaSet.run({ key: INPUTS, value: change.inputs });
      q.metaSet.run({ key: DIGEST, value: digest });
    }).immediate();
    return { changed: changed.length + gone.length, digest };
  }

  search(query: string, limit: number): SearchRow[] {
    return this.queries.search
      .all({ query, limit })
      .map((row) => ({ path: row.path, entry: decode(row.entry, `entry ${row.path}`) as RegistryEntry, score: row.score }));
  }

  close(): void {
    this.db.close();
  }
}

/** What full-text search sees of an entry, column by column (see migration 0003). */
export function searchColumns(entry: RegistryEntry): Omit<import('../store/queries.js').RegistrySearchParams, 'id'> {
  const base = entry.path.slice(entry.path.lastIndexOf('/') + 1);
  return {
    path: entry.path,
    name: base.replace(/\.[^.]*$/, '').replace(/\.py$/, ''),
    purpose: entry.purpose ?? '',
    docstring: entry.docstring ?? '',
    defs: entry.defs.map((d) => `${d.name} ${d.summary ?? ''}`).join('\n'),
    args: (entry.cli?.args ?? []).map((a) => `${a.flags.join(' ')} ${a.help ?? ''}`).join('\n'),
  };
}

function memoryDatabase(): Database.Database {
  const db = new Database(':memory:');
  for (const pragma of CONNECTION_PRAGMAS) db.pragma(pragma);
  migrate(db, loadMigrations());
  return db;
}

function decode(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BugError(`registry index: ${what} does not decode (${errorMessage(error)}); delete .provenant/ to rebuild it`, { cause: error });
  }
}

/** What the terminal browser lists of an entry (see `RegistryBriefRow`), as JSON. */
function briefOf(entry: RegistryEntry): string {
  const brief: Omit<RegistryBriefRow, 'path'> = {
    status: entry.status,
    purpose: entry.purpose,
    kind: entry.kind,
    replaced_by: entry.replacedBy,
    bugs: entry.bugs.length,
    defs: entry.defs.length ? entry.defs.map((d) => d.name).join('\n') : null,
    canonical_for: entry.canonicalFor.length ? entry.canonicalFor.join('\n') : null,
  };
  return JSON.stringify(brief);
}
