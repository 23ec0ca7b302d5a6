import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
    // the CLI's entry: CommonJS (bin/package.json), so that `provenant audit` starts without the ES module loader
    files: ['bin/provenant.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['src/cli/commands/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['node:fs', 'fs', 'node:fs/promises', 'better-sqlite3', 'simple-git', 'web-tree-sitter'],
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
        patterns: [{ group: ['**/analysis/*/**'], message: 'import the front-end seam (src/analysis/*.ts), not a front end\'s internals' }],
      }],
      // nor by a dynamic import, which no-restricted-imports does not see
      'no-restricted-syntax': ['error', {
        selector: 'ImportExpression[source.value=/analysis\\/[^/]+\\//]',
        message: 'load a front end through the front-end seam (src/analysis/front-ends.ts), not by importing its internals',
      }],
    },
  },
);
