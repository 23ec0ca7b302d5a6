/**
 * TOK003 (special-token-literal): flags a prompt string that spells out chat-template or special tokens by
 * hand. Strings that only detect markup (comparisons, keys, docstrings, stop and special-token keywords, a
 * bare marker in a list or constant) are skipped.
 */

import { defineRule } from '../../../src/audit/rule.js';

const MARKER = /<\|(?:im_start|im_end|begin_of_text|end_of_text|start_header_id|end_header_id|eot_id|system|user|assistant|endoftext)\|>|\[\/?INST\]|<<\/?SYS>>|<\/?(?:start|end)_of_turn>/g;
const STOP_KEYS = /^(?:stop|stop_strings|stop_sequences|stop_words|stop_token_ids|eos_token|eos|bos_token|pad_token|additional_special_tokens|special_tokens|skip|skip_tokens)$/i;

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
    literal: 'the string spells out `{{marker}}` by hand, building a chat-formatted prompt for {{why}}',
  },
  check(ctx) {
    let verdict: ReturnType<typeof ctx.modelOf> | undefined;
    for (const s of ctx.file.strings) {
      const markers = s.value.match(MARKER);
      if (!markers) continue;
      if (s.role === 'comparison' || s.role === 'key' || s.role === 'docstring') continue;
      if (s.key && (STOP_KEYS.test(s.key) || s.key === 'help')) continue;
      // a bare marker in a list or constant is how detectors are written; prompts carry text around it
      const bare = s.value.replace(MARKER, '').trim() === '';
      if (bare && (s.role === 'collection' || s.role === 'assignment')) continue;
      verdict ??= ctx.modelOf({ callee: '', qname: '', resolved: false, span: s.span, args: [], kwargs: {}, splat: false, scope: s.scope });
      const severity = ctx.severityForModel(verdict, 'error');
      if (!severity) continue;
      const why = verdict.kind === 'base' ? `a base model (${verdict.reason})` : 'a model not known to be an instruct model';
      ctx.report({ span: s.span, messageId: 'literal', data: { marker: markers[0] ?? '', why }, severity });
    }
  },
});
