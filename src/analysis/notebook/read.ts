/**
 * Reads a Jupyter notebook (nbformat 4) into its code cells, each source line with the line of the
 * notebook's JSON it is written on. Outputs are parsed by `JSON.parse` and never looked at again; the JSON
 * lines come from one pass over the raw text that jumps from quote to quote, so a notebook whose size is
 * base64 images costs little more than its code.
 */

export interface NotebookCell {
  /** 1-based position among all cells (markdown ones included), as a notebook editor counts them. */
  index: number;
  /** The cell's source with `\r\n` made `\n`, ending in a newline unless empty. */
  text: string;
  /** For each line of `text`, the 1-based line of the notebook JSON it is written on. */
  jsonLines: number[];
}

export type ReadNotebook =
  | {
      ok: true;
      cells: NotebookCell[];
      /** The text of the first markdown cell (what the notebook says it is for), or null. */
      markdown: string | null;
    }
  | { ok: false; reason: string };

/** The code cells of a notebook, or why it cannot be read as one (naming the cell when one is at fault). */
export function readNotebook(raw: string): ReadNotebook {
  if (raw.trim() === '') return { ok: false, reason: raw.length ? 'not a notebook: the file is blank' : 'not a notebook: the file is empty (0 bytes)' };
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch (error) {
    return { ok: false, reason: `not a notebook: invalid JSON (${(error as Error).message.replace(/\s+/g, ' ')})` };
  }
  if (!isRecord(doc) || !Array.isArray(doc.cells)) {
    if (isRecord(doc) && typeof doc.nbformat === 'number' && doc.nbformat < 4) {
      return { ok: false, reason: `nbformat ${doc.nbformat} notebooks are not supported; convert it with \`jupyter nbconvert --to notebook --nbformat 4\`` };
    }
    return { ok: false, reason: 'not a notebook: no "cells" list at the top level (nbformat 4)' };
  }
  if (typeof doc.nbformat === 'number' && doc.nbformat !== 4) {
    return { ok: false, reason: `nbformat ${doc.nbformat} notebooks are not supported (nbformat 4 is)` };
  }
  const offsets = sourceOffsets(raw);
  const lineOf = lineCounter(raw);
  const cells: NotebookCell[] = [];
  let markdown: string | null = null;
  for (const [i, cell] of doc.cells.entries()) {
    const index = i + 1;
    if (!isRecord(cell)) return { ok: false, reason: `cell ${index} is not a JSON object` };
    if (cell.cell_type !== 'code' && (cell.cell_type !== 'markdown' || markdown !== null)) continue;
    const source = cell.source ?? '';
    const parts = typeof source === 'string' ? [source] : Array.isArray(source) && source.every((s) => typeof s === 'string') ? (source as string[]) : null;
    if (cell.cell_type === 'markdown') {
      // prose no rule reads: a malformed one only costs the notebook its stated purpose
      if (parts) markdown = parts.join('').replace(/\r\n?/g, '\n');
      continue;
    }
    if (!parts) return { ok: false, reason: `cell ${index}: "source" is neither a string nor a list of strings` };
    const at = offsets.get(i) ?? [];
    let text = '';
    const jsonLines: number[] = [];
    let atLineStart = true;
    parts.forEach((part, p) => {
      const line = at[p] === undefined ? 1 : lineOf(at[p]);
      const clean = part.replace(/\r\n?/g, '\n');
      for (let k = 0; k < clean.length; k++) {
        if (atLineStart) jsonLines.push(line);
        atLineStart = clean.charCodeAt(k) === 10;
      }
      text += clean;
    });
    if (text && !text.endsWith('\n')) text += '\n';
    cells.push({ index, text, jsonLines });
  }
  return { ok: true, cells, markdown };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Offset → 1-based line, for offsets asked in increasing order (what `sourceOffsets` yields). */
function lineCounter(raw: string): (offset: number) => number {
  let pos = 0;
  let line = 1;
  return (offset) => {
    if (offset < pos) {
      pos = 0;
      line = 1;
    }
    for (let nl = raw.indexOf('\n', pos); nl >= 0 && nl < offset; nl = raw.indexOf('\n', nl + 1)) line++;
    pos = offset;
    return line;
  };
}

/** Where a string token starting at `start` (its opening quote) ends: the offset after its closing quote. */
export function stringEnd(raw: string, start: number): number {
  let q = raw.indexOf('"', start + 1);
  while (q >= 0) {
    let backslashes = 0;
    for (let b = q - 1; raw.charCodeAt(b) === 92; b--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    q = raw.indexOf('"', q + 1);
  }
  return raw.length;
}

type Role = 'root' | 'cells' | 'cell' | 'source' | 'other';
interface Frame {
  role: Role;
  object: boolean;
  /** Objects: the key whose value comes next (null while a key is expected). */
  key: string | null;
  /** Arrays: the index of the next element. */
  next: number;
}

/**
 * The offsets of the strings of each cell's `source` (cell position → offsets in order), from the raw
 * text of a notebook `JSON.parse` accepted. Only the keys of the top object and of cells are decoded;
 * every other string is skipped with `indexOf`.
 */
export function sourceOffsets(raw: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  const stack: Frame[] = [];
  let cellIndex = -1;
  const childRole = (): Role => {
    const top = stack[stack.length - 1];
    if (!top) return 'root';
    if (top.role === 'root' && top.key === 'cells') return 'cells';
    if (top.role === 'cells') return 'cell';
    if (top.role === 'cell' && top.key === 'source') return 'source';
    return 'other';
  };
  // a value was read in the top frame: an object expects a key again
  const valueDone = (): void => {
    const top = stack[stack.length - 1];
    if (!top) return;
    if (top.object) top.key = null;
    else top.next++;
  };
  for (let i = 0; i < raw.length; ) {
    const c = raw.charCodeAt(i);
    if (c === 34 /* " */) {
      const end = stringEnd(raw, i);
      const top = stack[stack.length - 1];
      if (top?.object && top.key === null) {
        const decodes = top.role === 'root' || top.role === 'cell';
        top.key = decodes ? (JSON.parse(raw.slice(i, end)) as string) : '';
      } else {
        // a source list's strings, or a source written as one string
        if (top?.role === 'source' || childRole() === 'source') {
          const list = out.get(cellIndex) ?? [];
          list.push(i);
          out.set(cellIndex, list);
        }
        valueDone();
      }
      i = end;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      const role = childRole();
      if (role === 'cell') cellIndex = stack[stack.length - 1]?.next ?? 0;
      stack.push({ role, object: c === 123, key: null, next: 0 });
      i++;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      stack.pop();
      valueDone();
      i++;
    } else if (c === 116 || c === 102 || c === 110 || c === 45 || (c >= 48 && c <= 57)) {
      // true, false, null, a number: skip to the next delimiter
      let j = i + 1;
      while (j < raw.length && !/[,\]}\s]/.test(raw[j] as string)) j++;
      valueDone();
      i = j;
    } else {
      i++;
    }
  }
  return out;
}
