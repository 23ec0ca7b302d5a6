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
    unanalysed: '{{message}}: the file was not analysed, so no other rule checked it',
    yaml: 'the YAML reader stopped at this line ({{message}}), so script calls after it may be missed; loaders such as PyYAML can be more lenient, so the file may well be valid',
  },
  check(ctx) {
    if (ctx.file.language === 'yaml') {
      // the YAML reader is stricter than PyYAML and Hydra, which accept plain scalars folded over less
      // indented lines and custom tags: whether the file is broken cannot be told, only that the reading
      // stopped, once per file and at info
      const first = ctx.file.parseErrors[0];
      if (first) ctx.report({ span: first.span, messageId: 'yaml', data: { message: first.message }, severity: 'info' });
      return;
    }
    // the parser's later errors on a line follow from its first (a shell command in a Python cell breaks at
    // every word): one finding per line
    const lines = new Set<number>();
    for (const e of ctx.file.parseErrors) {
      if (lines.has(e.span.line)) continue;
      lines.add(e.span.line);
      ctx.report({ span: e.span, messageId: e.unanalysed ? 'unanalysed' : 'syntax', data: { message: e.message } });
    }
  },
});
