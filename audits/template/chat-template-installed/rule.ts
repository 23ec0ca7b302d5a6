/**
 * TMPL002 (chat-template-installed): flags a chat template installed on a base model's tokenizer outside the
 * sanctioned loader; models not known to be base get `unknown-model-severity`, instruct models nothing.
 * Setting `chat_template = None` by hand is only a warning, and only where a sanctioned loader exists to do
 * it instead: the right move, in the wrong place.
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
    const hasLoader = ctx.project.sanctioned.length > 0;
    for (const a of ctx.file.assigns) {
      if (!a.target.endsWith('.chat_template') || ctx.inSanctionedLoader(a.scope)) continue;
      if (a.value.kind === 'none') {
        if (hasLoader) ctx.report({ span: a.span, messageId: 'toggles', data: { target: a.target }, severity: 'warning' });
        continue;
      }
      // the tokenizer the template goes on: `tok.chat_template = …` asks about `tok`, as a call on it would
      const verdict = ctx.modelOf({ callee: a.target, qname: a.targetQname ?? a.target, resolved: false, span: a.span, args: [], kwargs: {}, splat: false, scope: a.scope });
      const severity = ctx.severityForModel(verdict, 'error');
      if (severity) ctx.report({ span: a.span, messageId: 'installs', data: { target: a.target }, severity });
    }
    for (const call of ctx.file.calls) {
      const api = templateInstaller(call);
      if (!api || ctx.inSanctionedLoader(call.scope)) continue;
      const severity = ctx.severityForModel(ctx.modelOf(call), 'error');
      if (severity) ctx.report({ span: call.span, messageId: 'helper', data: { api }, severity });
    }
  },
});
