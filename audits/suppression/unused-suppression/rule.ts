/**
 * SUPP001 (unused-suppression): flags a suppression comment that silenced no finding on the lines it covers.
 * It runs after the file's other rules and suppressions; codes of rules not running on the file are never
 * called unused.
 */

import { defineRule } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'SUPP001',
  name: 'unused-suppression',
  category: 'suppression',
  severity: 'warning',
  status: 'stable',
  since: '0.1.0',
  summary: 'A suppression comment silences nothing: the problem it hid is gone, or the code is wrong.',
  languages: ['python', 'shell', 'make', 'yaml', 'typescript', 'javascript'],
  triggers: [],
  phase: 'after',
  messages: {
    unused: 'the suppression of {{codes}} silences nothing on this line; remove it',
  },
  check(ctx) {
    for (const s of ctx.file.suppressions) {
      const used = ctx.suppressionsUsed.get(s);
      // a code whose rule is not running here cannot be judged unused
      const unused = s.codes.filter((c) => ctx.isKnownCode(c) && ctx.isEnabled(c) && !used?.has(c));
      if (unused.length) ctx.report({ span: s.span, messageId: 'unused', data: { codes: unused.map((c) => `\`${c}\``).join(', ') } });
    }
  },
});
