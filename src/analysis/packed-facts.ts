/**
 * Facts as they wait between threads and as the cache keeps them: their JSON, deflated (raw deflate, level 1:
 * about a tenth of the size, and a few times faster to make than the default level).
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { FileFacts } from './facts.js';

export function packFacts(json: string): Uint8Array<ArrayBuffer> {
  // zlib's output sits in a buffer of its chunk size (16 KiB), three times what it holds: a copy of its own size
  // is kept instead (and crosses to another thread moved rather than cloned)
  return new Uint8Array(deflateRawSync(json, { level: 1 }));
}

/** Bytes that are not what `packFacts` made (a damaged cache row). */
export class PackedFactsError extends Error {
  override readonly name = 'PackedFactsError';
}

/** The JSON back; a `PackedFactsError` for bytes zlib cannot inflate. */
export function unpackFacts(packed: Uint8Array): string {
  let bytes: Buffer;
  try {
    bytes = inflateRawSync(packed);
  } catch (error) {
    throw new PackedFactsError(`not deflated facts (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
  return bytes.toString('utf8');
}

/**
 * Facts in whichever form they travel (the object, its JSON, already packed), packed, as a Buffer (what
 * SQLite binds as a BLOB; bytes that crossed from a worker arrive as a plain Uint8Array, viewed, not copied).
 */
export function packedOf(facts: FileFacts | string | Uint8Array): Buffer {
  const packed = facts instanceof Uint8Array ? facts : packFacts(typeof facts === 'string' ? facts : JSON.stringify(facts));
  return Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
}
