/**
 * DUP001 (near-duplicate-function): flags a function that nearly duplicates a canonical implementation (and, in
 * preview, any other function).
 * The engine compares functions across files and hands each file its best matches (`ctx.duplicates`); the
 * rule only words the finding.
 */

import { defineRule } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'DUP001',
  name: 'near-duplicate-function',
  category: 'dup',
  severity: 'warning',
  status: 'stable',
  since: '0.1.0',
  summary: 'A function nearly duplicates a canonical implementation or another function of the project.',
  languages: ['python'],
  // no triggers: the files compared are those other rules parse, or the whole project when it keeps a
  // registry (the engine's function index decides, see rule.md)
  triggers: [],
  phase: 'project',
  messages: {
    canonical:
      '`{{name}}` nearly duplicates `{{other}}` in {{path}}:{{line}} ({{similarity}}%), the canonical implementation{{capability}}; call it instead of keeping a copy',
    duplicate: '`{{name}}` nearly duplicates `{{other}}` in {{path}}:{{line}} ({{similarity}}%); keep one implementation and call it from both places',
  },
  check(ctx) {
    for (const d of ctx.duplicates) {
      // a copy of any other function is often deliberate (a model-specific patch, a script kept
      // self-contained): reported in preview only; a copy of a canonical implementation always
      if (!d.of.canonical && !ctx.preview) continue;
      const capability = d.of.canonicalFor.length ? ` for ${d.of.canonicalFor.map((c) => `"${c}"`).join(', ')}` : '';
      ctx.report({
        span: { line: d.line, col: d.col, endLine: d.line, endCol: d.col },
        messageId: d.of.canonical ? 'canonical' : 'duplicate',
        // a function of a notebook is found by its cell, as the text report places findings (`nb.ipynb:cell 4:1`)
        data: { name: d.qualname, other: d.of.qualname, path: d.of.path, line: d.of.cell ? `cell ${d.of.cell.index}:${d.of.cell.line}` : String(d.of.line), similarity: String(d.similarity), capability },
      });
    }
  },
});
