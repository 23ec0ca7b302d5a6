/**
 * Parity of the rule catalog (ESLint's checkRuleFiles, Ruff's registry tests): every rule is
 * registered once, lives in its own room with a doc and fixtures, and its doc's examples run.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { RULES, RULE_ROOMS } from '../audits/index.js';
import { audit } from '../src/audit/engine.js';
import { defineRule, type Rule } from '../src/audit/rule.js';
import { CONFIG_KEYS } from '../src/schemas/config.js';
import { RuleMetaSchema } from '../src/schemas/rule.js';
import { RULE_META_KEYS, ruleMetaProblems } from '../src/schemas/rule-values.js';
import { annotationsIn } from './helpers/annotations.js';

const AUDITS = fileURLToPath(new URL('../audits/', import.meta.url));
const HEADINGS = ['## What it does', '## Why is this bad?', '## Example', '## Options', '## Known problems', '## References'];
const USE_INSTEAD = 'Use instead:';

/** Room folders on disk (relative to audits/, `/`-separated): folders holding a rule.ts. */
function roomsOnDisk(dir = AUDITS, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'fixtures' || entry.name === 'node_modules') continue;
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    const childAbs = path.join(dir, entry.name);
    if (existsSync(path.join(childAbs, 'rule.ts'))) out.push(childRel);
    out.push(...roomsOnDisk(childAbs, childRel));
  }
  return out.sort();
}

/** Lines of a Markdown file with fenced code blocks blanked, so `#` inside code is not a heading. */
function proseLines(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (line.startsWith('```')) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

/** The first ```python block between two markers of a doc (line indexes into the doc). */
function pythonBlock(lines: string[], from: number, to: number): string | null {
  for (let i = from; i < to; i++) {
    if (lines[i]?.trim() !== '```python') continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    if (end < 0 || end > to) return null;
    return lines.slice(i + 1, end).join('\n') + '\n';
  }
  return null;
}

interface Room {
  rule: Rule;
  room: string;
  dir: string;
}

const rooms: Room[] = RULES.map((rule) => {
  const room = RULE_ROOMS[rule.code] ?? '';
  return { rule, room, dir: path.join(AUDITS, room) };
});

describe('registry', () => {
  test('every rule\'s metadata passes RuleMetaSchema', () => {
    for (const rule of RULES) {
      const { check: _check, prefilter: _prefilter, ...meta } = rule;
      const result = RuleMetaSchema.safeParse(meta);
      expect(result.success, `${rule.code}: fix its defineRule({...}) metadata: ${result.error?.message ?? ''}`).toBe(true);
    }
  });

  test('codes are unique and look like CATEGORY + 3 digits', () => {
    const codes = RULES.map((r) => r.code);
    expect(codes.filter((c, i) => codes.indexOf(c) !== i), 'two rules share a code; codes are never reused, pick the next free one').toEqual([]);
    expect(codes.filter((c) => !/^[A-Z]+\d{3}$/.test(c)), 'codes are an upper-case prefix plus three digits, like LOAD001').toEqual([]);
  });

  test('names are unique and kebab-case', () => {
    const names = RULES.map((r) => r.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i), 'two rules share a name; name each after the pattern it flags').toEqual([]);
    expect(
      names.filter((n) => !/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/.test(n)),
      'rule names are kebab-case and name the flagged pattern, like `manual-model-load`',
    ).toEqual([]);
  });

  test('every room on disk is registered, and every registered rule has a room', () => {
    const registered = Object.values(RULE_ROOMS).sort();
    const onDisk = roomsOnDisk();
    expect(
      onDisk.filter((r) => !registered.includes(r)),
      'these audits/ folders hold a rule.ts that is not in RULES; import it in audits/index.ts and add it to RULES (`npm run new-rule` does both for a new room)',
    ).toEqual([]);
    expect(
      registered.filter((r) => !onDisk.includes(r)),
      'these rules are not in audits/<category>/<name>/rule.ts; move the room, or fix the category or name in its defineRule({...})',
    ).toEqual([]);
  });

  test('defineRule checks what RuleMetaSchema checks, without zod', () => {
    expect([...RULE_META_KEYS].sort(), 'RULE_META_KEYS (src/schemas/rule-values.ts) must list the keys of RuleMetaSchema').toEqual(
      Object.keys(RuleMetaSchema.shape).sort(),
    );
    const { check: _check, prefilter: _prefilter, ...meta } = RULES[0] as Rule;
    const broken: Record<string, unknown>[] = [
      { code: 'LOAD1' }, { name: 'Bad_Name' }, { category: 'widgets' }, { severity: 'fatal' }, { status: 'beta' },
      { since: 'v1' }, { summary: 'short' }, { languages: [] }, { languages: ['cobol'] }, { triggers: ['x'] },
      { requires: [''] }, { messages: { id: 'x' } }, { phase: 'later' }, { fix: 'maybe' }, { extra: true },
    ];
    for (const change of broken) {
      const variant = { ...meta, ...change };
      expect(RuleMetaSchema.safeParse(variant).success, JSON.stringify(change)).toBe(false);
      expect(ruleMetaProblems(variant), JSON.stringify(change)).toHaveLength(1);
      expect(() => defineRule({ ...variant, check: () => undefined } as Parameters<typeof defineRule>[0]), JSON.stringify(change)).toThrow(
        `rule ${String(variant.code)} (${String(variant.name)}): invalid metadata: ${Object.keys(change)[0] ?? ''}`,
      );
    }
    expect(ruleMetaProblems(meta)).toEqual([]);
  });

  test('each category uses one code prefix, and no two categories share one', () => {
    const prefixOf = (code: string) => code.replace(/\d+$/, '');
    const byCategory = new Map<string, Set<string>>();
    for (const r of RULES) byCategory.set(r.category, (byCategory.get(r.category) ?? new Set()).add(prefixOf(r.code)));
    const mixed = [...byCategory].filter(([, prefixes]) => prefixes.size > 1).map(([c, p]) => `${c}: ${[...p].join(', ')}`);
    expect(mixed, 'a category has rules with different code prefixes; give every rule of a category the same prefix').toEqual([]);
    const owners = new Map<string, string[]>();
    for (const [category, prefixes] of byCategory) for (const p of prefixes) owners.set(p, [...(owners.get(p) ?? []), category]);
    const shared = [...owners].filter(([, cats]) => cats.length > 1).map(([p, cats]) => `${p}: ${cats.join(', ')}`);
    expect(shared, 'two categories use the same code prefix; each category needs its own').toEqual([]);
  });
});

describe.each(rooms.map((r) => [`${r.rule.code} ${r.rule.name}`, r] as const))('%s', (_title, { rule, room, dir }) => {
  test('lives in audits/<category>/<name>/ and that room exports it', async () => {
    const mod = (await import(pathToFileURL(path.join(dir, 'rule.ts')).href)) as { default?: Rule };
    expect(mod.default?.code, `audits/${room}/rule.ts must \`export default defineRule({ code: '${rule.code}', … })\``).toBe(rule.code);
  });

  test('has rule.md with the fixed headings in order', () => {
    const file = path.join(dir, 'rule.md');
    expect(existsSync(file), `write audits/${room}/rule.md; \`provenant explain ${rule.code}\` prints it`).toBe(true);
    const lines = proseLines(readFileSync(file, 'utf8'));
    expect(lines[0], `the first line of audits/${room}/rule.md must be the title`).toBe(`# ${rule.name} (${rule.code})`);
    const headings = lines.filter((l) => /^#{1,6} /.test(l)).slice(1);
    expect(headings, `audits/${room}/rule.md needs exactly these headings, in this order`).toEqual(HEADINGS);
    const example = lines.indexOf('## Example');
    const options = lines.indexOf('## Options');
    const useInstead = lines.indexOf(USE_INSTEAD);
    expect(
      useInstead > example && useInstead < options,
      `put a line \`${USE_INSTEAD}\` followed by a \`\`\`python block between "## Example" and "## Options" of audits/${room}/rule.md`,
    ).toBe(true);
  });

  test('says under "What it does" whether it has a fix and how safe it is, as its metadata does', () => {
    const lines = proseLines(readFileSync(path.join(dir, 'rule.md'), 'utf8'));
    const section = lines.slice(lines.indexOf('## What it does') + 1, lines.indexOf('## Why is this bad?'));
    const stated = section.flatMap((l) => /^Fix: (none|safe or unsafe|safe|unsafe)\b/.exec(l)?.[1] ?? []);
    const expected = rule.fix === undefined ? 'none' : rule.fix === 'safe-or-unsafe' ? 'safe or unsafe' : rule.fix;
    expect(
      stated,
      `end "## What it does" of audits/${room}/rule.md with one paragraph starting \`Fix: ${expected}.\` (the rule's \`fix\` metadata: ${rule.fix ?? 'unset'}), saying what the fix does and why it is that safe`,
    ).toEqual([expected]);
  });

  test('documents only real config keys under Options', () => {
    const lines = proseLines(readFileSync(path.join(dir, 'rule.md'), 'utf8'));
    const section = lines.slice(lines.indexOf('## Options') + 1, lines.indexOf('## Known problems'));
    const keys = section.flatMap((l) => [...l.matchAll(/^- `([a-z][a-z-]*)`|, `([a-z][a-z-]*)`:/g)].map((m) => m[1] ?? m[2] ?? ''));
    expect(keys.length, `list the config keys that affect ${rule.code} under "## Options" as "- \`key\`: …"`).toBeGreaterThan(0);
    expect(
      keys.filter((k) => !(CONFIG_KEYS as string[]).includes(k)),
      `audits/${room}/rule.md names options that are not config keys (see src/schemas/config.ts)`,
    ).toEqual([]);
  });

  test('has fixtures: bad.py with an `# expect:`, good.py and provenant.toml', () => {
    const fixtures = path.join(dir, 'fixtures');
    for (const name of ['bad.py', 'good.py', 'provenant.toml']) {
      expect(existsSync(path.join(fixtures, name)), `create audits/${room}/fixtures/${name}`).toBe(true);
    }
    const expects = annotationsIn(readFileSync(path.join(fixtures, 'bad.py'), 'utf8'), 'bad.py').filter(
      (a) => a.kind === 'expect' && a.code === rule.code,
    );
    expect(expects.length, `annotate at least one line of audits/${room}/fixtures/bad.py with \`# expect: ${rule.code}\``).toBeGreaterThan(0);
  });

  test.runIf(rule.languages.includes('typescript') || rule.languages.includes('javascript'))(
    'runs on TS/JS, so has fixtures bad.ts with an `// expect:` and good.ts',
    () => {
      const fixtures = path.join(dir, 'fixtures');
      for (const name of ['bad.ts', 'good.ts']) {
        expect(existsSync(path.join(fixtures, name)), `create audits/${room}/fixtures/${name} (the rule declares TS/JS)`).toBe(true);
      }
      const text = readFileSync(path.join(fixtures, 'bad.ts'), 'utf8').replace(/^(\s*)\/\//gm, '$1#');
      const expects = annotationsIn(text, 'bad.ts').filter((a) => a.kind === 'expect' && a.code === rule.code);
      expect(expects.length, `annotate at least one line of audits/${room}/fixtures/bad.ts with \`// expect: ${rule.code}\``).toBeGreaterThan(0);
    },
  );
});

describe('rule.md examples run', () => {
  const temps: string[] = [];
  afterAll(() => {
    for (const t of temps) rmSync(t, { recursive: true, force: true });
  });

  /** The doc's block as the only file of a project configured like the room's fixtures. */
  async function findingsFor(rule: Rule, fixtures: string, source: string): Promise<string[]> {
    const code = rule.code;
    const dir = mkdtempSync(path.join(os.tmpdir(), `provenant-${code}-`));
    temps.push(dir);
    writeFileSync(path.join(dir, 'example.py'), source);
    copyFileSync(path.join(fixtures, 'provenant.toml'), path.join(dir, 'provenant.toml'));
    // a rule without triggers only sees the files other rules select, as in a default audit
    const select = rule.triggers.length ? [code] : ['ALL'];
    const result = await audit({ paths: [dir], cwd: dir, configPath: path.join(dir, 'provenant.toml'), select });
    return result.findings.filter((f) => f.code === code).map((f) => `example.py:${f.span.line}: ${f.message}`);
  }

  // SCRIPT rules are about other files (the scripts a command runs), which a single block cannot hold;
  // their fixtures carry the scripts, so rules.test.ts covers them instead.
  const runnable = rooms.filter(({ rule }) => rule.category !== 'scripts');

  test.each(runnable.map((r) => [r.rule.code, r] as const))('%s: Example triggers it and Use instead does not', async (_code, { rule, room, dir }) => {
    const doc = readFileSync(path.join(dir, 'rule.md'), 'utf8').split('\n');
    const example = doc.indexOf('## Example');
    const useInstead = doc.indexOf(USE_INSTEAD);
    const options = doc.indexOf('## Options');
    const bad = pythonBlock(doc, example, useInstead);
    const good = pythonBlock(doc, useInstead, options);
    expect(bad, `add a \`\`\`python block under "## Example" in audits/${room}/rule.md`).not.toBeNull();
    expect(good, `add a \`\`\`python block after "${USE_INSTEAD}" in audits/${room}/rule.md`).not.toBeNull();
    const fixtures = path.join(dir, 'fixtures');
    expect(
      (await findingsFor(rule, fixtures, bad ?? '')).length,
      `the Example of audits/${room}/rule.md must trigger ${rule.code}; make it show the pattern the rule flags`,
    ).toBeGreaterThan(0);
    expect(
      await findingsFor(rule, fixtures, good ?? ''),
      `the Use instead block of audits/${room}/rule.md must not trigger ${rule.code}`,
    ).toEqual([]);
  });
});
