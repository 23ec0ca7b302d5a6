/**
 * Current digests of artifacts with the (size, mtime, inode) fast path: a file (or a folder's files) whose
 * stat matches what the ledger remembered is not reread; everything else is hashed and remembered on `flush`.
 * Shared by `verify` and the pipeline planner.
 */
import { existsSync, statSync } from 'node:fs';

import type { DigestRow, LocalLedger as Ledger } from './ledger.js';
import { digestArtifact, type ArtifactDigest } from './artifact.js';
import { statKey, treeStatKey, type StatKey } from './hash.js';

export interface CurrentDigest {
  /** Null when the path does not exist. */
  sha256: string | null;
  fast: boolean;
}

export class DigestCache {
  private readonly known = new Map<string, CurrentDigest>();
  private readonly rows: DigestRow[] = [];

  constructor(
    private readonly ledger: Ledger | null,
    private readonly full: boolean,
  ) {}

  digest(rel: string, abs: string): CurrentDigest {
    const known = this.known.get(rel);
    if (known) return known;
    let out: CurrentDigest;
    if (!existsSync(abs)) {
      out = { sha256: null, fast: false };
    } else {
      const key = keyOf(abs);
      const row = this.ledger?.digest(rel);
      out = !this.full && row && row.size === key.size && row.mtime_ns === key.mtimeNs && row.ino === key.ino
        ? { sha256: row.sha256, fast: true }
        : { sha256: this.hashed(rel, abs, key).sha256, fast: false };
    }
    this.known.set(rel, out);
    return out;
  }

  /**
   * An artifact just written, hashed whatever the cache says, and remembered, so the first `verify` after
   * stamping takes the fast path.
   */
  fresh(rel: string, abs: string): ArtifactDigest {
    const digest = this.hashed(rel, abs, keyOf(abs));
    this.known.set(rel, { sha256: digest.sha256, fast: false });
    return digest;
  }

  /** The stat key is taken before the bytes are read: a file changed meanwhile no longer matches the row. */
  private hashed(rel: string, abs: string, key: StatKey): ArtifactDigest {
    const digest = digestArtifact(abs);
    this.rows.push({ path: rel, size: key.size, mtime_ns: key.mtimeNs, ino: key.ino, sha256: digest.sha256 });
    return digest;
  }

  /** Forgets what it knows about `rel` (it is about to be rewritten). */
  forget(rel: string): void {
    this.known.delete(rel);
  }

  /** Remembers the digests computed since the last flush, for the next run's fast path. */
  flush(): void {
    this.ledger?.rememberDigests(this.rows.splice(0));
  }
}

function keyOf(abs: string): StatKey {
  return statSync(abs).isDirectory() ? treeStatKey(abs) : statKey(abs);
}
