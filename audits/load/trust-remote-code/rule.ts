/**
 * LOAD002 (trust-remote-code): flags a load that runs code shipped with the model or dataset repository:
 * `trust_remote_code=True` given to a load (directly, or in a kwargs dict passed with `**` or as
 * `model_kwargs=`), a load configuration dict that names a model with the flag on, and
 * `trust_remote_code: true` in a YAML, JSON or TOML config.
 */

import type { AssignFact, CallFact, Literal } from '../../../src/analysis/facts.js';
import { MODEL_KWARGS } from '../../../src/audit/apis.js';
import { defineRule, lastSegment } from '../../../src/audit/rule.js';

/** Libraries whose APIs take `trust_remote_code`: any of their calls given the flag loads remote code. */
const REMOTE_CODE_LIBRARIES = new Set([
  'transformers', 'datasets', 'vllm', 'sglang', 'peft', 'trl', 'unsloth', 'sentence_transformers', 'optimum',
  'lm_eval', 'lighteval', 'mteb', 'evaluate', 'huggingface_hub', 'accelerate', 'diffusers', 'open_clip',
  'modelscope', 'auto_gptq', 'awq', 'gptqmodel', 'llama_cpp', 'mlx_lm', 'tensorrt_llm', 'FlagEmbedding', 'outlines',
]);
/** A project function whose name says it loads (`load_model`, `get_tokenizer`, `ModelArguments`, `build_llm`). */
const LOADS_BY_NAME = /load|pretrained|model|tokeni[sz]er|processor|pipeline|engine|llm/i;
/** Test doubles and their assertions: they describe a load, they do not make one. */
const NOT_A_LOAD = /^(?:assert_\w+|call|called_with|patch|object|Mock|MagicMock|AsyncMock|NonCallableMock|SimpleNamespace|Namespace)$/;
/** Keys that name what a load configuration loads. */
const MODEL_KEYS = new Set([...MODEL_KWARGS, 'model_name_or_path', 'pretrained', 'tokenizer_name_or_path', 'path']);

/** What the load fetches: a dataset (`datasets.load_dataset`, a project's `load_dataset`) or a model. */
function loadedThing(call: CallFact): 'dataset' | 'model' {
  return call.qname.startsWith('datasets.') || /dataset/i.test(lastSegment(call.callee)) ? 'dataset' : 'model';
}

function flagOn(call: CallFact): boolean {
  const v = call.kwargs.trust_remote_code;
  return v?.kind === 'bool' && v.value;
}

const isDictCall = (call: CallFact): boolean => call.callee === 'dict' && !call.resolved;

/** A call that loads: a remote-code library's API, or a project function named for loading. */
function isLoad(call: CallFact): boolean {
  const last = lastSegment(call.callee);
  if (NOT_A_LOAD.test(last) || NOT_A_LOAD.test(lastSegment(call.qname))) return false;
  if (call.resolved && REMOTE_CODE_LIBRARIES.has(call.qname.split('.')[0] ?? '')) return true;
  return LOADS_BY_NAME.test(last);
}

export default defineRule({
  code: 'LOAD002',
  name: 'trust-remote-code',
  category: 'load',
  severity: 'warning',
  status: 'stable',
  since: '0.1.0',
  summary: 'A load runs code from the model or dataset repository (`trust_remote_code=True`).',
  languages: ['python', 'yaml', 'json', 'toml', 'shell'],
  triggers: ['trust_remote_code'],
  messages: {
    remote: '`{{callee}}` runs code shipped with the {{what}} repository (`trust_remote_code=True`)',
    through: '`{{callee}}` runs code shipped with the {{what}} repository (`trust_remote_code=True` in `{{via}}`)',
    config: 'this load configuration runs code shipped with the model repository (`trust_remote_code=True`)',
    setting: '`{{key}}: true` makes the load this config drives run code shipped with the model repository',
    flag: 'the command line turns on `{{key}}`, so the load it drives runs code shipped with the model repository',
  },
  check(ctx) {
    for (const setting of ctx.file.settings ?? []) {
      const v = setting.value;
      if ((v.kind === 'bool' && v.value) || (v.kind === 'str' && /^true$/i.test(v.value))) {
        ctx.report({ span: setting.span, messageId: ctx.file.language === 'shell' ? 'flag' : 'setting', data: { key: setting.key } });
      }
    }
    const { calls, assigns } = ctx.file;
    if (calls.length === 0) return;
    const reportedDicts = new Set<number>();
    const reportedAssigns = new Set<AssignFact>();

    /** The kwargs dict a literal passes, when it carries the flag: a `dict(…)` call or `{…}`, or a name bound to one. */
    const carrier = (lit: Literal | undefined, scope: string, line: number): { via: string; dict?: number; assign?: AssignFact } | null => {
      if (lit === undefined) return null;
      if (lit.kind === 'dict') return lit.bools?.trust_remote_code === true ? { via: '{…}' } : null;
      if (lit.kind === 'call') {
        const call = calls[lit.call];
        return call !== undefined && isDictCall(call) && flagOn(call) ? { via: 'dict(…)', dict: lit.call } : null;
      }
      if (lit.kind !== 'name') return null;
      const bound = latestAssign(assigns, lit.text, scope, line);
      if (bound === undefined || bound.value.kind === 'name') return null;
      const inner = carrier(bound.value, bound.scope, bound.span.line);
      return inner === null ? null : { ...inner, via: lit.text, assign: bound };
    };

    for (const call of calls) {
      if (isDictCall(call) || !isLoad(call)) continue;
      if (flagOn(call)) {
        ctx.report({ span: call.span, messageId: 'remote', data: { callee: call.callee, what: loadedThing(call) } });
        continue;
      }
      const passed = [...(call.kwsplats ?? []), ...Object.entries(call.kwargs).filter(([k]) => k.endsWith('kwargs')).map(([, v]) => v)];
      for (const lit of passed) {
        const found = carrier(lit, call.scope, call.span.line);
        if (found === null) continue;
        if (found.dict !== undefined) reportedDicts.add(found.dict);
        if (found.assign !== undefined) reportedAssigns.add(found.assign);
        ctx.report({ span: call.span, messageId: 'through', data: { callee: call.callee, via: found.via, what: loadedThing(call) } });
        break;
      }
    }
    // a dict of load arguments that names a model, when no load in the file was reported for it
    calls.forEach((call, i) => {
      if (!isDictCall(call) || !flagOn(call) || reportedDicts.has(i)) return;
      if (Object.keys(call.kwargs).some((k) => MODEL_KEYS.has(k))) ctx.report({ span: call.span, messageId: 'config' });
    });
    for (const a of assigns) {
      const v = a.value;
      if (v.kind !== 'dict' || v.bools?.trust_remote_code !== true || reportedAssigns.has(a)) continue;
      if (v.keys.some((k) => MODEL_KEYS.has(k))) ctx.report({ span: a.span, messageId: 'config' });
    }
  },
});

/** The value last assigned to `name` before `line`, in the same scope or else at module level. */
function latestAssign(assigns: readonly AssignFact[], name: string, scope: string, line: number): AssignFact | undefined {
  let own: AssignFact | undefined;
  let module: AssignFact | undefined;
  for (const a of assigns) {
    if (a.target !== name || a.span.line >= line) continue;
    if (a.scope === scope) own = a;
    else if (a.scope === '<module>') module = a;
  }
  return own ?? module;
}
