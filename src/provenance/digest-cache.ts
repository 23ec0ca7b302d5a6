/**
 * Current digests of artifacts with the (size, mtime, inode) fast path: a file (or a folder's files) whose
 * stat matches what the ledger remembered is not reread; everything else is hashed and remembered on `flush`.
 * Shared by `verify` and the pipeline planner.
 */
import { existsSync, statSync } from 'node:fs';

import type { DigestRow, Ledger } from '../store/ledger.js';
import { digestArtifact } from './artifact.js';
import { statKey, treeStatKey } from './hash.js';

export interface CurrentDigest {
  /** Null when the path does not exist. */
  sha256: string | null;
  fast: boolean;
}

export class DigestCache {
  private readonly known = new Map<string, CurrentDigest>();
  private readonly fresh: DigestRow[] = [];

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
      const key = statSync(abs).isDirectory() ? treeStatKey(abs) : statKey(abs);
      const row = this.ledger?.digest(rel);
      if (!this.full && row && row.size === key.size && row.mtime_ns === key.mtimeNs && row.ino === key.ino) {
        out = { sha256: row.sha256, fast: true };
      } else {
        const sha256 = digestArtifact(abs).sha256;
        out = { sha256, fast: false };
        this.fresh.push({ path: rel, size: key.size, mtime_ns: key.mtimeNs, ino: key.ino, sha256 });
      }
    }
    this.known.set(rel, out);
    return out;
  }

  /** Forgets what it knows about `rel` (it is about to be rewritten). */
  forget(rel: string): void {
    this.known.delete(rel);
  }

  /** Remembers the digests computed since the last flush, for the next run's fast path. */
  flush(): void {
    this.ledger?.rememberDigests(this.fresh.splice(0));
  }
}
