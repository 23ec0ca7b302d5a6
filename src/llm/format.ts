/**
 * Plain-text renderings of the local model reports for the terminal: the inspect summary, and the
 * sentinel's checks with the clean stream and the chat session's stream side by side, so the difference
 * a chat wrapper makes is visible at a glance.
 */
import type { ModelReport } from './inspect.js';
import type { SentinelReport } from './types.js';

const short = (sha: string | null | undefined): string => (sha ? `${sha.slice(0, 12)}…` : '-');

function size(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let n = bytes;
  let u = 0;
  while (n >= 1024 && u < units.length - 1) {
    n /= 1024;
    u++;
  }
  return `${n.toFixed(u ? 1 : 0)} ${units[u]}`;
}

function count(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(0)}K` : String(n);
}

export function formatModelReport(r: ModelReport): string {
  const t = r.tokenizer;
  const token = (ref: { id: number; text: string | null } | null): string => (ref ? `${JSON.stringify(ref.text)} (${ref.id})` : 'none');
  const rows: [string, string][] = [
    ['name', r.name ?? '-'],
    ['architecture', `${r.architecture ?? '?'}, ${count(r.parameters)} parameters, ${r.fileType ?? '?'}, context ${r.contextLength ?? '?'}, ${r.layers ?? '?'} layers`],
    ['tokenizer', t ? `${t.model}${t.pre ? ` (pre ${t.pre})` : ''}, ${t.vocabSize} tokens, ${t.controlTokens.length} control, sha256 ${short(t.sha256)}` : 'none'],
    ['BOS', t ? `${token(t.bos)}, add_bos_token ${t.addBosToken === null ? `absent (default: ${t.addBos})` : String(t.addBosToken)}` : '-'],
    ['EOS', t ? token(t.eos) : '-'],
    ['chat template', r.chatTemplate.present ? `embedded, ${r.chatTemplate.family ?? 'unrecognised family'}, ${r.chatTemplate.length} chars, sha256 ${short(r.chatTemplate.sha256)}` : 'none'],
    ['assessment', r.assessment.kind],
  ];
  const lines = [`${r.path}  ${size(r.bytes)}  sha256 ${r.sha256}`, ...rows.map(([k, v]) => `  ${k.padEnd(14)} ${v}`)];
  lines.push(...r.assessment.reasons.map((reason) => `    - ${reason}`));
  lines.push(...r.warnings.map((w) => `  warning: ${w}`));
  return `${lines.join('\n')}\n`;
}

/** Wraps `text` (newlines shown as ⏎) into lines of `width` characters. */
function wrap(text: string, width: number): string[] {
  const flat = text.replace(/\n/g, '⏎');
  const out: string[] = [];
  for (let i = 0; i < flat.length; i += width) out.push(flat.slice(i, i + width));
  return out.length ? out : [''];
}

export function formatSentinel(r: SentinelReport, columns = 100): string {
  const lines = [`sentinel ${r.passed ? 'PASSED' : 'FAILED'}: ${r.model.path} (sha256 ${short(r.model.sha256)}), ${r.via === 'clean' ? 'the clean completion path' : 'LlamaChatSession (a control run: it must fail)'}`];
  for (const c of r.checks) lines.push(`  ${c.passed ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
  const w = Math.max(20, Math.floor((columns - 3) / 2));
  const left = wrap(r.clean.text, w);
  const right = wrap(r.chatSession.text, w);
  lines.push('', `${`clean path: ${r.clean.tokens} tokens, BOS ${r.clean.bos ? 'yes' : 'no'}`.padEnd(w)} | LlamaChatSession (${r.chatSession.wrapper}): ${r.chatSession.tokens} tokens, BOS ${r.chatSession.bos ? 'yes' : 'no'}`);
  for (let i = 0; i < Math.max(left.length, right.length); i++) lines.push(`${(left[i] ?? '').padEnd(w)} | ${right[i] ?? ''}`);
  return `${lines.join('\n')}\n`;
}
