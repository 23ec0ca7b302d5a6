/**
 * LOAD002 (trust-remote-code): flags any call that passes `trust_remote_code=True`.
 */

import { defineRule } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'LOAD002',
  name: 'trust-remote-code',
  category: 'load',
  severity: 'warning',
  status: 'stable',
  since: '0.1.0',
  summary: 'A load runs code from the model repository (`trust_remote_code=True`).',
  languages: ['python'],
  triggers: ['trust_remote_code'],
  messages: {
    remote: '`{{callee}}` runs code shipped with the model repository (`trust_remote_code=True`)',
  },
  check(ctx) {
    for (const call of ctx.file.calls) {
      const v = call.kwargs.trust_remote_code;
      if (v?.kind === 'bool' && v.value) ctx.report({ span: call.span, messageId: 'remote', data: { callee: call.callee } });
    }
  },
});
