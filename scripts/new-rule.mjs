#!/usr/bin/env node
/**
 * `npm run new-rule -- <category>/<name>`: scaffolds a rule's room and registers it. Writes
 * audits/<category>/<name>/rule.ts (the next free code of the category, a working placeholder check),
 * rule.md with the headings the catalog test asks for, fixtures/{bad.py,good.py,provenant.toml}, and
 * adds the import and the RULES entry to audits/index.ts after the rules of its category. The new rule
 * passes the catalog and fixture tests as it stands; replace the placeholder (`replace_me`) with the
 * pattern the rule is about.
 *
 *   npm run new-rule -- tokens/eos-token-missing
 *   node scripts/new-rule.mjs --root /tmp/copy tokens/eos-token-missing   # another checkout
 *
 * Exit 0 when the room was written, 2 for a bad argument (unknown category, a name taken).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const USAGE = 'usage: npm run new-rule -- <category>/<name>   (e.g. tokens/eos-token-missing)';
const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const PLACEHOLDER = 'replace_me';

class UsageError extends Error {}

function main() {
  const { values, positionals } = parseArgs({ options: { root: { type: 'string' }, help: { type: 'boolean' } }, allowPositionals: true });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const root = path.resolve(values.root ?? path.join(path.dirname(fileURLToPath(import.meta.url)), '..'));
  const written = scaffold(root, positionals[0]);
  console.log(`created ${written.code} ${written.room}:`);
  for (const file of written.files) console.log(`  ${file}`);
  console.log('registered in audits/index.ts');
  console.log(`next: write the check in ${written.files[0]}, the fixtures, and rule.md; then npx vitest run test/catalog.test.ts test/rules.test.ts`);
}

/** Writes the room of `spec` (`category/name`) under `root`/audits and registers it; returns what it wrote. */
export function scaffold(root, spec) {
  const audits = path.join(root, 'audits');
  const [category, name, ...rest] = spec.split('/');
  if (category === undefined || name === undefined || rest.length > 0) throw new UsageError(`${spec}: expected <category>/<name>\n${USAGE}`);
  const categories = readdirSync(audits, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && roomsOf(path.join(audits, entry.name)).length > 0)
    .map((entry) => entry.name)
    .sort();
  if (!categories.includes(category)) throw new UsageError(`${category}: not a rule category; one of ${categories.join(', ')}`);
  if (!NAME.test(name)) throw new UsageError(`${name}: a rule name is kebab-case and names the flagged pattern, like manual-model-load`);
  const dir = path.join(audits, category, name);
  if (existsSync(dir)) throw new UsageError(`audits/${category}/${name} already exists`);
  const code = nextCode(path.join(audits, category));

  const files = {
    'rule.ts': ruleTs(code, category, name, version(root)),
    'rule.md': ruleMd(code, name),
    'fixtures/bad.py': `"""Code that ${code} flags: rewrite with the pattern the rule is about."""\n\n\ndef run():\n    # expect: ${code}@5\n    ${PLACEHOLDER}()\n`,
    'fixtures/good.py': `"""Code that ${code} leaves alone: rewrite with what the rule's doc says to do instead."""\n\n\ndef run():\n    keep_me()\n`,
    'fixtures/provenant.toml': `# the settings ${code}'s fixtures are audited with\n`,
  };
  mkdirSync(path.join(dir, 'fixtures'), { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text, { flag: 'wx' });
  register(path.join(audits, 'index.ts'), category, name);
  return { code, room: `audits/${category}/${name}`, files: Object.keys(files).map((file) => `audits/${category}/${name}/${file}`) };
}

/** The room folders of a category (those holding a rule.ts). */
function roomsOf(categoryDir) {
  return readdirSync(categoryDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(categoryDir, entry.name, 'rule.ts')))
    .map((entry) => entry.name);
}

/** The category's code prefix and the next number after its highest code. */
function nextCode(categoryDir) {
  const codes = roomsOf(categoryDir).flatMap((room) => {
    const match = /\bcode:\s*'([A-Z]+)(\d{3})'/.exec(readFileSync(path.join(categoryDir, room, 'rule.ts'), 'utf8'));
    return match ? [{ prefix: match[1], number: Number(match[2]) }] : [];
  });
  if (codes.length === 0) throw new UsageError(`${path.basename(categoryDir)}: no rule to take the code prefix from`);
  const next = Math.max(...codes.map((c) => c.number)) + 1;
  return `${codes[0].prefix}${String(next).padStart(3, '0')}`;
}

function version(root) {
  return JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version;
}

function camel(name) {
  return name.replace(/-([a-z0-9])/g, (_, char) => char.toUpperCase());
}

/** Adds the import and the RULES entry after the last ones of the same category. */
function register(indexFile, category, name) {
  const lines = readFileSync(indexFile, 'utf8').split('\n');
  const ident = camel(name);
  const imports = lines.flatMap((line, i) => {
    const match = /^import (\w+) from '\.\/([^/]+)\/[^/]+\/rule\.js';$/.exec(line);
    return match ? [{ i, ident: match[1], category: match[2] }] : [];
  });
  const own = imports.filter((entry) => entry.category === category);
  const lastImport = (own.at(-1) ?? imports.at(-1))?.i;
  if (lastImport === undefined) throw new Error(`${indexFile}: no rule imports to add to`);
  const start = lines.findIndex((line) => line.startsWith('export const RULES'));
  const end = lines.findIndex((line, i) => i > start && line.startsWith(']'));
  if (start < 0 || end < 0) throw new Error(`${indexFile}: no RULES list`);
  const owned = new Set(own.map((entry) => entry.ident));
  let at = end;
  for (let i = start + 1; i < end; i++) if (owned.has(lines[i].trim().replace(/,$/, ''))) at = i + 1;
  lines.splice(at, 0, `  ${ident},`);
  lines.splice(lastImport + 1, 0, `import ${ident} from './${category}/${name}/rule.js';`);
  writeFileSync(indexFile, lines.join('\n'));
}

function ruleTs(code, category, name, since) {
  return `/**
 * ${code} (${name}): flags calls to \`${PLACEHOLDER}()\`, a placeholder. Say here what the rule flags and
 * how it reads the facts.
 */

import { defineRule } from '../../../src/audit/rule.js';

export default defineRule({
  code: '${code}',
  name: '${name}',
  category: '${category}',
  severity: 'warning',
  status: 'preview',
  since: '${since}',
  summary: 'Flags calls to \`${PLACEHOLDER}()\` (a placeholder: say what the rule flags).',
  languages: ['python'],
  triggers: ['${PLACEHOLDER}'],
  messages: {
    call: '\`{{callee}}\` is called here (a placeholder message: say what is wrong and why)',
  },
  check(ctx) {
    for (const call of ctx.file.calls) {
      if (call.callee === '${PLACEHOLDER}') ctx.report({ span: call.span, messageId: 'call', data: { callee: call.callee } });
    }
  },
});
`;
}

function ruleMd(code, name) {
  return `# ${name} (${code})

## What it does
Flags calls to \`${PLACEHOLDER}()\` (a placeholder: say what the rule flags, and what it leaves alone).

Fix: none. Say here what \`--fix\` would write, once the rule has a fix (and set its \`fix\` metadata).

## Why is this bad?
Say what goes wrong in a training or evaluation run when the pattern is there.

## Example
\`\`\`python
${PLACEHOLDER}()
\`\`\`

Use instead:
\`\`\`python
keep_me()
\`\`\`

## Options
- \`severity\`: the rule reports warnings; \`{ ${code} = "error" }\` makes it a failure.

## Known problems
- Say what the rule misses and what it may flag wrongly.

## References
- Link what the rule is based on.
`;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`new-rule: ${error.message}`);
    process.exitCode = 2;
  }
}
