/**
 * PARSE001 (syntax-error): reports Python and YAML files that do not parse completely, where parsing
 * recovered. With no triggers of its own it sees the Python files other rules select; YAML launchers are
 * always parsed.
 */

import { defineRule } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'PARSE001',
  name: 'syntax-error',
  category: 'engine',
  severity: 'warning',
  status: 'stable',
  since: '0.1.0',
  summary: 'A file could not be parsed completely; the rest of it was still analysed.',
  languages: ['python', 'yaml', 'typescript', 'javascript'],
  triggers: [],
  messages: {
    syntax: '{{message}}; the rest of the file was still analysed',
  },
  check(ctx) {
    for (const e of ctx.file.parseErrors) ctx.report({ span: e.span, messageId: 'syntax', data: { message: e.message } });
  },
});
