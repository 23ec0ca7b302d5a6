/**
 * TMPL002 (chat-template-installed): flags a chat template installed or removed outside the sanctioned
 * loader. Setting `chat_template = None` by hand is only a warning: the right move, in the wrong place.
 */

import { templateInstaller } from '../../../src/audit/apis.js';
import { defineRule } from '../../../src/audit/rule.js';

export default defineRule({
  code: 'TMPL002',
  name: 'chat-template-installed',
  category: 'template',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'A chat template is installed, replaced or toggled by hand outside the sanctioned loader.',
  languages: ['python'],
  triggers: ['chat_template', 'setup_chat_format', 'clone_chat_template'],
  messages: {
    installs: '`{{target}}` installs a chat template outside the sanctioned loader',
    toggles: '`{{target}} = None` toggles the chat template by hand instead of using the sanctioned loader',
    helper: '{{api}} installs a chat template and rewrites special tokens',
  },
  check(ctx) {
    for (const a of ctx.file.assigns) {
      if (!a.target.endsWith('.chat_template') || ctx.inSanctionedLoader(a.scope)) continue;
      const toggles = a.value.kind === 'none';
      ctx.report({
        span: a.span,
        messageId: toggles ? 'toggles' : 'installs',
        data: { target: a.target },
        ...(toggles ? { severity: 'warning' as const } : {}),
      });
    }
    for (const call of ctx.file.calls) {
      const api = templateInstaller(call);
      if (api && !ctx.inSanctionedLoader(call.scope)) ctx.report({ span: call.span, messageId: 'helper', data: { api } });
    }
  },
});
