/**
 * SUPP003 (unknown-suppression-code): flags a suppression comment naming no code, or a code no rule has. A
 * misspelt code silences nothing, so the finding it was meant for keeps failing.
 */

import { defineRule } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'SUPP003',
  name: 'unknown-suppression-code',
  category: 'suppression',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'A suppression comment names a rule code that does not exist.',
  languages: ['python', 'shell', 'make', 'yaml', 'typescript', 'javascript'],
  triggers: [],
  messages: {
    unknown: '`{{code}}` is not a provenant rule code; `provenant rules` lists them',
    empty: 'the suppression names no rule code; write `ignore[CODE] reason`',
  },
  check(ctx) {
    for (const s of ctx.file.suppressions) {
      if (!s.codes.length) ctx.report({ span: s.span, messageId: 'empty' });
      for (const code of s.codes) {
        if (!ctx.isKnownCode(code)) ctx.report({ span: s.span, messageId: 'unknown', data: { code } });
      }
    }
  },
});
