/**
 * SCRIPT001 (deprecated-script-call): flags a launcher, pipeline or script that runs a deprecated script.
 * Whether a target is deprecated is decided by `Project.resolveScript`.
 */

import { defineRule } from '../../../src/audit/rule.js';
import { mayCallScript, SCRIPT_REQUIRES, SCRIPT_TRIGGERS } from '../triggers.js';

export default defineRule({
  code: 'SCRIPT001',
  name: 'deprecated-script-call',
  category: 'scripts',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'A launcher, pipeline or script runs a script that is deprecated.',
  languages: ['python', 'shell', 'make', 'yaml', 'typescript', 'javascript'],
  triggers: SCRIPT_TRIGGERS,
  requires: SCRIPT_REQUIRES,
  prefilter: mayCallScript,
  messages: {
    deprecated: 'runs `{{target}}`, which is deprecated: {{reason}}',
  },
  check(ctx) {
    for (const call of ctx.file.scriptCalls) {
      const r = ctx.project.resolveScript(call);
      if (r.status === 'deprecated') {
        ctx.report({ span: call.span, messageId: 'deprecated', data: { target: r.path, reason: r.reason } });
      }
    }
  },
});
