/**
 * The registry across languages: a Python launcher that runs TS scripts (`node`, `npx tsx`), a TS
 * script that spawns a Python one, and a shell launcher running `tsx`; each shows up as the other's
 * dependent, and the TS scripts keep their purpose and CLI options.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncRegistry, type RegistryEntry, type SyncResult } from '../../src/index.js';
import { tmpProject } from '../helpers/tmp.js';

const FILES: Record<string, string> = {
  'provenant.toml': '[registry]\ninclude = ["**/*.py", "**/*.sh", "**/*.ts", "**/*.mjs"]\n',
  'pipeline.py': [
    '"""Runs stage 1 end to end."""',
    'import subprocess',
    '',
    'subprocess.run(["node", "scripts/gen.ts", "--n", "8"], check=True)',
    'subprocess.run("npx tsx scripts/pairs.mjs", shell=True, check=True)',
    '',
  ].join('\n'),
  'scripts/gen.ts': [
    '/** Generates instructions with the base model. */',
    "import { spawnSync } from 'node:child_process';",
    "import { parseArgs } from 'node:util';",
    "const { values } = parseArgs({ options: { n: { type: 'string', default: '4' } } });",
    "spawnSync('python', ['scripts/filter.py', '--n', String(values.n)]);",
    '',
  ].join('\n'),
  'scripts/pairs.mjs': '// Builds preference pairs.\nexport const pairs = [];\n',
  'scripts/filter.py': '"""Filters generated instructions."""\n',
  'run.sh': '#!/bin/sh\n# Runs the pair builder.\ntsx --tsconfig tsconfig.json scripts/pairs.mjs\n',
};

let result: SyncResult;
let cleanup: () => void;
beforeAll(async () => {
  const p = tmpProject(FILES);
  cleanup = p.cleanup;
  result = await syncRegistry({ cwd: p.dir });
});
afterAll(() => cleanup());

function entry(p: string): RegistryEntry {
  const found = result.entries.find((e) => e.path === p);
  if (!found) throw new Error(`${p} is not registered: ${result.entries.map((e) => e.path).join(', ')}`);
  return found;
}

describe('dependents across languages', () => {
  it('a Python launcher runs TS/JS scripts through node and npx tsx', () => {
    expect(entry('pipeline.py').runs).toEqual(['scripts/gen.ts', 'scripts/pairs.mjs']);
    expect(entry('scripts/gen.ts').dependents).toEqual([{ path: 'pipeline.py', via: 'subprocess', line: 4 }]);
    expect(entry('scripts/pairs.mjs').dependents.map((d) => [d.path, d.line])).toEqual([
      ['pipeline.py', 5],
      ['run.sh', 3],
    ]);
  });

  it('a TS script that spawns a Python script is its dependent', () => {
    expect(entry('scripts/gen.ts').runs).toEqual(['scripts/filter.py']);
    expect(entry('scripts/filter.py').dependents).toEqual([{ path: 'scripts/gen.ts', via: 'subprocess', line: 5 }]);
  });

  it('keeps the TS script’s purpose and options', () => {
    const gen = entry('scripts/gen.ts');
    expect(gen.purpose).toBe('Generates instructions with the base model.');
    expect(gen.cli?.args.map((a) => [a.flags, a.default])).toEqual([[['--n'], '"4"']]);
  });
});
