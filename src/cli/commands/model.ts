/**
 * `provenant model inspect|sentinel MODEL.gguf`: a GGUF model's metadata without loading weights, and the
 * sentinel proving the clean completion path evaluates exactly the raw prompt.
 */

import { parseArgs } from 'node:util';
import { UserError } from '../../core/errors.js';
import { formatModelReport, formatSentinel, inspectModel, modelSentinel } from '../../index.js';
import { oneOf, usage, type Io } from '../io.js';

export const HELP = `provenant model inspect MODEL.gguf [--json]
provenant model sentinel MODEL.gguf [--prompt TEXT] [--attest FILE] [--via clean|chat-session] [--json]

inspect   architecture, size, context length, BOS/EOS and add_bos_token, the embedded chat template
          (digest, family) and a base-vs-instruct assessment with its reasons; no weights are loaded.
sentinel  generates a few tokens through the clean path and checks what llama.cpp evaluated: BOS as the
          model asks, exactly tokenize(prompt) with special tokens not parsed, no control tokens, no
          template markers in the text, greedy output repeatable; shows beside it what LlamaChatSession
          sends. The result is an attestation for \`provenant run\` stamps.

  --prompt TEXT     the probe prompt (default: a short question; \\n in TEXT is a newline)
  --attest FILE     append the attestation as a JSON line to FILE (also to $PROVENANT_ATTEST when set)
  --via chat-session  run the checks on LlamaChatSession's stream instead: a control run that must fail
  --threads N       CPU threads (default: the machine's cores)
  --gpu             let node-llama-cpp use a GPU backend when installed (default: CPU only)
  --json            one JSON document on stdout

Exit: 0 clean, 1 a sentinel check failed, 2 bad input (missing, truncated or non-GGUF file, no tokenizer).
`;

export async function run(args: string[], io: Io): Promise<number> {
  const { values, positionals } = usage('model', () =>
    parseArgs({ args, allowPositionals: true, strict: true, options: {
      prompt: { type: 'string' }, attest: { type: 'string' }, via: { type: 'string' }, threads: { type: 'string' },
      gpu: { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    } }),
  );
  if (values.help) {
    io.stdout.write(HELP);
    return 0;
  }
  const [action, file, ...extra] = positionals;
  if (!action || !file || extra.length || (action !== 'inspect' && action !== 'sentinel')) {
    throw new UserError('model takes `inspect MODEL.gguf` or `sentinel MODEL.gguf`', { hint: 'provenant model inspect models/base.gguf' });
  }
  if (action === 'inspect') {
    const report = await inspectModel(file, { cwd: io.cwd });
    io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : await formatModelReport(report));
    return 0;
  }
  const threads = values.threads === undefined ? undefined : Number(values.threads);
  if (threads !== undefined && (!Number.isInteger(threads) || threads < 1)) throw new UserError(`--threads ${values.threads}: expected a whole number of at least 1`);
  const report = await modelSentinel({
    model: file, cwd: io.cwd, env: io.env, gpu: Boolean(values.gpu),
    ...(threads ? { threads } : {}),
    ...(values.prompt !== undefined ? { prompt: values.prompt.replace(/\\n/g, '\n') } : {}),
    ...(values.attest ? { attest: values.attest } : {}),
    via: oneOf('via', values.via, ['clean', 'chat-session'] as const) ?? 'clean',
  });
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : await formatSentinel(report));
  for (const target of report.attestedTo) io.stderr.write(`provenant: attestation appended to ${target}\n`);
  return report.passed ? 0 : 1;
}
