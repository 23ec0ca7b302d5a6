import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import local from './eslint/layers.js';

// git is reached through src/core/git.ts alone: one environment scrub, one set of messages.
const GIT_IMPORT = { name: 'simple-git', message: 'reach git through src/core/git.ts' };
const GIT_SYNTAX = [
  { selector: "ImportExpression[source.value='simple-git']", message: 'reach git through src/core/git.ts' },
  {
    selector: "CallExpression[callee.name=/^(spawn|spawnSync|exec|execSync|execFile|execFileSync|fork)$/][arguments.0.value='git']",
    message: 'start git through src/core/git.ts (gitRunner, gitSync)',
  },
  {
    selector: "CallExpression[callee.property.name=/^(spawn|spawnSync|exec|execSync|execFile|execFileSync|fork)$/][arguments.0.value='git']",
    message: 'start git through src/core/git.ts (gitRunner, gitSync)',
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'examples/**', 'audits/**/fixtures/**', 'coverage/**', 'bench/corpus/trees/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // no import runs back up the layers (eslint/layers.js lists them)
    files: ['src/**/*.ts', 'src/**/*.tsx', 'audits/**/*.ts'],
    plugins: { local },
    rules: { 'local/layers': 'error' },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/core/git.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: [GIT_IMPORT] }],
      'no-restricted-syntax': ['error', ...GIT_SYNTAX],
    },
  },
  {
    // near-duplicate search sits below the audit and the registry, which both call it
    files: ['src/similarity/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [GIT_IMPORT],
        patterns: [{ group: ['**/audit/**', '**/registry/**', '**/provenance/**', '**/pipeline/**', '**/ui/**', '**/cli/**'], message: 'src/similarity/ sits below audit/ and registry/: pass what it needs in' }],
      }],
      'no-restricted-syntax': ['error', ...GIT_SYNTAX, {
        selector: 'ImportExpression[source.value=/\\/(audit|registry|provenance|pipeline|ui|cli)\\//]',
        message: 'src/similarity/ sits below audit/ and registry/: pass what it needs in',
      }],
    },
  },
  {
    // the CLI's entry: CommonJS (bin/package.json), so that `provenant audit` starts without the ES module loader
    files: ['bin/provenant.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/cli/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['node:fs', 'fs', 'node:fs/promises', 'better-sqlite3', GIT_IMPORT, 'web-tree-sitter'],
        patterns: ['**/analysis/**', '**/store/**'],
      }],
    },
  },
  {
    // the audit reaches the languages only through the seam: analysis/*.ts (front-ends.ts, facts.ts, ...);
    // a front end's own folder is its business. Tests may use a front end directly.
    files: ['src/audit/**/*.ts'],
    ignores: ['src/audit/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [GIT_IMPORT],
        patterns: [{ group: ['**/analysis/*/**'], message: 'import the front-end seam (src/analysis/*.ts), not a front end\'s internals' }],
      }],
      // nor by a dynamic import, which no-restricted-imports does not see
      'no-restricted-syntax': ['error', ...GIT_SYNTAX, {
        selector: 'ImportExpression[source.value=/analysis\\/[^/]+\\//]',
        message: 'load a front end through the front-end seam (src/analysis/front-ends.ts), not by importing its internals',
      }],
    },
  },
);
