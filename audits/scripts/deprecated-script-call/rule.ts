/**
 * SCRIPT001 (deprecated-script-call): flags a launcher, pipeline or script that runs a deprecated script.
 * Whether a target is deprecated is decided by `Project.resolveScript`.
 */

import path from 'node:path';
import type { ScriptCallFact } from '../../../src/analysis/facts.js';
import { replace, SourceText, uniqueMatchIn } from '../../../src/audit/fixes.js';
import { defineRule } from '../../../src/audit/rule.js';
import type { Fix } from '../../../src/schemas/finding.js';
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
  fix: 'unsafe',
  messages: {
    deprecated: 'runs `{{target}}`, which is deprecated: {{reason}}',
  },
  check(ctx) {
    let source: SourceText | undefined;
    for (const call of ctx.file.scriptCalls) {
      const r = ctx.project.resolveScript(call);
      if (r.status !== 'deprecated') continue;
      const to = ctx.project.replacementOf(r.path);
      const fix = to === null ? null : replacementFix(call, r.path, to, ctx.file.path, (source ??= new SourceText(ctx.source())));
      ctx.report({ span: call.span, messageId: 'deprecated', data: { target: r.path, reason: r.reason }, ...(fix ? { fix } : {}) });
    }
  },
});

/**
 * The call's target rewritten to name the registry's replacement the way the call named the old script:
 * from the project root or from the caller's folder, with its `./`, or as a module for `python -m`.
 * Unsafe: the replacement may take other arguments or write other outputs.
 */
function replacementFix(call: ScriptCallFact, old: string, to: string, caller: string, source: SourceText): Fix | null {
  let written: string | null;
  if (call.module) {
    // only a module named from the root, as the replacement would be
    const rooted = `${call.target.split('.').join('/')}.py` === old;
    written = rooted && /\.py$/.test(to) && !/(?:^|\/)__(?:main|init)__\.py$/.test(to) ? to.replace(/\.py$/, '').split('/').join('.') : null;
  } else {
    const dot = call.target.startsWith('./') ? './' : '';
    const plain = path.posix.normalize(call.target);
    const fromCaller = path.posix.relative(path.posix.dirname(caller), to);
    written = plain === old ? dot + to : path.posix.join(path.posix.dirname(caller), plain) === old ? dot + fromCaller : null;
  }
  if (written === null) return null;
  const escaped = call.target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const target = uniqueMatchIn(source, call.span, new RegExp(`(?<![\\w./-])(${escaped})(?![\\w/-]|\\.\\w)`));
  if (!target) return null;
  return { applicability: 'unsafe', message: `run \`${written}\` instead`, edits: [replace(target.span, written)] };
}
