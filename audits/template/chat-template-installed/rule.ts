/**
 * TMPL002 (chat-template-installed): flags a chat template installed on a base model's tokenizer outside the
 * sanctioned loader; models not known to be base get `unknown-model-severity`, instruct models nothing.
 * Setting `chat_template = None` by hand is only a warning, and only where a sanctioned loader exists to do
 * it instead: the right move, in the wrong place.
 */

import type { Span } from '../../../src/analysis/facts.js';
import { isTrainer, templateApplication, templateInstaller } from '../../../src/audit/apis.js';
import { templateIntent } from '../../../src/audit/intent.js';
import { defineRule, lastSegment, severityForModel } from '../../../src/audit/rule.js';
import type { Severity } from '../../../src/schemas/config.js';

/** Calls through which an installed template has an effect: saved with the tokenizer, or a model prompted. */
const USES = /^(?:save_pretrained|push_to_hub|save_model|(?:a|async_|stream_)?generate(?:_\w+)?|chat|create|completion|completions)$/;

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
    training: '{{what}} installs a chat template in a file that trains a model or formats training records ({{trainer}}, line {{line}}): the recipe for making a chat model from a base model, noted for review',
  },
  check(ctx) {
    const hasLoader = ctx.project.sanctioned.length > 0;
    // a template installed where the model is then trained is the SFT recipe, not a prompt for a base model
    // (or where the template formats training records: the data side of the same recipe)
    const trainer =
      ctx.file.calls.find((c) => c.resolved && isTrainer(c.qname)) ??
      ctx.file.calls.find((c) => templateApplication(c) !== null && templateIntent(c, ctx.file).kind === 'training');
    // a template that this file neither saves with the tokenizer nor prompts a model through goes nowhere
    // from here: a demonstration, noted at info
    const used = ctx.file.calls.some((c) => USES.test(lastSegment(c.qname)));
    const report = (span: Span, what: string, messageId: 'installs' | 'helper', data: Record<string, string>, severity: Severity) =>
      ctx.report(
        trainer
          ? { span, messageId: 'training', data: { what, trainer: `\`${lastSegment(trainer.qname)}\``, line: String(trainer.span.line) }, severity: 'info' }
          : { span, messageId, data, severity: used ? severity : 'info' },
      );
    for (const a of ctx.file.assigns) {
      if (!a.target.endsWith('.chat_template') || ctx.inSanctionedLoader(a.scope)) continue;
      if (a.value.kind === 'none') {
        if (hasLoader) ctx.report({ span: a.span, messageId: 'toggles', data: { target: a.target }, severity: 'warning' });
        continue;
      }
      // the tokenizer the template goes on: `tok.chat_template = …` asks about `tok`, as a call on it would
      const verdict = ctx.modelOf({ callee: a.target, qname: a.targetQname ?? a.target, resolved: false, span: a.span, args: [], kwargs: {}, splat: false, scope: a.scope });
      const severity = severityForModel(ctx, verdict);
      if (severity) report(a.span, `\`${a.target}\``, 'installs', { target: a.target }, severity);
    }
    for (const call of ctx.file.calls) {
      const api = templateInstaller(call);
      if (!api || ctx.inSanctionedLoader(call.scope)) continue;
      const severity = severityForModel(ctx, ctx.modelOf(call));
      if (severity) report(call.span, api, 'helper', { api }, severity);
    }
  },
});
