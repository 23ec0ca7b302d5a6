/**
 * Base, instruct or unknown, from a model id and the config: `instruct-models` and `base-models` first, then
 * what the name says, read against the model-identity catalog (model-catalog.json): a post-training marker
 * (`-Instruct`, `-chat`, `-SFT`, `-it`, …), a base marker, or a known family whose plain ids are base (Qwen2.5,
 * Llama 3) or post-trained (Qwen3, phi-4). A name that says nothing (no family, no marker, a local path, a
 * custom name) is unknown, not base. The audit's rules and `verify`'s check of an attested model ask this one
 * question, so they never disagree about a model.
 */
import catalogData from './model-catalog.json' with { type: 'json' };
import { compileGlob } from '../core/glob.js';
import type { Config } from '../schemas/config.js';
import type { ModelCatalog, ModelFamilyEntry } from '../schemas/model-catalog.js';

export interface ModelVerdict {
  kind: 'base' | 'instruct' | 'unknown';
  model: string | null;
  reason: string;
}

/** A model family of the catalog, as rules need it. */
export interface ModelFamily {
  name: string;
  /** Whether the family's tokenizer adds BOS when called with its defaults; null when not known. */
  addsBos: boolean | null;
}

// The JSON is checked against ModelCatalogSchema by the model-classes test, not here: start-up stays free of zod.
const CATALOG = catalogData as unknown as ModelCatalog;

const HF_ID = /^[A-Za-z0-9][\w.-]*\/[\w.-]*[A-Za-z0-9]$/;
/** Files that hold no model (data, code, config); a weights file (`.gguf`, `.safetensors`) is a local model. */
const FILE_NAME = /\.(?:jsonl?|csv|py|sh|txt|ya?ml)$/i;
const PATHLIKE = /^(?:\.{1,2}\/|\/|~)|\.(?:bin|pt|safetensors|gguf)$|^(?:data|outputs?|checkpoints?|artifacts|runs|results|logs|scripts)\//i;
/** A hub id (`org/name`) or a legacy one-word id (`gpt2`), as far as its characters go. */
const HUB_SHAPED = /^[A-Za-z0-9][\w.-]*(?:\/[\w.-]*[A-Za-z0-9])?$/;
/** Folders that hold the project's own checkpoints: an id under one names a local copy, whatever it is called. */
const LOCAL_FOLDER = /^(?:models?|ckpts?|saves?|saved_models?|tmp|exp|experiments|weights|work_dirs?)\//i;

/** Whether a dotted string looks like a model id or local checkpoint worth classifying. */
export function looksLikeModelId(value: string): boolean {
  return HF_ID.test(value) && !PATHLIKE.test(value) && !FILE_NAME.test(value);
}

/** The lower-cased pieces of an id, split where names split words: `Qwen/Qwen2.5-7B` → qwen, qwen2, 5, 7b. */
function tokensOf(text: string): string[] {
  return text.toLowerCase().split(/[-_./\\:\s]+/).filter(Boolean);
}

/** One whole-token pattern from a list of sources; null for an empty list. */
function tokenPattern(sources: readonly string[] | undefined): RegExp | null {
  return sources?.length ? new RegExp(`^(?:${sources.join('|')})$`, 'i') : null;
}

interface CompiledFamily {
  entry: ModelFamilyEntry;
  match: RegExp;
  postTrained: RegExp | null;
  base: RegExp | null;
  variants: RegExp | null;
}

const POST_TRAINED = tokenPattern(CATALOG.postTrainedMarkers)!;
const BASE = tokenPattern(CATALOG.baseMarkers)!;
const NON_GENERATIVE = tokenPattern(CATALOG.nonGenerativeMarkers);
const NEUTRAL = tokenPattern(CATALOG.neutralTokens);
const FAMILIES: readonly CompiledFamily[] = CATALOG.families.map((entry) => ({
  entry,
  // anchored families name the start of the model name; `anywhere` ones may follow another name
  // (`Llama-3.1-Tulu-3-8B`, `Mistral-7B-OpenOrca`), so they come first in the catalog
  match: new RegExp(entry.anywhere ? `(?:^|[-_.\\s])(?:${entry.match})(?=$|[-_.\\s\\d])` : `^(?:${entry.match})(?=$|[-_.\\s])`, 'i'),
  postTrained: tokenPattern(entry.postTrained),
  base: tokenPattern(entry.base),
  variants: tokenPattern(entry.variants),
}));

/** The model name of an id: what follows the last `/` (or `\`). */
function nameOf(id: string): string {
  return id.slice(Math.max(id.lastIndexOf('/'), id.lastIndexOf('\\')) + 1);
}

/** The catalog family a model name belongs to, with the rest of the name after the family's part. */
function familyMatch(name: string): { family: CompiledFamily; rest: string[] } | null {
  for (const family of FAMILIES) {
    const m = family.match.exec(name);
    if (m) return { family, rest: family.entry.anywhere ? [] : tokensOf(name.slice(m[0].length)) };
  }
  return null;
}

/** The family a model id (hub id or local path) names, or null when the catalog has none for it. */
export function modelFamily(id: string): ModelFamily | null {
  const found = familyMatch(nameOf(id.trim()));
  return found ? { name: found.family.entry.name, addsBos: found.family.entry.addsBos } : null;
}

/** A local checkpoint rather than a hub id: its folder name may be anything, so only markers count. */
function isLocalPath(id: string): boolean {
  return PATHLIKE.test(id) || LOCAL_FOLDER.test(id) || /^[A-Za-z]:[\\/]|\\/.test(id) || id.split('/').length > 2;
}

/** What the name alone says about a model, with no config. */
export function classifyModelName(raw: string): ModelVerdict {
  const id = raw.trim();
  const local = isLocalPath(id);
  if (FILE_NAME.test(id) || (!local && !HUB_SHAPED.test(id))) return { kind: 'unknown', model: raw, reason: 'not a recognisable model id' };
  const tokens = tokensOf(id);
  const nonGenerative = NON_GENERATIVE && tokens.find((t) => NON_GENERATIVE.test(t));
  if (nonGenerative) return { kind: 'unknown', model: raw, reason: `the name marks a model that does not generate text (\`${nonGenerative}\`)` };
  const name = nameOf(id);
  const found = familyMatch(name);
  const family = found?.family;
  const post = tokens.find((t) => POST_TRAINED.test(t) || family?.postTrained?.test(t));
  if (post) return { kind: 'instruct', model: raw, reason: `the name marks a post-trained model (\`${post}\`)` };
  const nameTokens = tokensOf(name);
  const base = nameTokens.find((t) => BASE.test(t) || family?.base?.test(t));
  if (base) return { kind: 'base', model: raw, reason: `the name says \`${base}\`` };
  if (local) return { kind: 'unknown', model: raw, reason: 'a local path whose name carries no base or post-training marker' };
  if (!found || !family) return { kind: 'unknown', model: raw, reason: 'the name matches no known model family and carries no post-training marker' };
  const { entry } = family;
  if (entry.plain === 'post-trained') return { kind: 'instruct', model: raw, reason: entry.note };
  if (entry.plain === 'unknown') return { kind: 'unknown', model: raw, reason: entry.note };
  // a plain base id is the release itself only when the rest of its name is sizes, versions and formats:
  // `Llama-3.1-Storm-8B` or `Mistral-7B-OpenOrca` name fine-tunes the catalog does not know
  const foreign = found.rest.find((t) => !NEUTRAL?.test(t) && !family.variants?.test(t));
  if (foreign) {
    return { kind: 'unknown', model: raw, reason: `a ${entry.name} name, but \`${foreign}\` in it may name a fine-tune` };
  }
  return { kind: 'base', model: raw, reason: entry.note };
}

/** The verdict for a model id under this config; built once per config. */
export function modelClassifier(config: Pick<Config, 'baseModels' | 'instructModels'>): (id: string) => ModelVerdict {
  const m = (p: string) => compileGlob(p, { nocase: true, dot: true });
  const base = config.baseModels.map(m);
  const instruct = config.instructModels.map(m);
  // a file names the same few models again and again (every load, every `--model` default)
  const seen = new Map<string, ModelVerdict>();
  return (id) => {
    let verdict = seen.get(id);
    if (!verdict) {
      if (instruct.some((match) => match(id))) verdict = { kind: 'instruct', model: id, reason: 'listed in instruct-models' };
      else if (base.some((match) => match(id))) verdict = { kind: 'base', model: id, reason: 'listed in base-models' };
      else verdict = classifyModelName(id);
      seen.set(id, verdict);
    }
    return verdict;
  };
}
