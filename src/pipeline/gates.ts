/**
 * Gates: `FILE:KEY OP VALUE` read from a stage's JSON output after it ran (or when it is up to date), e.g.
 * `reports/sft_eval.json:accuracy >= 0.70`. A missing file or metric fails the gate with that reason.
 */
import path from 'node:path';

import { valueAtDotted } from '../core/describe.js';
import { readJson } from '../core/fs.js';
import type { Gate } from './spec.js';

export interface GateOutcome {
  gate: string;
  passed: boolean;
  /** The metric's value, or null when it could not be read. */
  value: unknown;
  message: string;
}

export function evaluateGate(root: string, gate: Gate): GateOutcome {
  const doc = readJson(path.join(root, gate.file));
  if ('problem' in doc) return { gate: gate.text, passed: false, value: null, message: `cannot read ${gate.file}: ${doc.problem}` };
  const value = valueAtDotted(doc.value, gate.key);
  if (value === undefined) return { gate: gate.text, passed: false, value: null, message: `${gate.file} has no metric ${gate.key}` };
  const passed = compare(value, gate.op, gate.value);
  const shown = typeof value === 'number' ? String(Math.round(value * 1e6) / 1e6) : JSON.stringify(value);
  return { gate: gate.text, passed, value, message: `${gate.file}:${gate.key} = ${shown}, ${passed ? 'meets' : 'needs'} ${gate.op} ${String(gate.value)}` };
}

function compare(a: unknown, op: Gate['op'], b: number | boolean | string): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (typeof a !== 'number' || typeof b !== 'number') return false;
  switch (op) {
    case '>=':
      return a >= b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '<':
      return a < b;
  }
}
