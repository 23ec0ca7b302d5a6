/** tsconfig.json reading: comments and trailing commas, `extends` within the project, `paths` patterns. */
import { afterEach, describe, expect, it } from 'vitest';
import { aliasStems, readScriptOptions, stripJsonc } from '../../src/analysis/typescript/tsconfig.js';
import { tmpProject } from '../helpers/tmp.js';

let cleanup: (() => void) | undefined;
afterEach(() => cleanup?.());

function root(files: Record<string, string>): string {
  const p = tmpProject(files);
  cleanup = p.cleanup;
  return p.dir;
}

describe('tsconfig.json', () => {
  it('strips comments and trailing commas but keeps strings and offsets', () => {
    const text = '{\n  // a\n  "u": "http://x/*y*/", /* b */\n  "l": [1, 2,],\n}\n';
    const out = stripJsonc(text);
    expect(out).toHaveLength(text.length);
    expect(JSON.parse(out)).toEqual({ u: 'http://x/*y*/', l: [1, 2] });
  });

  it('follows extends inside the project; the nearest paths win, relative to their own baseUrl', () => {
    const dir = root({
      'configs/base.json': '{ "compilerOptions": { "baseUrl": "..", "paths": { "@lib/*": ["lib/*", "vendor/*"] } } }',
      'tsconfig.json': '{ "extends": "./configs/base.json", "compilerOptions": { "strict": true } }',
    });
    const { options, warnings, source } = readScriptOptions(dir);
    expect(source).toBe('tsconfig.json');
    expect(warnings).toEqual([]);
    expect(aliasStems('@lib/critic', options)).toEqual(['lib/critic', 'vendor/critic']);
    expect(aliasStems('lodash', options)).toEqual([]);
  });

  it('warns about an extends that names no file, and falls back to no aliases', () => {
    const dir = root({ 'tsconfig.json': '{ "extends": "./missing.json", "compilerOptions": { "paths": { "~/*": ["src/*"] } } }' });
    const { options, warnings } = readScriptOptions(dir);
    expect(options.paths).toEqual([]);
    expect(warnings).toEqual(['tsconfig.json:1: `extends` names ./missing.json, which is not a file in the project; TS/JS files are read with default compiler options']);
  });

  it('matches exact and wildcard patterns in declaration order', () => {
    const options = { paths: [{ pattern: 'config', targets: ['src/config/index'] }, { pattern: '@/*', targets: ['src/*'] }] };
    expect(aliasStems('config', options)).toEqual(['src/config/index']);
    expect(aliasStems('@/a/b', options)).toEqual(['src/a/b']);
    expect(aliasStems('@x', options)).toEqual([]);
  });
});
