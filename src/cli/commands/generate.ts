/**
 * `provenant generate`: few-shot completion data from a local GGUF base model, optionally filtered by the
 * log-prob critic or turned into best-of-K preference pairs, written atomically and stamped.
 */

import { parseArgs } from 'node:util';
import { UserError } from '../../core/errors.js';
import { generateDataset } from '../../index.js';
import { usage, type Io } from '../io.js';

export const HELP = `provenant generate --model M.gguf --instructions IN.jsonl --out OUT.jsonl [options]

Each instruction ({"instruction": "...", "id": optional} per line) gets a completion-style prompt of 3–4
randomly chosen examples with no role scaffolding; the record stores that exact prompt. The sentinel runs
first (a failure stops the run) and every completion is checked. OUT is written as OUT.partial and renamed
when complete, then stamped (model digest, sentinel result, sampling settings, seed). Malformed lines are
reported and skipped. After Ctrl-C the partial file stays unstamped; rerunning the same command resumes it.

  --examples FILE      few-shot pool, {"prompt", "completion"} per line (default: a built-in pool)
  --seed N             run seed (default 0); each record's examples and sampling derive from it
  --temperature T      0 (default) is greedy; --best-of defaults to 0.8
  --top-k K, --top-p P, --max-tokens N (default 128), --context-size N
  --critic             keep a record only when log p(" A") − log p(" B") ≥ --min-margin (default 0)
  --best-of K          K candidates per instruction, scored by the critic: pairs best vs each other one
  --restart            discard OUT.partial instead of resuming it
  --threads N, --gpu   CPU threads (default: cores); allow a GPU backend
  --json               the result as one JSON document on stdout

Exit: 0 done, 1 sentinel or QC failed, 2 bad input, 130 interrupted.
`;

const NUMBERS = ['seed', 'temperature', 'top-k', 'top-p', 'max-tokens', 'context-size', 'min-margin', 'best-of', 'threads'] as const;

export async function run(args: string[], io: Io): Promise<number> {
  const options = Object.fromEntries(NUMBERS.map((n) => [n, { type: 'string' as const }]));
  const { values } = usage('generate', () =>
    parseArgs({ args, strict: true, options: { ...options, model: { type: 'string' }, instructions: { type: 'string' }, out: { type: 'string' }, examples: { type: 'string' },
      critic: { type: 'boolean' }, restart: { type: 'boolean' }, gpu: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const v = values as Record<string, string | boolean | undefined>;
  const num = (flag: (typeof NUMBERS)[number]): number | undefined => {
    const raw = v[flag];
    if (typeof raw !== 'string') return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UserError(`--${flag} ${raw}: expected a number`);
    return n;
  };
  const [model, instructions, out] = [v.model, v.instructions, v.out].map((x) => (typeof x === 'string' ? x : undefined));
  if (!model || !instructions || !out) throw new UserError('generate needs --model, --instructions and --out', { hint: 'provenant generate --model base.gguf --instructions in.jsonl --out data/sft.jsonl' });
  const controller = new AbortController();
  const onInterrupt = (): void => {
    if (controller.signal.aborted) process.exit(130);
    io.stderr.write('\nprovenant: stopping after the current completion (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onInterrupt);
  try {
    const picked = Object.fromEntries([['seed', 'seed'], ['temperature', 'temperature'], ['topK', 'top-k'], ['topP', 'top-p'], ['maxTokens', 'max-tokens'], ['contextSize', 'context-size'], ['minMargin', 'min-margin'], ['bestOf', 'best-of'], ['threads', 'threads']]
      .map(([key, flag]) => [key, num(flag as (typeof NUMBERS)[number])]).filter(([, n]) => n !== undefined));
    const r = await generateDataset({ ...picked, model, instructions, out, ...(typeof v.examples === 'string' ? { examples: v.examples } : {}), critic: Boolean(v.critic), restart: Boolean(v.restart), gpu: Boolean(v.gpu),
      cwd: io.cwd, env: io.env, argv: ['provenant', 'generate', ...args], signal: controller.signal, progress: io.stderr, warn: (m) => io.stderr.write(`provenant: ${m}\n`) });
    if (values.json) io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    if (r.kind === 'refused') io.stderr.write(`provenant: the sentinel failed; nothing was generated: ${r.sentinel.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.detail}`).join('; ')}\n`);
    if (r.kind === 'interrupted') io.stderr.write(`provenant: interrupted; ${r.records} record(s) kept in ${r.partial} (not stamped); rerun the same command to resume\n`);
    if (r.kind !== 'done') return r.kind === 'refused' ? 1 : 130;
    for (const s of r.skipped) io.stderr.write(`provenant: ${instructions}:${s.line}: ${s.reason}; skipped\n`);
    if (!values.json) io.stdout.write(`${r.out}: ${r.records} record(s)${r.resumed ? ` (${r.resumed} resumed)` : ''}, ${r.rejected} dropped, ${r.skipped.length} line(s) skipped; stamped → ${r.sidecar}${r.qcPassed ? '' : ' (QC FAILED)'}\n`);
    return r.qcPassed ? 0 : 1;
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
