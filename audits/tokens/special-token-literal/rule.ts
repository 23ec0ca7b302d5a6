/**
 * TOK003 (special-token-literal): flags chat-template or special-token markup spelled out by hand in text
 * that reaches a model as a prompt. In Python the literal is followed through the file (names, returns,
 * string operations, tokenizer calls) to a call that generates from it or scores it; template
 * definitions, role tables, stop and special-token lists, token-id lookups and parsing never get there.
 * TS/JS strings, which carry no flow, keep the older reading: markup that is not a detector.
 */

import { defineRule, severityForModel } from '../../../src/audit/rule.js';
import { reachesModel } from '../../../src/audit/intent.js';

const MARKER = /<\|(?:im_start|im_end|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|system|user|assistant|endoftext)\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:start|end)_of_turn>/g;
const STOP_KEYS = /^(?:stop|stop_strings|stop_sequences|stop_words|stop_token_ids|eos_token|eos|bos_token|pad_token|additional_special_tokens|special_tokens|skip|skip_tokens)$/i;
/** Jinja statements or expressions: the text is a template definition, rendered by a template engine. */
const JINJA = /\{%-?\s*(?:for|if|set|macro|raw|endfor|endif)\b|\{\{-?\s*(?:messages?|bos_token|eos_token|content|role|system_message|loop)\b/;
/** Keywords and dict keys of a conversation format: roles, separators, turn slots, named templates. */
const FORMAT_KEY = /^(?:roles?|content|user|assistant|system|human|gpt|bot|model|tool|function|observation|sep\d?|sep_style|stop_str\w*|slots|format_\w+|\w*_template|\w*_format|\w*_prefix|\w*_suffix|prefix|suffix)$/i;

export default defineRule({
  code: 'TOK003',
  name: 'special-token-literal',
  category: 'tokens',
  severity: 'error',
  status: 'stable',
  since: '0.1.0',
  summary: 'A prompt string spells out chat-template or special tokens by hand.',
  languages: ['python', 'typescript', 'javascript'],
  triggers: ['<|', '[INST]', '_of_turn>', '<<SYS>>'],
  messages: {
    prompt: 'the string spells out `{{marker}}` by hand and reaches {{sink}} (line {{line}}) as a prompt for {{why}}',
    literal: 'the string spells out `{{marker}}` by hand, building a chat-formatted prompt for {{why}}',
  },
  check(ctx) {
    let fileVerdict: ReturnType<typeof ctx.modelOf> | undefined;
    for (const s of ctx.file.strings) {
      const markers = s.value.match(MARKER);
      if (!markers) continue;
      if (s.role === 'comparison' || s.role === 'key' || s.role === 'docstring') continue;
      if (s.key && (STOP_KEYS.test(s.key) || s.key === 'help')) continue;
      if (ctx.file.language === 'python') {
        // a template definition or a conversation format's table is not a prompt, wherever it goes
        if (JINJA.test(s.value)) continue;
        if ((s.role === 'keyword' || s.role === 'collection') && s.key && FORMAT_KEY.test(s.key)) continue;
        const sink = reachesModel(s.flow, ctx.file);
        if (!sink) continue;
        const verdict = ctx.modelOf(sink.call);
        const severity = severityForModel(ctx, verdict);
        if (!severity) continue;
        ctx.report({
          span: s.span,
          messageId: 'prompt',
          data: { marker: markers[0] ?? '', sink: sink.how, line: String(sink.call.span.line), why: whyOf(verdict) },
          severity,
        });
        continue;
      }
      // a bare marker in a list or constant is how detectors are written; prompts carry text around it
      const bare = s.value.replace(MARKER, '').trim() === '';
      if (bare && (s.role === 'collection' || s.role === 'assignment')) continue;
      fileVerdict ??= ctx.modelOf({ callee: '', qname: '', resolved: false, span: s.span, args: [], kwargs: {}, splat: false, scope: s.scope });
      const severity = severityForModel(ctx, fileVerdict);
      if (!severity) continue;
      ctx.report({ span: s.span, messageId: 'literal', data: { marker: markers[0] ?? '', why: whyOf(fileVerdict) }, severity });
    }
  },
});

function whyOf(verdict: { kind: string; reason: string }): string {
  return verdict.kind === 'base' ? `a base model (${verdict.reason})` : 'a model not known to be an instruct model';
}
