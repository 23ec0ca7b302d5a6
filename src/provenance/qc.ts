/**
 * QC policies, checked when an output is stamped and recorded in its stamp (a failed policy does not stop
 * the stamp: it makes `verify` answer failed-qc, so the result is kept and refused at once). What each kind
 * checks comes from the failures in the users' notes:
 * - sft: required fields; empty or placeholder responses (a failed generation papered over); the stored
 *   prompt being the prompt actually used (`formatted_text` = `prompt` + completion); duplicates.
 * - preference: chosen ≠ rejected; pairs per instruction; margins, when recorded, on the right side;
 *   boilerplate negatives (one rejected text reused across many pairs); duplicates.
 * - eval: the required metrics are present and numeric.
 */
import picomatch from 'picomatch';

import { valueAtDotted } from '../core/describe.js';
import type { QcPolicy } from '../schemas/config.js';
import type { QcCheck, QcResult } from '../schemas/stamp.js';
import { readJson } from '../core/fs.js';
import { readJsonl } from './records.js';

const RESPONSE_FIELDS = ['response', 'completion', 'output'];
const MARGIN_FIELDS = ['margin', 'score_margin', 'logprob_margin'];

export function policiesFor(rel: string, policies: readonly QcPolicy[]): QcPolicy[] {
  return policies.filter((p) => picomatch(p.paths, { dot: true })(rel));
}

/** Runs every policy that applies to `rel`; also returns the JSONL summary when the file was read for it. */
export function runQc(abs: string, rel: string, policies: readonly QcPolicy[]): QcResult[] {
  return policiesFor(rel, policies).map((policy) => {
    const checks = policy.kind === 'eval' ? evalChecks(abs, policy) : recordChecks(abs, policy);
    return { policy: policy.name, kind: policy.kind, passed: checks.every((c) => c.passed), checks };
  });
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function firstField(record: Record<string, unknown>, names: readonly string[]): unknown {
  for (const name of names) if (name in record) return record[name];
  return undefined;
}

function rate(part: number, whole: number): number {
  return whole === 0 ? 0 : Math.round((part / whole) * 1e6) / 1e6;
}

function recordChecks(abs: string, policy: QcPolicy): QcCheck[] {
  const required = policy.requiredFields.length ? policy.requiredFields : policy.kind === 'preference' ? ['chosen', 'rejected'] : [];
  let missing = 0;
  let firstMissing = '';
  let empty = 0;
  let promptMismatch = 0;
  let firstMismatch = '';
  let samePair = 0;
  const seen = new Set<string>();
  let duplicates = 0;
  const perInstruction = new Map<string, number>();
  const rejectedTexts = new Map<string, number>();
  let margins = 0;
  let badMargins = 0;
  const summary = readJsonl(abs, (record, line) => {
    const absent = required.filter((f) => record[f] === undefined || record[f] === null);
    if (absent.length) {
      missing++;
      firstMissing ||= `line ${line}: no ${absent.join(', ')}`;
    }
    const key = JSON.stringify(record);
    if (seen.has(key)) duplicates++;
    else seen.add(key);
    if (policy.kind === 'sft') {
      const response = text(firstField(record, RESPONSE_FIELDS));
      if (response !== null && isPlaceholder(response, policy.placeholderPatterns)) empty++;
      const prompt = text(record.prompt);
      const formatted = text(record.formatted_text);
      const completion = text(firstField(record, ['completion', 'response']));
      if (prompt !== null && formatted !== null && completion !== null && formatted !== prompt + completion) {
        promptMismatch++;
        firstMismatch ||= `line ${line}: formatted_text is not prompt + completion`;
      }
    } else {
      const chosen = text(record.chosen);
      const rejected = text(record.rejected);
      if (chosen !== null && rejected !== null && chosen.trim() === rejected.trim()) samePair++;
      const instruction = text(firstField(record, ['instruction', 'prompt']));
      if (instruction !== null) perInstruction.set(instruction, (perInstruction.get(instruction) ?? 0) + 1);
      if (rejected !== null) rejectedTexts.set(rejected.trim(), (rejectedTexts.get(rejected.trim()) ?? 0) + 1);
      const margin = firstField(record, MARGIN_FIELDS);
      if (typeof margin === 'number') {
        margins++;
        if (policy.minMargin !== null ? margin < policy.minMargin : margin <= 0) badMargins++;
      }
    }
  });
  const n = summary.records;
  const checks: QcCheck[] = [];
  if (summary.problem) checks.push({ name: 'parseable', passed: false, value: summary.problem, threshold: null, detail: 'every line must be a JSON object' });
  checks.push({ name: 'records', passed: n > 0, value: n, threshold: 1 });
  if (required.length) checks.push({ name: 'required-fields', passed: missing === 0, value: missing, threshold: 0, detail: firstMissing || `every record has ${required.join(', ')}` });
  checks.push({ name: 'duplicate-rate', passed: rate(duplicates, n) <= policy.maxDuplicateRate, value: rate(duplicates, n), threshold: policy.maxDuplicateRate });
  if (policy.kind === 'sft') {
    checks.push({ name: 'empty-or-placeholder-rate', passed: rate(empty, n) <= policy.maxEmptyRate, value: rate(empty, n), threshold: policy.maxEmptyRate, detail: `${empty} of ${n} responses empty or placeholder` });
    checks.push({ name: 'stored-prompt-matches', passed: promptMismatch === 0, value: promptMismatch, threshold: 0, ...(firstMismatch ? { detail: firstMismatch } : {}) });
  } else {
    checks.push({ name: 'chosen-differs-from-rejected', passed: samePair === 0, value: samePair, threshold: 0 });
    const most = Math.max(0, ...perInstruction.values());
    if (policy.maxPairsPerInstruction !== null) checks.push({ name: 'pairs-per-instruction', passed: most <= policy.maxPairsPerInstruction, value: most, threshold: policy.maxPairsPerInstruction });
    if (margins > 0) checks.push({ name: 'margins', passed: badMargins === 0, value: badMargins, threshold: policy.minMargin ?? 0, detail: `${badMargins} of ${margins} recorded margins below the threshold` });
    const [common, count] = [...rejectedTexts.entries()].reduce<[string, number]>((best, e) => (e[1] > best[1] ? e : best), ['', 0]);
    const share = count >= 2 ? rate(count, n) : 0;
    checks.push({ name: 'boilerplate-negative-rate', passed: share <= policy.maxBoilerplateRate, value: share, threshold: policy.maxBoilerplateRate, ...(count >= 2 ? { detail: `${count} pairs reject ${JSON.stringify(common.slice(0, 60))}` } : {}) });
  }
  return checks;
}

function isPlaceholder(response: string, patterns: readonly string[]): boolean {
  const t = response.trim();
  if (t === '') return true;
  return patterns.some((p) => t === p || (p.startsWith('[') && t.includes(p)));
}

function evalChecks(abs: string, policy: QcPolicy): QcCheck[] {
  const doc = readJson(abs);
  if ('problem' in doc) return [{ name: 'parseable', passed: false, value: doc.problem, threshold: null }];
  return policy.requiredFields.map((metric): QcCheck => {
    const value = valueAtDotted(doc.value, metric);
    const ok = typeof value === 'number' && Number.isFinite(value);
    return { name: `metric:${metric}`, passed: ok, value: ok ? value : null, threshold: null, ...(ok ? {} : { detail: `${metric} is missing or not a number` }) };
  });
}
