/**
 * Which data files a script reads and writes, from its facts alone: path-like string literals with a
 * data extension, classified by the call that receives them, and argparse defaults classified by the
 * flag's name. Static and approximate by design: a path built at run time is not seen.
 */
import type { CallFact, CliArgFact, FileFacts, Literal, StringFact } from '../analysis/facts.js';

const DATA_PATH = /^[^\s'"<>|*?]+\.(?:jsonl|json|csv|tsv|parquet|arrow|txt|pt|pth|bin|safetensors|gguf|ya?ml|toml|pkl|pickle|npy|npz|h5|log|md)$/i;

/** Methods and functions that write the path they are given. */
const WRITERS = new Set([
  'to_json', 'to_csv', 'to_parquet', 'to_pickle', 'to_feather', 'save_pretrained', 'save_to_disk', 'save',
  'write_text', 'write_bytes', 'savefig', 'savez', 'save_file', 'dump', 'touch',
]);

/** Functions that read the path they are given. */
const READERS = new Set([
  'read_json', 'read_csv', 'read_parquet', 'read_pickle', 'read_table', 'load_dataset', 'load_from_disk', 'load',
  'load_file', 'safe_open', 'read_text', 'read_bytes', 'loadtxt', 'genfromtxt', 'from_file',
]);

/** Keyword or variable names that say "this is where output goes". */
const OUTPUT_NAME = /(?:^|_|-)(?:out|output|outputs|save|dest|destination|dump|write|target|result|results)(?:$|_|-|dir|file|path)|^-*o$/i;

export interface DataFlow {
  reads: string[];
  writes: string[];
}

export function isDataPath(value: string): boolean {
  return DATA_PATH.test(value);
}

function lastSegment(name: string): string {
  const at = name.lastIndexOf('.');
  return at < 0 ? name : name.slice(at + 1);
}

/** The mode string of an `open(path, mode)` call, or null. */
function openMode(call: CallFact): string | null {
  const mode = call.kwargs.mode ?? call.args[1];
  return mode?.kind === 'str' ? mode.value : null;
}

type Direction = 'read' | 'write' | null;

function byCall(call: CallFact | undefined): Direction {
  if (!call) return null;
  const name = lastSegment(call.qname.replace(/\(\)/g, ''));
  if (name === 'open') return /[wax+]/.test(openMode(call) ?? 'r') ? 'write' : 'read';
  if (WRITERS.has(name)) return 'write';
  if (READERS.has(name)) return 'read';
  return null;
}

function byName(name: string | undefined): Direction {
  return name !== undefined && OUTPUT_NAME.test(name) ? 'write' : null;
}

function directionOf(s: StringFact, calls: readonly CallFact[]): Direction {
  switch (s.role) {
    case 'argument':
      return byCall(s.call === undefined ? undefined : calls[s.call]);
    case 'keyword':
      return byName(s.key) ?? byCall(s.call === undefined ? undefined : calls[s.call]);
    case 'assignment':
      return byName(s.key);
    default:
      return null;
  }
}

/** `--out`, `--output-file`, `--save-path` default to outputs; every other data default is an input. */
function cliDirection(arg: CliArgFact): Direction {
  return arg.flags.some((f) => byName(f.replace(/^-+/, '')) === 'write') || byName(arg.dest ?? undefined) ? 'write' : 'read';
}

function literalPath(value: Literal | null): string | null {
  if (value?.kind === 'str' && isDataPath(value.value)) return value.value;
  return null;
}

/**
 * A literal passed by name to a reader or writer (`OUT = "x.jsonl"; df.to_json(OUT)`) is classified
 * through the module-level assignment that names it.
 */
function namedPaths(facts: FileFacts): Map<string, string> {
  const named = new Map<string, string>();
  for (const a of facts.assigns) {
    const path = a.scope === '<module>' ? literalPath(a.value) : null;
    if (path !== null) named.set(a.target, path);
  }
  return named;
}

export function dataFlowOf(facts: FileFacts): DataFlow {
  const reads = new Set<string>();
  const writes = new Set<string>();
  const add = (path: string, direction: Direction): void => {
    (direction === 'write' ? writes : reads).add(path);
  };
  for (const s of facts.strings) {
    if (s.fstring || s.role === 'docstring' || s.role === 'comparison' || s.role === 'key' || !isDataPath(s.value)) continue;
    const call = s.call === undefined ? undefined : facts.calls[s.call];
    // argparse defaults are classified by their flag below
    if (call && lastSegment(call.callee) === 'add_argument') continue;
    if (call && /(?:^|\.)(?:print|info|debug|warning|error|log)$/.test(call.callee)) continue;
    add(s.value, directionOf(s, facts.calls));
  }
  const named = namedPaths(facts);
  if (named.size) {
    for (const call of facts.calls) {
      const direction = byCall(call);
      if (!direction) continue;
      for (const arg of [...call.args, ...Object.values(call.kwargs)]) {
        const path = arg.kind === 'name' ? named.get(arg.text) : undefined;
        if (path !== undefined) add(path, direction);
      }
    }
  }
  for (const arg of facts.cliArgs) {
    const path = literalPath(arg.default);
    if (path !== null) add(path, cliDirection(arg));
  }
  // a path both written and read back is an output first
  for (const path of writes) reads.delete(path);
  return { reads: [...reads].sort(), writes: [...writes].sort() };
}
