/**
 * What one file says about itself, from its facts and nothing else: docstring, command line, top-level
 * definitions, what it imports and runs (unresolved), data paths. Kept in the index per file, so a sync
 * rebuilds it only for files whose bytes changed; everything that depends on other files (resolution,
 * dependents) or on people (annotations) is added later, from all the parts at once.
 */
import type { FileFacts, Language } from '../analysis/facts.js';
import type { CellLine, CommandLine, DefinedName, Dependent } from '../schemas/registry.js';
import { commandLineOf } from './commandline.js';
import { dataFlowOf } from './dataflow.js';

export interface ImportPart {
  module: string;
  name: string | null;
  level: number;
  line: number;
  cell?: CellLine;
  /** From front ends that resolve imports themselves (TS/JS); absent for Python. */
  candidates?: string[];
}

export interface RunPart {
  candidates: string[];
  via: Dependent['via'];
  line: number;
  cell?: CellLine;
}

export interface FilePart {
  language: Language;
  docstring: string | null;
  mainGuard: boolean;
  cli: CommandLine | null;
  defs: DefinedName[];
  imports: ImportPart[];
  runs: RunPart[];
  reads: string[];
  writes: string[];
  parseErrors: number;
  /** Why the file could not be read or decoded, when it could not: registered anyway. */
  unreadable: string | null;
}

/** Bumped whenever a part's shape or derivation changes, so parts in an existing index are rebuilt. */
export const PART_VERSION = 2;

const MAX_SENTENCE = 240;

/**
 * The first sentence of a docstring or comment: its first paragraph up to the first full stop that
 * ends a sentence (not `e.g.` or `v2.5`), whitespace collapsed.
 */
export function firstSentence(text: string | null): string | null {
  if (!text) return null;
  const paragraph = text.trim().split(/\n\s*\n/)[0] ?? '';
  const flat = paragraph.replace(/\s+/g, ' ').trim();
  if (!flat) return null;
  const end = /(?<!\b(?:e\.g|i\.e|etc|vs|cf))[.!?](?=\s|$)/.exec(flat);
  const sentence = end ? flat.slice(0, end.index + 1) : flat;
  return sentence.length > MAX_SENTENCE ? `${sentence.slice(0, MAX_SENTENCE - 1).trimEnd()}…` : sentence;
}

/**
 * The leading comment block of a shell script or Makefile (after a shebang), as a docstring: launchers
 * have no other place to say what they are for.
 */
export function leadingComment(source: string): string | null {
  const lines = source.split(/\r?\n/);
  let i = lines[0]?.startsWith('#!') ? 1 : 0;
  while (i < lines.length && lines[i]?.trim() === '') i++;
  const out: string[] = [];
  for (; i < lines.length; i++) {
    const m = /^\s*#+ ?(.*)$/.exec(lines[i] ?? '');
    if (!m) break;
    out.push(m[1] ?? '');
  }
  const text = out.join('\n').trim();
  return text || null;
}

/**
 * A line of a file as people find it: itself, or in a notebook (whose facts are on its code cells joined)
 * the line of the notebook's JSON, as findings give it, with the cell and the line in the cell.
 */
export type Place = (line: number) => { line: number; cell?: CellLine };

export function placeOf(facts: FileFacts): Place {
  const map = facts.notebook;
  if (!map) return (line) => ({ line });
  return (line) => {
    const cell = map.cells[line - 1];
    if (cell === undefined) return { line };
    return { line: map.jsonLines[line - 1] ?? line, cell: { index: cell, line: map.cellLines[line - 1] ?? line } };
  };
}

/** Top-level functions and classes: what someone looking for an implementation would reuse. */
function defsOf(facts: FileFacts, place: Place): DefinedName[] {
  return facts.defs
    .filter((d) => !d.qualname.includes('.'))
    .map((d) => ({ name: d.name, kind: d.kind, ...place(d.span.line), summary: firstSentence(d.docstring) }));
}

export function partOf(facts: FileFacts, source: string | null): FilePart {
  const launcher = facts.language === 'shell' || facts.language === 'make';
  const { reads, writes } = dataFlowOf(facts);
  const place = placeOf(facts);
  return {
    language: facts.language,
    docstring: facts.docstring ?? (launcher && source !== null ? leadingComment(source) : null),
    mainGuard: facts.mainGuard === true,
    cli: commandLineOf(facts),
    defs: defsOf(facts, place),
    imports: facts.imports.map((i) => ({
      module: i.module,
      name: i.name,
      level: i.level,
      ...place(i.span.line),
      ...(i.candidates ? { candidates: i.candidates } : {}),
    })),
    runs: facts.scriptCalls.map((c) => ({ candidates: c.candidates, via: c.via, ...place(c.span.line) })),
    reads,
    writes,
    parseErrors: facts.parseErrors.length,
    unreadable: null,
  };
}

/** A file registered without facts (binary, too large, not decodable). */
export function unreadablePart(language: Language, reason: string): FilePart {
  return {
    language,
    docstring: null,
    mainGuard: false,
    cli: null,
    defs: [],
    imports: [],
    runs: [],
    reads: [],
    writes: [],
    parseErrors: 0,
    unreadable: reason,
  };
}
