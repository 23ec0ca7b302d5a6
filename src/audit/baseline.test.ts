import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { BugError, UserError } from '../core/errors.js';
import type { Finding } from '../schemas/finding.js';
import { applyBaseline, BASELINE_FILE, readBaseline, updateBaseline, writeBaseline, type Baseline } from './baseline.js';
import { assignFingerprints } from './fingerprint.js';

let tmp: string;
let file: string;

beforeEach(() => {
  // realpath: on macOS os.tmpdir() is a symlink, and messages name resolved paths.
  tmp = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'provenant-baseline-')));
  file = path.join(tmp, BASELINE_FILE);
});

afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

interface Spec {
  code?: string;
  path?: string;
  line: number;
  text: string;
}

function finding(spec: Spec): Finding {
  const text = spec.text;
  return {
    code: spec.code ?? 'LOAD001',
    name: 'manual-model-load',
    severity: 'error',
    message: 'a message',
    path: spec.path ?? 'train.py',
    span: { line: spec.line, col: 1, endLine: spec.line, endCol: text.length + 1 },
    frame: [{ line: spec.line, text }],
    fingerprint: '',
  };
}

/** Findings as the engine hands them over: in (path, line) order, fingerprinted. */
function findings(...specs: Spec[]): Finding[] {
  const out = specs.map(finding);
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.span.line - b.span.line));
  assignFingerprints(out);
  return out;
}

function userError(action: () => unknown): UserError {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(UserError);
  return caught as UserError;
}

const LOAD = 'model = AutoModelForCausalLM.from_pretrained(name)';
const TEMPLATE = 'ids = tokenizer.apply_chat_template(messages)';

describe('write and read', () => {
  it('round-trips the entries with line and text for reviewers', () => {
    const found = findings({ line: 12, text: `    ${LOAD}` }, { code: 'TMPL002', path: 'data/prep.py', line: 3, text: TEMPLATE });
    expect(writeBaseline(file, found)).toEqual({ written: 2 });
    const baseline = readBaseline(file);
    expect(baseline).toEqual({
      version: 1,
      entries: [
        { fingerprint: found[0]?.fingerprint, code: 'TMPL002', path: 'data/prep.py', line: 3, text: TEMPLATE },
        { fingerprint: found[1]?.fingerprint, code: 'LOAD001', path: 'train.py', line: 12, text: LOAD },
      ],
    });
  });

  it('writes pretty JSON with the tool marker, one key per line and a trailing newline', () => {
    writeBaseline(file, findings({ line: 1, text: LOAD }));
    const text = readFileSync(file, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toMatchObject({ version: 1, tool: 'provenant' });
    expect(text.split('\n').slice(0, 5)).toEqual(['{', '  "version": 1,', '  "tool": "provenant",', '  "entries": [', '    {']);
    expect(text).toContain('\n      "line": 1,\n');
  });

  it('orders entries by path, line and code whatever the input order, so rewrites are byte-identical', () => {
    const found = findings(
      { path: 'b.py', line: 5, text: LOAD },
      { path: 'a.py', line: 9, text: LOAD },
      { path: 'a.py', line: 2, code: 'TMPL002', text: TEMPLATE },
      { path: 'a.py', line: 2, code: 'LOAD001', text: TEMPLATE },
    );
    writeBaseline(file, found);
    const first = readFileSync(file, 'utf8');
    writeBaseline(file, [...found].reverse());
    expect(readFileSync(file, 'utf8')).toBe(first);
    const order = readBaseline(file)?.entries.map((entry) => `${entry.path}:${entry.line}:${entry.code}`);
    expect(order).toEqual(['a.py:2:LOAD001', 'a.py:2:TMPL002', 'a.py:9:LOAD001', 'b.py:5:LOAD001']);
  });

  it('writes an empty baseline for a clean project', () => {
    expect(writeBaseline(file, [])).toEqual({ written: 0 });
    expect(readBaseline(file)).toEqual({ version: 1, entries: [] });
  });

  it('returns null when there is no baseline file', () => {
    expect(readBaseline(file)).toBeNull();
    expect(readBaseline(path.join(tmp, 'missing', BASELINE_FILE))).toBeNull();
  });

  it('replaces an existing baseline and writes through a symlink, keeping the link', () => {
    writeBaseline(file, findings({ line: 1, text: LOAD }, { line: 2, text: TEMPLATE }));
    const real = path.join(tmp, 'shared', 'baseline.json');
    mkdirSync(path.dirname(real));
    writeFileSync(real, '');
    const link = path.join(tmp, 'link.json');
    symlinkSync(real, link);
    writeBaseline(link, findings({ line: 7, text: LOAD }));
    expect(readBaseline(real)?.entries.map((entry) => entry.line)).toEqual([7]);
    expect(readBaseline(link)?.entries.map((entry) => entry.line)).toEqual([7]);
    writeBaseline(file, []);
    expect(readBaseline(file)?.entries).toEqual([]);
  });

  it('refuses to write findings that have no fingerprint', () => {
    expect(() => writeBaseline(file, [finding({ line: 1, text: LOAD })])).toThrow(BugError);
    expect(existsSync(file)).toBe(false);
  });
});

describe('applyBaseline', () => {
  function baselineOf(found: Finding[]): Baseline {
    writeBaseline(file, found);
    const baseline = readBaseline(file);
    if (baseline === null) throw new Error('the baseline was not written');
    return baseline;
  }

  it('hides baselined findings and reports new ones as fresh', () => {
    const baseline = baselineOf(findings({ line: 4, text: LOAD }));
    const now = findings({ line: 4, text: LOAD }, { line: 8, code: 'TMPL002', text: TEMPLATE });
    const { fresh, baselined, fixed } = applyBaseline(baseline, now);
    expect(fresh.map((f) => f.code)).toEqual(['TMPL002']);
    expect(baselined.map((f) => f.code)).toEqual(['LOAD001']);
    expect(fixed).toEqual([]);
  });

  it('reports a second identical finding as fresh: one entry absorbs one finding', () => {
    const baseline = baselineOf(findings({ line: 4, text: LOAD }));
    const now = findings({ line: 4, text: LOAD }, { line: 20, text: `  ${LOAD}` });
    const { fresh, baselined } = applyBaseline(baseline, now);
    expect(baselined.map((f) => f.span.line)).toEqual([4]);
    expect(fresh.map((f) => f.span.line)).toEqual([20]);
  });

  it('matches as a multiset even when findings share a fingerprint', () => {
    // Fingerprints carry an occurrence index, so this cannot come from assignFingerprints; it guards the
    // matching itself against the set-membership mistake (one entry hiding any number of twins).
    const twins = [finding({ line: 1, text: LOAD }), finding({ line: 2, text: LOAD }), finding({ line: 3, text: LOAD })];
    for (const twin of twins) twin.fingerprint = 'f'.repeat(32);
    const entry = { fingerprint: 'f'.repeat(32), code: 'LOAD001', path: 'train.py', line: 1, text: LOAD };
    const one = applyBaseline({ version: 1, entries: [entry] }, twins);
    expect(one.baselined.map((f) => f.span.line)).toEqual([1]);
    expect(one.fresh.map((f) => f.span.line)).toEqual([2, 3]);
    const two = applyBaseline({ version: 1, entries: [entry, { ...entry, line: 2 }] }, twins);
    expect(two.fresh.map((f) => f.span.line)).toEqual([3]);
    const four = applyBaseline({ version: 1, entries: [entry, entry, entry, entry] }, twins);
    expect(four.fresh).toEqual([]);
    expect(four.fixed).toHaveLength(1);
  });

  it('still matches after an unrelated edit moves the lines', () => {
    const before = findings({ line: 10, text: LOAD }, { line: 30, text: LOAD }, { line: 31, code: 'TMPL002', text: TEMPLATE });
    const baseline = baselineOf(before);
    // Five lines inserted at the top and the file re-indented: the same findings, elsewhere.
    const after = findings({ line: 15, text: `    ${LOAD}` }, { line: 35, text: LOAD }, { line: 36, code: 'TMPL002', text: `\t${TEMPLATE}` });
    const { fresh, baselined, fixed } = applyBaseline(baseline, after);
    expect(fresh).toEqual([]);
    expect(baselined).toHaveLength(3);
    expect(fixed).toEqual([]);
  });

  it('lists entries nothing matches any more as fixed, in baseline order', () => {
    const baseline = baselineOf(findings({ line: 1, text: LOAD }, { line: 2, code: 'TMPL002', text: TEMPLATE }, { line: 3, text: 'm = AutoModel.from_pretrained(p)' }));
    const { fresh, fixed } = applyBaseline(baseline, findings({ line: 2, code: 'TMPL002', text: TEMPLATE }));
    expect(fresh).toEqual([]);
    expect(fixed.map((entry) => entry.line)).toEqual([1, 3]);
  });

  it('treats a finding in another file or under another rule as fresh', () => {
    const baseline = baselineOf(findings({ line: 1, text: LOAD }));
    const now = findings({ path: 'eval.py', line: 1, text: LOAD }, { code: 'LOAD002', line: 1, text: LOAD });
    expect(applyBaseline(baseline, now).fresh).toHaveLength(2);
  });

  it('rejects findings that were never fingerprinted', () => {
    expect(() => applyBaseline({ version: 1, entries: [] }, [finding({ line: 1, text: LOAD })])).toThrow(BugError);
  });
});

describe('updateBaseline', () => {
  it('drops fixed entries and never adds new findings', () => {
    writeBaseline(file, findings({ line: 1, text: LOAD }, { line: 2, code: 'TMPL002', text: TEMPLATE }, { line: 9, text: 'm = AutoModel.from_pretrained(p)' }));
    const baseline = readBaseline(file);
    expect(baseline).not.toBeNull();
    const now = findings({ line: 1, text: LOAD }, { line: 9, text: 'm = AutoModel.from_pretrained(p)' }, { line: 12, code: 'TMPL003', text: 'new = 1' });
    expect(updateBaseline(file, baseline as Baseline, now)).toEqual({ kept: 2, dropped: 1 });
    const updated = readBaseline(file);
    expect(updated?.entries.map((entry) => `${entry.code}:${entry.line}`)).toEqual(['LOAD001:1', 'LOAD001:9']);
    expect(applyBaseline(updated as Baseline, now).fresh.map((f) => f.code)).toEqual(['TMPL003']);
  });

  it('drops the surplus twin: two accepted, one left, one entry kept', () => {
    writeBaseline(file, findings({ line: 1, text: LOAD }, { line: 5, text: LOAD }));
    const baseline = readBaseline(file) as Baseline;
    expect(updateBaseline(file, baseline, findings({ line: 5, text: LOAD }))).toEqual({ kept: 1, dropped: 1 });
    expect(readBaseline(file)?.entries).toHaveLength(1);
  });

  it('keeps the entries as written (the diff shows only removals) and leaves the file alone when nothing was fixed', () => {
    writeBaseline(file, findings({ line: 1, text: LOAD }, { line: 2, code: 'TMPL002', text: TEMPLATE }));
    const baseline = readBaseline(file) as Baseline;
    // Hand-compacted: an update that drops nothing must not rewrite it.
    const compact = JSON.stringify({ version: 1, tool: 'provenant', entries: baseline.entries });
    writeFileSync(file, compact);
    const moved = findings({ line: 40, text: LOAD }, { line: 41, code: 'TMPL002', text: TEMPLATE });
    expect(updateBaseline(file, baseline, moved)).toEqual({ kept: 2, dropped: 0 });
    expect(readFileSync(file, 'utf8')).toBe(compact);
    expect(updateBaseline(file, baseline, moved.slice(1))).toEqual({ kept: 1, dropped: 1 });
    expect(readBaseline(file)?.entries).toEqual([baseline.entries[1]]);
  });
});

describe('bad baseline files', () => {
  function entry(overrides: Record<string, unknown> = {}): Record<string, unknown> {
    return { fingerprint: 'a'.repeat(32), code: 'LOAD001', path: 'train.py', line: 3, text: LOAD, ...overrides };
  }

  function readingFails(content: string): UserError {
    writeFileSync(file, content);
    const error = userError(() => readBaseline(file));
    expect(error.message).toContain(file);
    return error;
  }

  it('names the line and column of malformed JSON', () => {
    const error = readingFails('{\n  "version": 1,\n  "tool": "provenant",\n  "entries": [\n    {,\n  ]\n}\n');
    // The reason is V8's wording, which changes between Node versions; the place is ours.
    expect(error.message.startsWith(`${file}:5:6: invalid JSON: `)).toBe(true);
    expect(error.message).not.toMatch(/position|is not valid JSON/);
    expect(error.hint).toContain('--write-baseline');
  });

  it('names a position even where Node does not', () => {
    // Node reports "Unexpected token" without a position; the baseline reader finds it.
    const cases: [string, string][] = [
      ['{"version": 1, "entries": [}', '1:28'],
      ['{"version": 1, "tool": "provenant",\n "entries": [1,]}', '2:16'],
      ['{"version": 1, "tool": "provenant", "entries": []}\n}', '2:1'],
      ['{"version": 1', '1:14'],
      ['{"version": tru}', '1:16'],
      ['{"version": -}', '1:14'],
      ['{"version": "\\x"}', '1:15'],
    ];
    for (const [text, place] of cases) {
      const message = readingFails(text).message;
      expect(message.startsWith(`${file}:${place}: invalid JSON: `), message).toBe(true);
      expect(message).not.toMatch(/position|is not valid JSON/);
    }
  });

  it('agrees with Node on every position Node reports', () => {
    writeBaseline(file, findings({ line: 1, text: 'x = "a\\tb"' }, { line: 2, code: 'TMPL002', text: TEMPLATE }));
    const valid = readFileSync(file, 'utf8');
    let checked = 0;
    for (let at = 0; at < valid.length; at++) {
      for (const broken of [valid.slice(0, at) + valid.slice(at + 1), `${valid.slice(0, at)}@${valid.slice(at)}`]) {
        let reported: string | null = null;
        try {
          JSON.parse(broken);
          continue;
        } catch (error) {
          const position = /at position (\d+)/.exec((error as Error).message)?.[1];
          if (position !== undefined) {
            const before = broken.slice(0, Number(position));
            reported = `${before.split('\n').length}:${Number(position) - before.lastIndexOf('\n')}`;
          }
        }
        writeFileSync(file, broken);
        const message = userError(() => readBaseline(file)).message;
        expect(message).toMatch(new RegExp(`^${escape(file)}:\\d+:\\d+: invalid JSON: `));
        expect(message).not.toMatch(/position|is not valid JSON/);
        if (reported !== null) {
          expect(message.startsWith(`${file}:${reported}: `)).toBe(true);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('points out merge-conflict markers', () => {
    const error = readingFails('{\n<<<<<<< HEAD\n  "version": 1,\n=======\n  "version": 1,\n>>>>>>> branch\n}\n');
    expect(error.message).toMatch(/:2:1: invalid JSON/);
    expect(error.hint).toContain('merge-conflict markers');
  });

  it('names the key path of a wrong shape', () => {
    const entries = [entry(), entry(), entry(), entry({ fingerprint: 42 })];
    const error = readingFails(JSON.stringify({ version: 1, tool: 'provenant', entries }));
    expect(error.message).toBe(`${file}: entries[3].fingerprint: expected a string, got 42`);
    expect(error.hint).toContain('--write-baseline');
  });

  it('lists every problem of a wrong shape', () => {
    const error = readingFails(
      JSON.stringify({ version: 1, tool: 'ruff', entries: [entry({ line: 0, extra: true }), entry({ code: undefined, path: '' })] }),
    );
    expect(error.message.split('\n')).toEqual([
      `${file}: tool: expected "provenant", got "ruff"`,
      `${file}: entries[0].line: expected a positive integer, got 0`,
      `${file}: entries[0].extra: unknown key`,
      `${file}: entries[1].code: expected a string, got nothing`,
      `${file}: entries[1].path: expected a non-empty string, got ""`,
    ]);
  });

  it('rejects a document that is not an object, or lacks the entries', () => {
    expect(readingFails('[]').message).toBe(`${file}: the document: expected an object, got an array`);
    expect(readingFails('{"version": 1, "tool": "provenant"}').message).toBe(`${file}: entries: expected an array, got nothing`);
    expect(readingFails('{"version": "1", "tool": "provenant", "entries": []}').message).toBe(`${file}: version: expected 1, got "1"`);
  });

  it('refuses a baseline from a newer provenant', () => {
    const error = readingFails(JSON.stringify({ version: 2, tool: 'provenant', entries: [{ whatever: true }] }));
    expect(error.message).toBe(`${file}: written by a newer provenant (format 2); this one reads format 1`);
    expect(error.hint).toMatch(/upgrade provenant/);
    expect(error.hint).toContain('--write-baseline');
  });

  it('refuses an empty file', () => {
    expect(readingFails('').message).toBe(`${file}: the baseline file is empty`);
    expect(readingFails(' \n\n').message).toBe(`${file}: the baseline file is empty`);
  });

  it('reads a file saved with a byte-order mark', () => {
    writeFileSync(file, `\uFEFF${JSON.stringify({ version: 1, tool: 'provenant', entries: [entry()] })}`);
    expect(readBaseline(file)?.entries).toEqual([entry()]);
  });

  it('refuses a directory where the baseline should be, on read and on write', () => {
    mkdirSync(file);
    writeFileSync(path.join(file, 'keep'), '');
    expect(userError(() => readBaseline(file)).message).toBe(`${file}: is a directory, not a baseline file`);
    expect(userError(() => writeBaseline(file, [])).message).toContain(file);
    // The failed write left nothing behind.
    expect(readdirSync(tmp)).toEqual([BASELINE_FILE]);
  });

  it('names the file when its directory does not exist', () => {
    const missing = path.join(tmp, 'nowhere', BASELINE_FILE);
    expect(userError(() => writeBaseline(missing, [])).message).toBe(`${missing}: cannot write the baseline: its directory does not exist`);
  });
});

describe('crash safety', () => {
  it('never reads the temp file a crashed write left behind', () => {
    // A write killed between creating its temp file and the rename leaves this beside the baseline.
    const leftover = path.join(tmp, `.${BASELINE_FILE}.4242.deadbeef.tmp`);
    writeFileSync(leftover, '{\n  "version": 1,\n  "tool": "provenant",\n  "entries": [\n    {\n      "fingerprint": "ab');
    expect(readBaseline(file)).toBeNull();

    writeBaseline(file, findings({ line: 1, text: LOAD }));
    const good = readFileSync(file, 'utf8');
    writeFileSync(leftover, '{"version": 1, "tool": "provenant", "entries": [');
    expect(readBaseline(file)?.entries).toHaveLength(1);
    // A later write neither trips over the leftover nor reuses it.
    writeBaseline(file, findings({ line: 1, text: LOAD }));
    expect(readFileSync(file, 'utf8')).toBe(good);
    expect(readdirSync(tmp).sort()).toEqual([BASELINE_FILE, path.basename(leftover)].sort());
  });

  it('leaves the previous baseline intact when a write is refused', () => {
    writeBaseline(file, findings({ line: 1, text: LOAD }));
    const before = readFileSync(file, 'utf8');
    expect(() => writeBaseline(file, [finding({ line: 2, text: LOAD })])).toThrow(BugError);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(readdirSync(tmp)).toEqual([BASELINE_FILE]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
