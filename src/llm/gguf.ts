/**
 * Reads a GGUF file's header, metadata and tensor table without loading weights or the native runtime,
 * and checks the file is whole before anything hands it to llama.cpp: a missing key there can abort the
 * process with no catchable error, and a truncated file fails late and vaguely. Every problem becomes a
 * UserError naming the file, the byte offset and the key. The raw bytes of the tokenizer's entries are
 * hashed on the way, giving a digest of the tokenizer alone.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

import { errorMessage, UserError } from '../core/errors.js';

export type GgufScalar = number | bigint | string | boolean;
export type GgufValue = GgufScalar | GgufScalar[];

export interface GgufTensor {
  name: string;
  dims: number[];
  type: number;
  offset: number;
}

export interface GgufFile {
  path: string;
  size: number;
  version: number;
  metadata: Map<string, GgufValue>;
  tensors: GgufTensor[];
  /** Where tensor data starts; every tensor's offset is relative to it. */
  dataOffset: number;
  /** sha256 over the raw bytes of every `tokenizer.*` entry, in file order; null when there are none. */
  tokenizerSha256: string | null;
}

const MAGIC = 'GGUF';
const LEGACY_MAGICS = ['ggml', 'ggmf', 'ggjt', 'lmgg', 'fmgg', 'tjgg'];
const MAX_STRING = 1 << 26;
const MAX_COUNT = 1 << 28;

/** ggml type → [elements per block, bytes per block], for the types a GGUF model file carries. */
const TYPE_SIZES: Record<number, [number, number]> = {
  0: [1, 4], 1: [1, 2], 2: [32, 18], 3: [32, 20], 6: [32, 22], 7: [32, 24], 8: [32, 34], 9: [32, 36],
  10: [256, 84], 11: [256, 110], 12: [256, 144], 13: [256, 176], 14: [256, 210], 15: [256, 292],
  16: [256, 66], 17: [256, 74], 18: [256, 98], 19: [256, 50], 20: [32, 18], 21: [256, 110], 22: [256, 82],
  23: [256, 136], 24: [1, 1], 25: [1, 2], 26: [1, 4], 27: [1, 8], 28: [1, 8], 29: [256, 56], 30: [1, 2],
  34: [256, 54], 35: [256, 66], 39: [32, 17],
};

/** Reads forward through a file in chunks, so a multi-GB model costs only its header. */
class Cursor {
  private buf = Buffer.alloc(0);
  private start = 0;
  pos = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly display: string,
  ) {}

  /** What the reader is inside, for error messages. */
  at = 'the header';

  take(n: number): Buffer {
    if (this.pos + n > this.size) {
      throw new UserError(`${this.display}: truncated GGUF: ${this.at} needs bytes up to ${this.pos + n} but the file has ${this.size}`, {
        hint: 'the download or copy was cut short; fetch the file again and compare its sha256',
      });
    }
    if (this.pos < this.start || this.pos + n > this.start + this.buf.length) {
      this.buf = Buffer.alloc(Math.max(n, 1 << 20));
      const got = readSync(this.fd, this.buf, 0, this.buf.length, this.pos);
      this.buf = this.buf.subarray(0, got);
      this.start = this.pos;
    }
    const out = this.buf.subarray(this.pos - this.start, this.pos - this.start + n);
    this.pos += n;
    return out;
  }
  u32(): number {
    return this.take(4).readUInt32LE(0);
  }
  count(what: string): number {
    const n = this.take(8).readBigUInt64LE(0);
    if (n > BigInt(MAX_COUNT)) this.corrupt(`${what} of ${n}`);
    return Number(n);
  }
  str(): string {
    const n = this.take(8).readBigUInt64LE(0);
    if (n > BigInt(MAX_STRING)) this.corrupt(`a string of ${n} bytes`);
    return this.take(Number(n)).toString('utf8');
  }
  corrupt(what: string): never {
    throw new UserError(`${this.display}: corrupt GGUF at byte ${this.pos}: ${this.at} claims ${what}`, { hint: 'the file is damaged or not a model file' });
  }
}

function scalar(c: Cursor, type: number): GgufScalar {
  switch (type) {
    case 0: return c.take(1).readUInt8(0);
    case 1: return c.take(1).readInt8(0);
    case 2: return c.take(2).readUInt16LE(0);
    case 3: return c.take(2).readInt16LE(0);
    case 4: return c.u32();
    case 5: return c.take(4).readInt32LE(0);
    case 6: return c.take(4).readFloatLE(0);
    case 7: return c.take(1).readUInt8(0) !== 0;
    case 8: return c.str();
    case 10: return narrow(c.take(8).readBigUInt64LE(0));
    case 11: return narrow(c.take(8).readBigInt64LE(0));
    case 12: return c.take(8).readDoubleLE(0);
    default: return c.corrupt(`value type ${type}`);
  }
}

function narrow(n: bigint): number | bigint {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

function value(c: Cursor, type: number): GgufValue {
  if (type !== 9) return scalar(c, type);
  const of = c.u32();
  if (of === 9) c.corrupt('an array of arrays');
  const n = c.count('an array length');
  const out = new Array<GgufScalar>(n);
  for (let i = 0; i < n; i++) out[i] = scalar(c, of);
  return out;
}

/** The header, metadata and tensor table of a GGUF file; throws UserError when it is not a whole GGUF. */
export function readGguf(file: string, display = file): GgufFile {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${display}: no such file`, { hint: 'give the path of a .gguf model file' });
    throw new UserError(`${display}: cannot open (${errorMessage(error)})`, { cause: error });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UserError(`${display}: not a file`, { hint: 'give the path of a .gguf model file' });
    return parse(new Cursor(fd, stat.size, display), file, display);
  } finally {
    closeSync(fd);
  }
}

function parse(c: Cursor, file: string, display: string): GgufFile {
  const magic = c.size >= 4 ? c.take(4).toString('latin1') : '';
  if (magic !== MAGIC) {
    const legacy = LEGACY_MAGICS.includes(magic.toLowerCase());
    throw new UserError(`${display}: not a GGUF file (${legacy ? `legacy ${magic} format` : `starts with ${JSON.stringify(magic)}`})`, {
      hint: legacy ? 'convert it with llama.cpp (convert_legacy_llama.py, then llama-quantize)' : 'llama.cpp models are .gguf files; convert Hugging Face weights with convert_hf_to_gguf.py',
    });
  }
  const version = c.u32();
  if (version !== 2 && version !== 3) throw new UserError(`${display}: GGUF version ${version} is not supported (2 and 3 are)`);
  const nTensors = c.count('a tensor count');
  const nKv = c.count('a metadata count');
  const metadata = new Map<string, GgufValue>();
  const tokenizerHash = createHash('sha256');
  let tokenizerEntries = 0;
  let previous = '';
  for (let i = 0; i < nKv; i++) {
    c.at = `metadata entry ${i + 1} of ${nKv}${previous ? ` (after ${previous})` : ''}`;
    const from = c.pos;
    const key = c.str();
    previous = key;
    c.at = `metadata key ${key}`;
    metadata.set(key, value(c, c.u32()));
    if (key.startsWith('tokenizer.')) {
      tokenizerEntries++;
      // the raw bytes, so the digest is the same whoever reads the file
      const end = c.pos;
      c.pos = from;
      tokenizerHash.update(c.take(end - from));
    }
  }
  const tensors: GgufTensor[] = [];
  for (let i = 0; i < nTensors; i++) {
    c.at = `tensor ${i + 1} of ${nTensors}`;
    const name = c.str();
    c.at = `tensor ${name}`;
    const nDims = c.u32();
    if (nDims > 8) c.corrupt(`${nDims} dimensions`);
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(c.count('a dimension'));
    const type = c.u32();
    tensors.push({ name, dims, type, offset: c.count('an offset') });
  }
  const alignment = metadata.get('general.alignment');
  const align = typeof alignment === 'number' && alignment > 0 ? alignment : 32;
  const dataOffset = Math.ceil(c.pos / align) * align;
  checkData(tensors, dataOffset, c.size, display);
  return { path: file, size: c.size, version, metadata, tensors, dataOffset, tokenizerSha256: tokenizerEntries ? tokenizerHash.digest('hex') : null };
}

/** Every tensor's bytes must lie inside the file; types without a known size are skipped. */
function checkData(tensors: GgufTensor[], dataOffset: number, size: number, display: string): void {
  for (const t of tensors) {
    const bytes = tensorBytes(t);
    if (bytes === null) continue;
    const end = dataOffset + t.offset + bytes;
    if (end > size) {
      throw new UserError(`${display}: truncated GGUF: tensor ${t.name} needs bytes up to ${end} but the file has ${size}`, {
        hint: 'the download or copy was cut short; fetch the file again and compare its sha256',
      });
    }
  }
}

export function tensorBytes(t: GgufTensor): number | null {
  const size = TYPE_SIZES[t.type];
  if (!size) return null;
  const elements = t.dims.reduce((a, b) => a * b, 1);
  return Math.ceil(elements / size[0]) * size[1];
}

export function stringOf(meta: Map<string, GgufValue>, key: string): string | null {
  const v = meta.get(key);
  return typeof v === 'string' ? v : null;
}

export function numberOf(meta: Map<string, GgufValue>, key: string): number | null {
  const v = meta.get(key);
  return typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : null;
}

export function boolOf(meta: Map<string, GgufValue>, key: string): boolean | null {
  const v = meta.get(key);
  return typeof v === 'boolean' ? v : null;
}

export function arrayOf(meta: Map<string, GgufValue>, key: string): GgufScalar[] | null {
  const v = meta.get(key);
  return Array.isArray(v) ? v : null;
}
