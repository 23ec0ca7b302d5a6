/**
 * `provenant init` as a library call: infers the sanctioned loader and the base and instruct models. Unless
 * it is a dry run, writes them into `[tool.provenant]` (pyproject.toml, else provenant.toml) for review.
 */

import path from 'node:path';
import { loadFrontEnds } from '../analysis/index.js';
import type { FileFacts } from '../analysis/facts.js';
import { loadConfig } from '../config/config.js';
import { writeConfigSection } from '../config/config-write.js';
import { discover, readSource } from '../core/files.js';
import { modelArgument, modelLoadKind } from './apis.js';
import { inferSanctionedLoaders, type RejectedLoader } from './infer.js';
import { FileModels } from './models.js';
import { Project, filesFromSet, type ModelVerdict, type SanctionedLoader } from './project.js';
import { CodeRoles } from './roles.js';

export interface InferredModel {
  id: string;
  verdict: ModelVerdict;
  files: string[];
}

export interface InitResult {
  root: string;
  /** The file written (or that would be written). */
  configFile: string;
  created: boolean;
  written: boolean;
  sanctioned: SanctionedLoader[];
  /** Candidates weighed as the sanctioned loader and not chosen, best first, each with why it lost. */
  runnersUp: RejectedLoader[];
  models: InferredModel[];
}

const HINT = /from_pretrained|LLM\(|Llama\(|Engine\(|chat_template|add_special_tokens|model/;

/**
 * What zero-config would infer for a project (loader, base and instruct models), written into
 * `[tool.provenant]` for review unless `dryRun`.
 */
export async function initProject(options: { cwd: string; dryRun?: boolean; force?: boolean }): Promise<InitResult> {
  const loaded = await loadConfig({ cwd: options.cwd, isolated: true });
  const root = loaded.root;
  const discovery = discover({ root, targets: [root], include: ['**/*.py'], exclude: loaded.config.exclude });
  const frontEnds = await loadFrontEnds(new Set(['python']));
  const facts: FileFacts[] = [];
  for (const file of discovery.files) {
    const read = readSource(file, loaded.config.maxFileSize);
    if (read.ok && HINT.test(read.text)) facts.push(frontEnds.extract(read.text, file.path, 'python'));
  }
  const files = filesFromSet(discovery.all);
  const roles = new CodeRoles(loaded.config, files);
  const { chosen: sanctioned, rejected: runnersUp } = inferSanctionedLoaders(facts, (s) => roles.ofKnown(s.path, s));
  const project = new Project(root, loaded.config, files, sanctioned);
  const models = new Map<string, InferredModel>();
  for (const file of facts) {
    const fm = new FileModels(file, project);
    for (const call of file.calls) {
      if (!modelLoadKind(call)) continue;
      const id = fm.literalValue(modelArgument(call), call.span.line);
      if (!id || !Project.looksLikeModelId(id)) continue;
      const entry = models.get(id) ?? { id, verdict: project.classifyModel(id), files: [] };
      if (!entry.files.includes(file.path)) entry.files.push(file.path);
      models.set(id, entry);
    }
    for (const arg of file.cliArgs) {
      const v = arg.default;
      if (v?.kind !== 'str' || !Project.looksLikeModelId(v.value) || !arg.flags.some((f) => /model|checkpoint|tokenizer/i.test(f))) continue;
      const entry = models.get(v.value) ?? { id: v.value, verdict: project.classifyModel(v.value), files: [] };
      if (!entry.files.includes(file.path)) entry.files.push(file.path);
      models.set(v.value, entry);
    }
  }
  const sorted = [...models.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  const pyproject = path.join(root, 'pyproject.toml');
  const configFile = loaded.source ?? (discovery.all.has('pyproject.toml') ? pyproject : path.join(root, 'provenant.toml'));
  const settings = {
    sanctionedLoaders: sanctioned.map((l) => l.name),
    baseModels: sorted.filter((m) => m.verdict.kind === 'base').map((m) => m.id),
    instructModels: sorted.filter((m) => m.verdict.kind === 'instruct').map((m) => m.id),
  };
  let created = false;
  let written = false;
  if (!options.dryRun && (settings.sanctionedLoaders.length || settings.baseModels.length || settings.instructModels.length)) {
    const nonEmpty = Object.fromEntries(Object.entries(settings).filter(([, v]) => v.length));
    created = (await writeConfigSection(configFile, nonEmpty, { force: options.force ?? false })).created;
    written = true;
  }
  return { root, configFile, created, written, sanctioned, runnersUp, models: sorted };
}
