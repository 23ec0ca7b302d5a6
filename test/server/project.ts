/**
 * The research project the server tests open, in a real git repository, and a started server on it.
 */
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { LspClient } from '../../bench/lsp-client.js';
import { BIN } from '../helpers/exec.js';
import { makeGitDir, type GitDir } from '../helpers/gitdir.js';

export const CONFIG = 'base-models = ["Qwen/Qwen2.5-7B"]\n';

export const GEN = `import subprocess
from transformers import AutoTokenizer

tok = AutoTokenizer.from_pretrained("Qwen/Qwen2.5-7B")
text = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False)
subprocess.run(["python", "scripts/old.py"])
subprocess.run(["python", "scripts/missing.py"])
`;

export const ANNOTATIONS = `version: 1
files:
  scripts/helper.py:
    purpose: Scores each instruction with the shared critic.
`;

export const CHAT_TS = `import { AutoTokenizer } from '@huggingface/transformers';

const tok = await AutoTokenizer.from_pretrained('Qwen/Qwen2.5-7B');
export const text = tok.apply_chat_template([{ role: 'user', content: 'hi' }], { tokenize: false });
`;

export interface Served {
  repo: GitDir;
  client: LspClient;
  capabilities: Record<string, unknown>;
  uri(rel: string): string;
  file(rel: string): string;
}

/** A committed project with the given files over the base ones, and a server initialized on it. */
export async function serve(files: Record<string, string> = {}, initializationOptions: Record<string, unknown> = { debounceMs: 20 }): Promise<Served> {
  const repo = makeGitDir({
    'provenant.toml': CONFIG,
    'provenant-registry.yaml': ANNOTATIONS,
    'scripts/gen.py': GEN,
    'scripts/old.py.DEPRECATED': 'print("old")\n',
    'scripts/helper.py': '"""Scores instructions."""\nprint("score")\n',
    'run.sh': '#!/bin/sh\npython scripts/helper.py --n 3\n',
    'web/chat.ts': CHAT_TS,
    ...files,
  });
  const client = LspClient.start(BIN, repo.root);
  const { capabilities } = await client.initialize(pathToFileURL(repo.root).href, initializationOptions);
  return {
    repo,
    client,
    capabilities,
    uri: (rel) => pathToFileURL(path.join(repo.root, rel)).href,
    file: (rel) => path.join(repo.root, rel),
  };
}

/** The codes of a publication, sorted. */
export function codes(diagnostics: readonly { code?: string | number }[]): string[] {
  return diagnostics.map((d) => String(d.code)).sort();
}

/**
 * For a test file: one served project for all its tests, started before them (with `open`, a Python file
 * opened and its first diagnostics awaited) and ended after them.
 */
export function useServer(files: Record<string, string> = {}, open?: { path: string; text: string }): Served {
  let served: Served | undefined;
  beforeAll(async () => {
    served = await serve(files);
    if (open) {
      await served.client.open(served.uri(open.path), 'python', open.text);
      await served.client.waitForDiagnostics(served.uri(open.path));
    }
  }, 120_000);
  afterAll(() => {
    served?.client.kill();
    served?.repo.cleanup();
  });
  const got = (): Served => {
    if (!served) throw new Error('the server is not started yet');
    return served;
  };
  return {
    get repo() {
      return got().repo;
    },
    get client() {
      return got().client;
    },
    get capabilities() {
      return got().capabilities;
    },
    uri: (rel) => got().uri(rel),
    file: (rel) => got().file(rel),
  };
}
