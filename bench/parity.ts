/**
 * Call-finding parity between CPython's `ast` and provenant's Python front end.
 *
 *   node dist/bench/parity.js [DIR] [--python EXE] [--limit N]     # DIR defaults to the CPython stdlib
 *
 * One `python3` process walks every file with `ast` and prints, per file, every `ast.Call` as
 * [dotted callee, lineno]. The front end extracts the same files in this process, and the two
 * multisets of (callee, line) are compared per file. Files `ast` rejects are listed, not compared.
 *
 * Callee convention (both sides build it the same way, mirroring `dotted()` in
 * src/analysis/python/literals.ts): a name is itself, `a.b` is dotted(a) + '.b', a call `f(x).g` is
 * dotted(f) + '()' + '.g', a subscript `a[0]` is dotted(a) + '[]', parentheses are transparent,
 * `True`/`False`/`None` are themselves (the front end takes any dotted-looking text as written, so
 * `None.method` stays; `ast` would give a Constant), and anything else (string literals, lambdas,
 * `await`, binary operators…) is '?'. Both sides produce this form directly; the only other
 * normalisation is NFKC on the front end's identifiers (see below).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadPythonFrontEnd } from '../src/index.js';
import { BenchError, MB, listPythonFiles, parseArgs, runPython, stdlibPath } from './common.js';

/**
 * The `ast` side. Reads paths on stdin, writes one JSON line per file: {"p", "c": [[callee, line]]}
 * or {"p", "e": error}. Files are parsed as bytes so PEP 263 coding cookies are honoured; json keeps
 * ensure_ascii so lone surrogates in identifiers or paths cannot crash it (bake-off pitfall 10).
 */
const AST_SCRIPT = String.raw`
import ast, json, sys, warnings
warnings.simplefilter("ignore")
sys.setrecursionlimit(20000)
def dotted(n):
    t = type(n)
    if t is ast.Name: return n.id
    if t is ast.Attribute: return dotted(n.value) + "." + n.attr
    if t is ast.Call: return dotted(n.func) + "()"
    if t is ast.Subscript: return dotted(n.value) + "[]"
    if t is ast.Constant and (n.value is None or n.value is True or n.value is False): return repr(n.value)
    return "?"
print(json.dumps({"version": sys.version.split()[0]}))
for line in sys.stdin:
    path = line.rstrip("\n")
    if not path: continue
    try:
        with open(path, "rb") as f: tree = ast.parse(f.read(), path)
        res = {"p": path, "c": [[dotted(n.func), n.lineno] for n in ast.walk(tree) if type(n) is ast.Call]}
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError) as e:
        res = {"p": path, "e": type(e).__name__ + ": " + str(e)}
    sys.stdout.write(json.dumps(res, separators=(",", ":")) + "\n")
`;

interface AstFile {
  p: string;
  c?: [string, number][];
  e?: string;
}

interface Disagreement {
  rel: string;
  line: number;
  callee: string;
  /** Which side did not report the call. */
  missedBy: 'front end' | 'ast';
  count: number;
}

const key = (callee: string, line: number): string => `${line}\u0000${callee}`;

function countKeys(pairs: Iterable<[string, number]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [callee, line] of pairs) counts.set(key(callee, line), (counts.get(key(callee, line)) ?? 0) + 1);
  return counts;
}

const pct = (part: number, whole: number): string => (whole === 0 ? '–' : `${((100 * part) / whole).toFixed(3)} %`);

async function main(argv: readonly string[]): Promise<void> {
  const args = parseArgs(argv, ['python', 'limit'], ['help']);
  if (args.flags.has('help')) {
    console.log('usage: node dist/bench/parity.js [DIR] [--python EXE] [--limit N]');
    return;
  }
  const python = args.values.get('python')?.at(-1) ?? 'python3';
  const limit = Number(args.values.get('limit')?.at(-1) ?? '20');
  if (!Number.isInteger(limit) || limit < 0) throw new BenchError('--limit needs a non-negative integer');
  if (args.positional.length > 1) throw new BenchError('give at most one directory');
  const root = path.resolve(args.positional[0] ?? stdlibPath(python));
  const files = listPythonFiles(root);
  if (files.length === 0) throw new BenchError(`no *.py files under ${root}`);
  const bytes = files.reduce((sum, f) => sum + f.bytes, 0);

  // --- ast side ---------------------------------------------------------------------------------
  const t0 = performance.now();
  const lines = runPython(python, AST_SCRIPT, files.map((f) => f.abs).join('\n') + '\n')
    .split('\n')
    .filter((l) => l.length > 0);
  const astMs = performance.now() - t0;
  const header = JSON.parse(lines.shift() ?? '{}') as { version?: string };
  const astByPath = new Map<string, AstFile>();
  for (const l of lines) {
    const rec = JSON.parse(l) as AstFile;
    astByPath.set(rec.p, rec);
  }

  // --- front end side ---------------------------------------------------------------------------
  const t1 = performance.now();
  const frontEnd = await loadPythonFrontEnd();
  const strict = new TextDecoder('utf-8', { fatal: true });
  const lenient = new TextDecoder('utf-8');
  const nonUtf8: string[] = [];
  const frontEndFailures: string[] = [];
  const feByRel = new Map<string, [string, number][]>();
  for (const file of files) {
    const buffer = readFileSync(file.abs);
    let source: string;
    try {
      source = strict.decode(buffer);
    } catch {
      // Not UTF-8 (usually a latin-1 coding cookie): ast decodes it properly, the front end sees U+FFFD.
      nonUtf8.push(file.rel);
      source = lenient.decode(buffer);
    }
    try {
      const facts = frontEnd.extract(source, file.rel);
      // Python folds identifiers to NFKC when it tokenises (`ｗｗｗ` is the name `www`), so `ast` reports
      // folded names while the front end keeps the text as written; fold that side the same way.
      feByRel.set(
        file.rel,
        facts.calls.map((c) => [c.callee.normalize('NFKC'), c.span.line]),
      );
    } catch (error) {
      frontEndFailures.push(`${file.rel}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const feMs = performance.now() - t1;

  // --- compare ----------------------------------------------------------------------------------
  let parsed = 0;
  let astCalls = 0;
  let matched = 0;
  let extra = 0;
  let callsInRejected = 0;
  const rejected: string[] = [];
  const disagreements: Disagreement[] = [];
  for (const file of files) {
    const a = astByPath.get(file.abs);
    const fe = feByRel.get(file.rel);
    if (!a) throw new BenchError(`${python} printed nothing for ${file.abs}`);
    if (a.e !== undefined || a.c === undefined) {
      rejected.push(`${file.rel}: ${a.e ?? 'no calls reported'}`);
      callsInRejected += fe?.length ?? 0;
      continue;
    }
    parsed++;
    astCalls += a.c.length;
    if (!fe) continue; // the front end threw; listed under its failures, all its calls count as missed
    const astCounts = countKeys(a.c);
    const feCounts = countKeys(fe);
    for (const [k, n] of astCounts) {
      const m = Math.min(n, feCounts.get(k) ?? 0);
      matched += m;
      if (n > m) disagreements.push(toDisagreement(file.rel, k, 'front end', n - m));
    }
    for (const [k, n] of feCounts) {
      const surplus = n - (astCounts.get(k) ?? 0);
      if (surplus > 0) {
        extra += surplus;
        disagreements.push(toDisagreement(file.rel, k, 'ast', surplus));
      }
    }
  }
  disagreements.sort((x, y) => (x.rel < y.rel ? -1 : x.rel > y.rel ? 1 : x.line - y.line));

  const rows: [string, string][] = [
    ['directory', root],
    ['python', `${python} (${header.version ?? '?'})`],
    ['files', `${files.length} (${(bytes / MB).toFixed(1)} MB)`],
    ['files ast could parse', `${parsed}${rejected.length ? ` (${rejected.length} could not, listed below)` : ''}`],
    ['non-UTF-8 files', `${nonUtf8.length}${nonUtf8.length ? ` (front end given U+FFFD for bad bytes: ${nonUtf8.join(', ')})` : ''}`],
    ['calls ast found', String(astCalls)],
    ['  of those, front end found', String(matched)],
    ['agreement', pct(matched, astCalls)],
    ['front end calls ast lacks', `${extra} (in files ast parsed)`],
    ['front end calls in rejected files', String(callsInRejected)],
    ['front end threw on', String(frontEndFailures.length)],
    ['time', `ast ${(astMs / 1000).toFixed(2)} s (incl. JSON), front end ${(feMs / 1000).toFixed(2)} s (full extraction)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);

  if (disagreements.length > 0) {
    console.log(`\nfirst ${Math.min(limit, disagreements.length)} of ${disagreements.length} disagreements:`);
    for (const d of disagreements.slice(0, limit)) {
      console.log(`  ${d.rel}:${d.line}  ${d.callee}${d.count > 1 ? ` ×${d.count}` : ''}  — missed by ${d.missedBy}`);
    }
  }
  if (frontEndFailures.length > 0) {
    console.log('\nfront end threw on:');
    for (const f of frontEndFailures) console.log(`  ${f}`);
  }
  if (rejected.length > 0) {
    console.log('\nfiles ast could not parse (not compared):');
    for (const r of rejected) console.log(`  ${r}`);
  }
}

function toDisagreement(rel: string, k: string, missedBy: Disagreement['missedBy'], count: number): Disagreement {
  const sep = k.indexOf('\u0000');
  return { rel, line: Number(k.slice(0, sep)), callee: k.slice(sep + 1), missedBy, count };
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof BenchError) {
    console.error(`parity: ${error.message}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
});
