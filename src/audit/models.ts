/**
 * Which model a call in one file acts on, so the template and token rules can tell base from instruct models.
 * Falls back from the call's own load, the sanctioned loader and the receiver's load to what the file names,
 * and last to a guard that stops the file unless its model is a chat model (`assert tok.chat_template`).
 */

import type { CallFact, FileFacts, Literal } from '../analysis/facts.js';
import { modelArgument, modelLoadKind } from './apis.js';
import { Project, type ModelVerdict } from './project.js';
import { receiverOf } from './rule.js';

const MODELISH_NAME = /model|checkpoint|ckpt|base|judge|tokenizer|repo|policy|reference|ref_?model/i;

/**
 * A model name with no slash names no checkpoint (a hub id is `org/name`, a local one a path): at a chat API
 * it is what the server calls the model it serves (Groq's `llama3-70b-8192`, Ollama's `llama3`), and a hosted
 * chat API serves chat models. What a checkpoint's name says of it (`-Instruct` or not) does not apply.
 */
function servedName(id: string): boolean {
  return !id.includes('/') && !id.includes('\\');
}

function served(id: string): ModelVerdict {
  return { kind: 'unknown', model: id, reason: `\`${id}\` is the name a server gives the model it serves, not a checkpoint's` };
}

/**
 * Which model a call in one file acts on: the sanctioned loader, the model id passed to the load its
 * receiver came from, or what the file as a whole loads. Built once per file.
 */
export class FileModels {
  private fileVerdict: ModelVerdict | undefined;

  constructor(
    private readonly file: FileFacts,
    private readonly project: Project,
  ) {}

  /** A string literal, or a name bound to one in this file (`MODEL = "…"`, `--model` default). */
  literalValue(lit: Literal | undefined, line: number): string | null {
    if (!lit) return null;
    if (lit.kind === 'str') return lit.value;
    if (lit.kind !== 'name') return null;
    let found: string | null = null;
    for (const a of this.file.assigns) {
      if (a.target === lit.text && a.value.kind === 'str' && a.span.line <= line) found = a.value.value;
    }
    if (found) return found;
    // `args.model` → the `--model` argparse default
    const attr = lit.text.split('.').pop() ?? lit.text;
    for (const arg of this.file.cliArgs) {
      const dest = arg.dest ?? arg.flags.find((f) => f.startsWith('--'))?.slice(2).replace(/-/g, '_');
      if (dest === attr && arg.default?.kind === 'str') return arg.default.value;
    }
    return null;
  }

  modelIdOfLoad(call: CallFact): string | null {
    return this.literalValue(modelArgument(call), call.span.line);
  }

  verdictForCall(call: CallFact): ModelVerdict {
    let chatApi = false;
    if (modelLoadKind(call, this.file)) {
      const id = this.modelIdOfLoad(call);
      if (id) return this.project.classifyModel(id);
    } else if (call.kwargs.model) {
      // a chat API names its model per request: `client.chat.completions.create({ model: 'Qwen/…' })`
      const id = this.literalValue(call.kwargs.model, call.span.line);
      const verdict = id ? this.project.classifyModel(id) : null;
      if (verdict?.kind === 'base' && id && servedName(id)) return served(id);
      // a routed name (`hosted_vllm/Qwen/…`) says nothing; what the file loads may
      if (verdict && verdict.kind !== 'unknown') return verdict;
      chatApi = true;
    }
    // `tok(text)` calls the object itself (its qname ends in `()`); `tok.encode(text)` calls a method
    const recv = call.qname.endsWith('()') ? call.qname : receiverOf(call.qname);
    const loader = this.project.sanctionedFor(recv);
    if (loader) return { kind: 'base', model: null, reason: `it comes from the sanctioned loader \`${loader.name}\`` };
    if (recv.endsWith('()')) {
      const origin = recv.slice(0, -2);
      let load: CallFact | undefined;
      for (const c of this.file.calls) {
        if (c.qname === origin && modelLoadKind(c) && (!load || c.span.line <= call.span.line)) load = c;
      }
      const id = load ? this.modelIdOfLoad(load) : null;
      if (id) return this.project.classifyModel(id);
    }
    const named = this.forFile();
    // the request's model is a parameter: a served name the file gives is no checkpoint's either
    return chatApi && named.kind === 'base' && named.model && servedName(named.model) && !this.loads(named.model) ? served(named.model) : named;
  }

  /** Whether the file loads this model itself (`from_pretrained("gpt2")`): then the name is a checkpoint's. */
  private loads(id: string): boolean {
    return this.file.calls.some((c) => modelLoadKind(c, this.file) && this.modelIdOfLoad(c) === id);
  }

  /** What the file loads, when a call's own model cannot be told. */
  forFile(): ModelVerdict {
    if (this.fileVerdict) return this.fileVerdict;
    const usesLoader = this.file.calls.find((c) => this.project.sanctionedFor(c.qname));
    const verdicts: ModelVerdict[] = [];
    for (const c of this.file.calls) {
      if (!modelLoadKind(c, this.file)) continue;
      const id = this.modelIdOfLoad(c);
      if (id) verdicts.push(this.project.classifyModel(id));
    }
    for (const s of this.file.strings) {
      if (!Project.looksLikeModelId(s.value)) continue;
      if ((s.role === 'assignment' || s.role === 'keyword') && s.key && MODELISH_NAME.test(s.key)) {
        verdicts.push(this.project.classifyModel(s.value));
      }
    }
    for (const a of this.file.cliArgs) {
      if (a.default?.kind === 'str' && a.flags.some((f) => MODELISH_NAME.test(f)) && Project.looksLikeModelId(a.default.value)) {
        verdicts.push(this.project.classifyModel(a.default.value));
      }
    }
    const base = verdicts.find((v) => v.kind === 'base');
    if (usesLoader) {
      this.fileVerdict = { kind: 'base', model: base?.model ?? null, reason: `the file uses the sanctioned loader \`${this.project.sanctionedFor(usesLoader.qname)?.name}\`` };
    } else if (base) {
      this.fileVerdict = { kind: 'base', model: base.model, reason: `the file works with \`${base.model}\` (${base.reason})` };
    } else {
      const instruct = verdicts.find((v) => v.kind === 'instruct');
      // the model is a parameter, but the file refuses to run on anything but a chat model
      const guard = this.file.chatGuards?.[0];
      if (instruct) {
        this.fileVerdict = { kind: 'instruct', model: instruct.model, reason: `the file works with \`${instruct.model}\` (${instruct.reason})` };
      } else if (guard) {
        const what = guard.on === 'template' ? 'a chat template' : 'an instruct/chat name';
        this.fileVerdict = { kind: 'instruct', model: null, reason: `the file stops unless the model has ${what} (line ${guard.span.line})` };
      } else {
        this.fileVerdict = { kind: 'unknown', model: null, reason: verdicts[0] ? `the file works with \`${verdicts[0].model}\` (${verdicts[0].reason})` : 'the file names no model' };
      }
    }
    return this.fileVerdict;
  }
}
