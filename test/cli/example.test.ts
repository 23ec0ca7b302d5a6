import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audit } from '../../src/index.js';
import { REPO } from '../helpers/exec.js';
import { useExampleCopy } from '../helpers/tmp.js';

const EXAMPLE = path.join(REPO, 'examples', 'stage1-lab');

/** `path:line CODE  reason` lines before `# traps`. */
function expected(): string[] {
  const text = readFileSync(path.join(REPO, 'test', 'fixtures', 'stage1-lab.expected.txt'), 'utf8');
  const body = text.split(/^# traps$/m)[0] ?? '';
  return body
    .split('\n')
    .map((l) => /^(\S+:\d+) ([A-Z]+\d{3})\b/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${m[1]} ${m[2]}`)
    .sort();
}

function traps(): string[] {
  const text = readFileSync(path.join(REPO, 'test', 'fixtures', 'stage1-lab.expected.txt'), 'utf8');
  const tail = text.split(/^# traps$/m)[1] ?? '';
  return tail
    .split('\n')
    .map((l) => /^(\S+:\d+)\s/.exec(l)?.[1])
    .filter((x): x is string => Boolean(x));
}

const COPY = useExampleCopy();

describe('examples/stage1-lab', () => {
  it('reports exactly the seeded defects (configured)', async () => {
    // a copy laid out as in the repository: the audit runs with the cache on, which would write .provenant/ into the example
    const result = await audit({ paths: [COPY.dir], cwd: COPY.root });
    const got = result.findings.map((f) => `${f.path}:${f.span.line} ${f.code}`).sort();
    expect(got).toEqual(expected());
    const trapLines = new Set(traps());
    expect(result.findings.filter((f) => trapLines.has(`${f.path}:${f.span.line}`))).toEqual([]);
  });

  it('finds the same defects with zero config (inferred loader, models classified by name)', async () => {
    // a copy outside this repository, so the project root is the example itself, as in a user's clone
    const copy = mkdtempSync(path.join(os.tmpdir(), 'stage1-lab-'));
    cpSync(EXAMPLE, copy, { recursive: true });
    const result = await audit({ paths: [copy], cwd: copy, isolated: true });
    rmSync(copy, { recursive: true, force: true });
    expect(result.sanctioned.map((l) => l.name)).toEqual(['utils.clean_model_loader.CleanModelLoader']);
    const got = result.findings.map((f) => `${f.path}:${f.span.line} ${f.code}`).sort();
    expect(got).toEqual(expected());
  });
});
