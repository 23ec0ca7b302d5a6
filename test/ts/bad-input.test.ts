/**
 * TS/JS input an audit must survive: syntax errors (reported, the rest still analysed), declaration
 * files and machine-written bundles (skipped with a reason), a broken tsconfig.json (default options and
 * a warning naming the file), and `paths` aliases from a working one. Runs the built CLI on temp projects.
 */
import { describe, expect, it } from 'vitest';
import { provenant } from '../helpers/exec.js';
import { useTmpProjects } from '../helpers/tmp.js';

const CONFIG = 'include = ["**/*.py", "**/*.ts", "**/*.tsx", "**/*.js", "**/*.mjs", "**/*.cjs"]\nbase-models = ["Qwen/Qwen2.5-7B"]\n';
const LOAD = "import { AutoTokenizer } from '@huggingface/transformers';\nexport const tok = await AutoTokenizer.from_pretrained('Qwen/Qwen2.5-7B');\n";

const project = useTmpProjects({ 'provenant.toml': CONFIG });

interface Report {
  findings: { code: string; path: string; span: { line: number }; message: string }[];
  skipped: { path: string; reason: string }[];
  warnings: string[];
}

function auditJson(dir: string, ...args: string[]): { code: number | null; report: Report; stderr: string } {
  const r = provenant(['audit', '--format', 'json', ...args], dir);
  return { code: r.code, report: JSON.parse(r.stdout) as Report, stderr: r.stderr };
}

describe('TS/JS bad input', () => {
  it('reports a syntax error as PARSE001 and still analyses the rest of the file', () => {
    const dir = project({
      'gen.ts': `${LOAD}if (tok.kind = = 'sft') {\n  console.log('x');\n}\nconst again = await AutoTokenizer.from_pretrained('Qwen/Qwen2.5-7B');\n`,
    });
    const { code, report } = auditJson(dir);
    expect(code).toBe(1);
    const got = report.findings.map((f) => [f.code, f.span.line]);
    expect(got).toContainEqual(['PARSE001', 3]);
    // loads before and after the broken line are both found
    expect(got).toContainEqual(['LOAD001', 2]);
    expect(got).toContainEqual(['LOAD001', 6]);
    expect(report.findings.find((f) => f.code === 'PARSE001')?.message).toMatch(/^syntax error: /);
  });

  it('skips declaration files and minified bundles with a reason, and finds nothing in them', () => {
    const minified = `${LOAD.replace(/\n/g, ';')}${'var a=1;'.repeat(1_000)}\n`;
    const bundle = `/*! webpackBootstrap */\n${"const x = require('@huggingface/transformers');\n".repeat(5_000)}`;
    const dir = project({
      'types/index.d.ts': `declare module 'x' { export function from_pretrained(id: string): void; }\n${LOAD}`,
      'public/app.min.js': minified,
      'public/bundle.js': bundle,
      'src/ok.ts': 'export const ok = 1;\n',
    });
    const { code, report } = auditJson(dir);
    expect(code).toBe(0);
    expect(report.findings).toEqual([]);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.path, s.reason]));
    expect(reasons['types/index.d.ts']).toMatch(/^declaration file/);
    expect(reasons['public/app.min.js']).toMatch(/^minified or bundled \(a line of 8,\d{3} characters\)$/);
    expect(reasons['public/bundle.js']).toBe('generated bundle (its header says so)');
    expect(reasons['src/ok.ts']).toBeUndefined();
  });

  it('falls back to default options with a warning naming a broken tsconfig.json and its line', () => {
    const dir = project({
      'tsconfig.json': '{\n  // the lab config\n  "compilerOptions": {\n    "baseUrl": "."\n    "paths": {}\n  }\n}\n',
      'gen.ts': LOAD,
    });
    const { code, report, stderr } = auditJson(dir);
    // still audited: the load is found (at info, with no sanctioned loader to bypass)
    expect(code).toBe(0);
    expect(report.findings.map((f) => `${f.code} ${f.severity}`)).toEqual(['LOAD001 info']);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/^tsconfig\.json:5: .+; TS\/JS files are read with default compiler options$/);
    expect(stderr).toContain('warning: tsconfig.json:5: ');
    // a warm run still says so: the config is read whenever TS/JS is audited
    expect(auditJson(dir).report.warnings).toEqual(report.warnings);
  });

  it('resolves `paths` aliases, so a sanctioned loader imported through one is recognised', () => {
    const files = {
      'tsconfig.json': '{ "compilerOptions": { "baseUrl": ".", "paths": { "~lib/*": ["src/llm/*"], }, }, }\n',
      'src/llm/loader.ts': `import { getLlama } from 'node-llama-cpp';
export class CleanLoader {
  async load(modelPath: string) {
    return (await getLlama()).loadModel({ modelPath });
  }
}
`,
      'scripts/gen.ts': `import { CleanLoader } from '~lib/loader';
import { LlamaChatSession } from 'node-llama-cpp';
const model = await new CleanLoader().load('models/qwen2.5-7b-base.gguf');
const session = new LlamaChatSession({ contextSequence: (await model.createContext()).getSequence() });
`,
    };
    const dir = project({ ...files, 'provenant.toml': `${CONFIG}sanctioned-loaders = ["llm.loader.CleanLoader"]\n` });
    const { report } = auditJson(dir);
    expect(report.warnings).toEqual([]);
    const tmpl = report.findings.find((f) => f.code === 'TMPL001');
    // the file uses the sanctioned loader, which the rule can only know through the alias
    expect(tmpl?.message).toContain('the file uses the sanctioned loader `llm.loader.CleanLoader`');
    expect(report.findings.filter((f) => f.code === 'LOAD001')).toEqual([]);
  });
});
