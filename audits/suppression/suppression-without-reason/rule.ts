/**
 * SUPP002 (suppression-without-reason): flags a suppression comment that gives no reason. The finding it
 * covers is still silenced; the comment is reported instead.
 */

import { defineRule } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'SUPP002',
  name: 'suppression-without-reason',
  category: 'suppression',
  severity: 'warning',
  status: 'stable',
  since: '0.1.0',
  summary: 'A suppression comment gives no reason for silencing the finding.',
  languages: ['python', 'shell', 'make', 'yaml', 'typescript', 'javascript'],
  triggers: [],
  messages: {
    reasonless: 'the suppression of {{codes}} gives no reason; write why after the brackets',
  },
  check(ctx) {
    for (const s of ctx.file.suppressions) {
      if (!s.reason) ctx.report({ span: s.span, messageId: 'reasonless', data: { codes: s.codes.map((c) => `\`${c}\``).join(', ') || 'nothing' } });
    }
  },
});
