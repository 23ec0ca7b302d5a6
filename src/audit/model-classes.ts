/**
 * Base or instruct, from a model id and the config: `instruct-models` and `base-models` first, then what the
 * name says (an instruct/chat marker, `base`, or a plain hub id). The audit's rules and `verify`'s check of
 * an attested model ask this one question, so they never disagree about a model.
 */
import { compileGlob } from '../core/glob.js';
import type { Config } from '../schemas/config.js';

export interface ModelVerdict {
  kind: 'base' | 'instruct' | 'unknown';
  model: string | null;
  reason: string;
}

const INSTRUCT_MARKER = /(?:^|[-_/.\s])(?:instruct|chat|it|rlhf|dpo|assistant|aligned)(?:$|[-_.\s\d])/i;
const BASE_MARKER = /(?:^|[-_/.\s])base(?:$|[-_.\s])/i;
const HF_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]*[A-Za-z0-9]$/;
const PATHLIKE = /^(?:\.{1,2}\/|\/|~)|\.(?:jsonl?|csv|py|sh|txt|ya?ml|bin|pt|safetensors|gguf)$|^(?:data|outputs?|checkpoints?|artifacts|runs|results|logs|scripts)\//i;

/** Whether a dotted string looks like a model id or local checkpoint worth classifying. */
export function looksLikeModelId(value: string): boolean {
  return HF_ID.test(value) && !PATHLIKE.test(value);
}

/** The verdict for a model id under this config; built once per config. */
export function modelClassifier(config: Pick<Config, 'baseModels' | 'instructModels'>): (id: string) => ModelVerdict {
  const m = (p: string) => compileGlob(p, { nocase: true, dot: true });
  const base = config.baseModels.map(m);
  const instruct = config.instructModels.map(m);
  return (id) => {
    if (instruct.some((match) => match(id))) return { kind: 'instruct', model: id, reason: 'listed in instruct-models' };
    if (base.some((match) => match(id))) return { kind: 'base', model: id, reason: 'listed in base-models' };
    const marker = INSTRUCT_MARKER.exec(id.split('/').pop() ?? id);
    if (marker) return { kind: 'instruct', model: id, reason: `the name marks a tuned model (\`${marker[0].replace(/^[-_/.\s]|[-_.\s\d]$/g, '')}\`)` };
    if (BASE_MARKER.test(id)) return { kind: 'base', model: id, reason: 'the name says `base`' };
    if (looksLikeModelId(id)) return { kind: 'base', model: id, reason: 'a hub id with no instruct/chat marker' };
    return { kind: 'unknown', model: id, reason: 'not a recognisable model id' };
  };
}
