import { beforeAll, describe, expect, it } from 'vitest';
import { BugError } from '../../core/errors.js';
import { extractLauncherFacts, languageForPath, loadYamlFrontEnd } from './index.js';

describe('languageForPath', () => {
  it.each([
    ['scripts/run.sh', 'shell'],
    ['tools/x.bash', 'shell'],
    ['RUN.SH', 'shell'],
    ['Makefile', 'make'],
    ['sub/makefile', 'make'],
    ['GNUmakefile', 'make'],
    ['mk/rules.mk', 'make'],
    ['.github/workflows/ci.yml', 'yaml'],
    ['configs/a.yaml', 'yaml'],
    ['train.py', null],
    ['Makefile.bak', null],
    ['my.makefile', null],
    ['shell', null],
  ])('%s → %s', (path, language) => {
    expect(languageForPath(path)).toBe(language);
  });
});

describe('extractLauncherFacts', () => {
  beforeAll(loadYamlFrontEnd);
  it('dispatches on the path', () => {
    const source = 'all:\n\tpython x.py\n';
    expect(extractLauncherFacts('python x.py\n', 'a.sh')).toMatchObject({ language: 'shell', scriptCalls: [{ via: 'shell' }] });
    expect(extractLauncherFacts(source, 'Makefile')).toMatchObject({ language: 'make', scriptCalls: [{ via: 'make' }] });
    expect(extractLauncherFacts('run: python x.py\n', 'ci.yml')).toMatchObject({ language: 'yaml', scriptCalls: [{ via: 'yaml' }] });
  });

  it('refuses files that are not launchers', () => {
    expect(() => extractLauncherFacts('print(1)', 'x.py')).toThrow(BugError);
  });

  it('returns plain JSON-serialisable facts', () => {
    const facts = extractLauncherFacts('run: |\n  python x.py\n', 'ci.yml');
    expect(JSON.parse(JSON.stringify(facts))).toEqual(facts);
  });
});
