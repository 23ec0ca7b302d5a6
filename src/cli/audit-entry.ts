/**
 * `provenant audit` on its own, the pre-commit path. The build bundles this module and everything it reaches
 * into `dist/bundle/audit-entry.cjs` (one CommonJS file, most packages left outside), which `fast-start.ts`
 * loads with V8's code cache: no module graph to resolve and no source to compile on a warm start.
 */

import { loadFrontEnds } from '../analysis/index.js';
import { run } from './commands/audit.js';
import { boundary, processIo } from './boundary.js';

export async function runAudit(args: string[]): Promise<void> {
  const io = processIo();
  process.exitCode = await boundary(io, () => run(args, io));
}

/** Python touching what the extractor handles most: imports, definitions, calls, strings, bindings. */
const WARM_UP_SOURCE = `"""Warm-up sample."""
import json
import subprocess
from pathlib import Path as P
from transformers import AutoModelForCausalLM, AutoTokenizer

MODEL = "org/model-7B"


@decorator(option=True)
def load(name: str = MODEL, *, revision=None):
    tokenizer = AutoTokenizer.from_pretrained(name, revision=revision)
    model = AutoModelForCausalLM.from_pretrained(name, torch_dtype="auto")
    text = tokenizer.apply_chat_template([{"role": "user", "content": f"{name}"}], tokenize=False)
    return model, tokenizer, text


class Runner(Base):
    def run(self, path="data/train.jsonl"):
        with open(path) as handle:
            rows = [json.loads(line) for line in handle if line.strip()]
        for i, row in enumerate(rows):
            if (n := len(row)) > 2:
                subprocess.run(["python", "scripts/score.py", "--index", str(i)], check=True)
        try:
            return P(path).read_text()
        except OSError as error:
            return "failed: " + str(error)


if __name__ == "__main__":
    Runner().run()
`;

/**
 * Parses and extracts a sample file, so that a code cache written after this holds the Python front end
 * even when the run that writes it parsed nothing (a full audit over a warm facts cache).
 */
export async function warmUp(): Promise<void> {
  const frontEnds = await loadFrontEnds(new Set(['python']));
  frontEnds.extract(WARM_UP_SOURCE, 'warm_up.py', 'python');
}
