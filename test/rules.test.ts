/**
 * Every rule against its own fixtures: the lines it flags must be exactly the lines annotated
 * `# expect: CODE@COL` (`// expect: CODE@COL` in TS/JS), at the columns they name, and what a user
 * sees for bad.py and bad.ts is kept as a snapshot.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { RULES, RULE_ROOMS } from '../audits/index.js';
import { audit, type AuditResult } from '../src/audit/engine.js';
import { renderText } from '../src/audit/reporters/text.js';
import { styleFor } from '../src/core/style.js';
import { annotationsIn, filesUnder, locationKey, type Annotation } from './helpers/annotations.js';

const AUDITS = fileURLToPath(new URL('../audits/', import.meta.url));

const rooms = RULES.map((rule) => {
  const room = RULE_ROOMS[rule.code];
  if (room === undefined) throw new Error(`${rule.code} has no entry in RULE_ROOMS (audits/index.ts)`);
  // A rule without triggers only sees the Python files other rules select (see RuleMetaSchema), so it
  // runs beside all of them, as in a default audit; only its own findings are compared.
  const select = rule.triggers.length ? [rule.code] : ['ALL'];
  return { code: rule.code, name: rule.name, select, fixtures: path.join(AUDITS, room, 'fixtures') };
});

const SCRIPT_FILE = /\.[cm]?[jt]sx?$/;

/**
 * A notebook's lines as its annotations read: each JSON line holding one string of a cell's `source` list
 * becomes that string (so `# expect:` in a cell names the JSON line of the next code line, where notebook
 * findings are), every other JSON line a blank one.
 */
function notebookLines(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = /^\s*("(?:[^"\\]|\\.)*"),?$/.exec(line);
      return m ? (JSON.parse(m[1] as string) as string).replace(/\r?\n$/, '') : '';
    })
    .join('\n');
}

/** Every fixture's annotations; in TS/JS, `//` comment lines read as `#` ones (same line numbers). */
function collectAnnotations(dir: string): Annotation[] {
  return filesUnder(dir).flatMap((file) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    if (file.endsWith('.ipynb')) return annotationsIn(notebookLines(text), file);
    return annotationsIn(SCRIPT_FILE.test(file) ? text.replace(/^(\s*)\/\//gm, '$1#') : text, file);
  });
}

const audits = new Map<string, Promise<AuditResult>>();

/** One audit per room, shared by its tests; without the cache, so nothing is written into the fixtures. */
function auditRoom(code: string, select: string[], fixtures: string): Promise<AuditResult> {
  let result = audits.get(code);
  if (!result) {
    result = audit({ paths: [fixtures], cwd: fixtures, configPath: path.join(fixtures, 'provenant.toml'), select, noCache: true });
    audits.set(code, result);
  }
  return result;
}

function describeAt(a: Annotation): string {
  return `${locationKey(a.file, a.line)} (annotated at line ${a.at})`;
}

/** Plain text with the run time taken out, so the snapshot only changes when the output does. */
function renderForSnapshot(result: AuditResult, code: string, file: string, cwd: string): string {
  const shown: AuditResult = { ...result, findings: result.findings.filter((f) => f.code === code && f.path === file) };
  return renderText(shown, { cwd, style: styleFor({ isTTY: false }, {}) }).replace(/ in \d+(?:\.\d+)?s\./, ' in Xs.');
}

describe.each(rooms.map((r) => [`${r.code} ${r.name}`, r] as const))('%s', (_title, { code, select, fixtures }) => {
  test('flags exactly the lines annotated `# expect:`', async () => {
    const annotations = collectAnnotations(fixtures);
    const foreign = annotations.filter((a) => a.code !== code);
    expect(
      foreign.map(describeAt),
      `annotations in the ${code} room must name ${code}; move these to the room of the rule they name`,
    ).toEqual([]);

    const byKind = (kind: Annotation['kind']) => annotations.filter((a) => a.kind === kind);
    const expected = new Map(byKind('expect').map((a) => [locationKey(a.file, a.line), a]));
    const todo = new Map(byKind('todo-expect').map((a) => [locationKey(a.file, a.line), a]));
    const ok = byKind('ok');
    const conflicting = [...ok, ...todo.values()].filter((a) => expected.has(locationKey(a.file, a.line)));
    expect(conflicting.map(describeAt), 'a line cannot be both `# expect:` and `# ok:`/`# todo-expect:`; keep one').toEqual([]);

    const result = await auditRoom(code, select, fixtures);
    const flagged = new Map<string, string>();
    const columns = new Map<string, number[]>();
    for (const f of result.findings) {
      if (f.code !== code) continue;
      const key = locationKey(f.path, f.span.line);
      flagged.set(key, f.message);
      columns.set(key, [...(columns.get(key) ?? []), f.span.col]);
    }

    const missed = [...expected.values()].filter((a) => !flagged.has(locationKey(a.file, a.line)));
    expect(
      missed.map(describeAt),
      `${code} did not flag these \`# expect: ${code}\` lines; fix the rule, or turn a known miss into \`# todo-expect: ${code}\``,
    ).toEqual([]);

    const found = [...expected.values()].filter((a) => flagged.has(locationKey(a.file, a.line)));
    const cols = (a: Annotation): string => (columns.get(locationKey(a.file, a.line)) ?? []).join(', ');
    expect(
      found.filter((a) => a.col === undefined).map((a) => `${describeAt(a)}: flagged at column ${cols(a)}`),
      `every \`# expect: ${code}\` names the column the finding starts at, as \`# expect: ${code}@COL\``,
    ).toEqual([]);
    expect(
      found.filter((a) => !(columns.get(locationKey(a.file, a.line)) ?? []).includes(a.col ?? 0)).map((a) => `${describeAt(a)}: expected column ${a.col}, flagged at ${cols(a)}`),
      `${code} flagged these lines at another column than annotated; fix the rule's span, or the annotation`,
    ).toEqual([]);

    const okKeys = new Set(ok.map((a) => locationKey(a.file, a.line)));
    const unexpected = [...flagged.entries()]
      .filter(([key]) => !expected.has(key) && !todo.has(key))
      .map(([key, message]) => `${key}${okKeys.has(key) ? ' (annotated `# ok:`)' : ''}: ${message}`);
    expect(
      unexpected,
      `${code} flagged lines that are not annotated; fix the false positive, or add \`# expect: ${code}\` on the line before`,
    ).toEqual([]);

    const promoted = [...todo.values()].filter((a) => flagged.has(locationKey(a.file, a.line)));
    expect(
      promoted.map(describeAt),
      `${code} now flags these \`# todo-expect: ${code}\` lines; promote them to \`# expect: ${code}\``,
    ).toEqual([]);
  });

  test('renders bad.py', async () => {
    const result = await auditRoom(code, select, fixtures);
    expect(renderForSnapshot(result, code, 'bad.py', fixtures)).toMatchSnapshot();
  });

  test.runIf(existsSync(path.join(fixtures, 'bad.ts')))('renders bad.ts', async () => {
    const result = await auditRoom(code, select, fixtures);
    expect(renderForSnapshot(result, code, 'bad.ts', fixtures)).toMatchSnapshot();
  });
});
