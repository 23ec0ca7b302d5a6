/**
 * SCRIPT002 (missing-script-call): flags a launcher, pipeline or script that runs a script that does not
 * exist. Targets `Project.resolveScript` calls external (installed tools, expansions) are left alone.
 */

import { defineRule } from '../../../src/audit/rule.js';
import { mayCallScript, SCRIPT_REQUIRES, SCRIPT_TRIGGERS } from '../triggers.js';

export default defineRule({
  code: 'SCRIPT002',
  name: 'missing-script-call',
  category: 'scripts',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'A launcher, pipeline or script runs a script that does not exist.',
  languages: ['python', 'shell', 'make', 'yaml', 'typescript', 'javascript'],
  triggers: SCRIPT_TRIGGERS,
  requires: SCRIPT_REQUIRES,
  prefilter: mayCallScript,
  messages: {
    missing: 'runs `{{target}}`, which does not exist (looked for {{tried}})',
  },
  check(ctx) {
    for (const call of ctx.file.scriptCalls) {
      const r = ctx.project.resolveScript(call);
      if (r.status === 'missing') {
        const tried = r.tried.map((t) => `\`${t}\``).join(', ');
        ctx.report({ span: call.span, messageId: 'missing', data: { target: call.target, tried } });
      }
    }
  },
});
