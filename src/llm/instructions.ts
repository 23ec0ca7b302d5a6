/**
 * Reading the inputs of `provenant generate`: the instructions JSONL (one object per line with an
 * `instruction` string and an optional `id`), where a bad line is reported with its number and skipped so
 * the rest is still processed, and the optional few-shot examples JSONL (`prompt` and `completion`), where
 * any bad line is an error because it would change every prompt. Also the partial output a Ctrl-C leaves,
 * read back to resume: only whole lines count.
 */
import { readFileSync } from 'node:fs';

import { errorMessage, UserError } from '../core/errors.js';
import { parseJson } from '../core/fs.js';
import { markersIn } from './clean.js';
import type { Example } from './fewshot.js';

export interface Instruction {
  line: number;
  id: string;
  instruction: string;
}

export interface Skipped {
  line: number;
  reason: string;
}

function readText(file: string, display: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(`${display}: ${code === 'ENOENT' ? 'no such file' : `cannot read (${errorMessage(error)})`}`, { hint: `give the ${what} file`, cause: error });
  }
}

function parseLine(text: string): { value: Record<string, unknown> } | { problem: string } {
  const parsed = parseJson(text);
  if ('problem' in parsed) return { problem: `not JSON (${parsed.problem})` };
  const value = parsed.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { problem: 'not a JSON object' };
  return { value: value as Record<string, unknown> };
}

/** Valid instructions and the lines skipped with their reasons; `controlTexts` adds the model's own markers. */
export function readInstructions(file: string, display: string, controlTexts: readonly string[] = []): { instructions: Instruction[]; skipped: Skipped[] } {
  const instructions: Instruction[] = [];
  const skipped: Skipped[] = [];
  const ids = new Set<string>();
  readText(file, display, 'instructions').split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    const parsed = parseLine(raw);
    if ('problem' in parsed) return void skipped.push({ line, reason: parsed.problem });
    const { instruction, id } = parsed.value;
    if (typeof instruction !== 'string' || !instruction.trim()) return void skipped.push({ line, reason: 'no "instruction" string' });
    const markers = markersIn(instruction, { controlTexts });
    if (markers.length) return void skipped.push({ line, reason: `the instruction contains chat-template markers (${markers.join(', ')})` });
    const key = typeof id === 'string' || typeof id === 'number' ? String(id) : `line-${line}`;
    if (ids.has(key)) return void skipped.push({ line, reason: `duplicate id ${JSON.stringify(key)}` });
    ids.add(key);
    instructions.push({ line, id: key, instruction });
  });
  return { instructions, skipped };
}

export function readExamples(file: string, display: string): Example[] {
  const out: Example[] = [];
  readText(file, display, 'examples').split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    const parsed = parseLine(raw);
    const where = `${display}:${i + 1}`;
    if ('problem' in parsed) throw new UserError(`${where}: ${parsed.problem}`, { hint: 'each line is {"prompt": "...", "completion": "..."}' });
    const { prompt, completion } = parsed.value;
    if (typeof prompt !== 'string' || typeof completion !== 'string') throw new UserError(`${where}: "prompt" and "completion" must be strings`, { hint: 'each line is {"prompt": "...", "completion": "..."}' });
    const markers = markersIn(`${prompt}\n${completion}`, { controlTexts: [] });
    if (markers.length) throw new UserError(`${where}: the example contains chat-template markers (${markers.join(', ')})`);
    if (prompt.includes('\n\n') || completion.includes('\n\n')) throw new UserError(`${where}: a blank line inside an example would end the completion early`);
    out.push({ prompt: prompt.trim(), completion: completion.trim() });
  });
  if (out.length < 3) throw new UserError(`${display}: ${out.length} example(s); a few-shot prompt needs at least 3`);
  return out;
}

/** Moves instructions holding one of the model's control-token texts to the skipped lines, in line order. */
export function withModelMarkers(read: { instructions: Instruction[]; skipped: Skipped[] }, controlTexts: readonly string[]): { instructions: Instruction[]; skipped: Skipped[] } {
  const instructions: Instruction[] = [];
  const skipped = [...read.skipped];
  for (const ins of read.instructions) {
    const markers = markersIn(ins.instruction, { controlTexts });
    if (markers.length) skipped.push({ line: ins.line, reason: `the instruction contains the model's control-token text (${markers.join(', ')})` });
    else instructions.push(ins);
  }
  return { instructions, skipped: skipped.sort((a, b) => a.line - b.line) };
}

/** The whole JSON lines of a partial output, and the byte length they span (a torn last line is dropped). */
export function readPartial(text: string): { records: Record<string, unknown>[]; bytes: number } {
  const records: Record<string, unknown>[] = [];
  let bytes = 0;
  let start = 0;
  for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
    const parsed = parseLine(text.slice(start, end));
    if ('problem' in parsed) break;
    records.push(parsed.value);
    start = end + 1;
    bytes = Buffer.byteLength(text.slice(0, start));
  }
  return { records, bytes };
}
