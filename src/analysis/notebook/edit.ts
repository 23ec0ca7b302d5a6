/**
 * A notebook as fixes edit it: one text per code cell. An edit names its cell, and only the strings of that
 * cell's `source` are rewritten in the notebook's JSON, everything else (outputs, metadata, formatting)
 * byte for byte as it was; the result must read back as the same notebook with the new cell texts.
 */

import type { FixDocument, Part } from '../edit-documents.js';
import { readNotebook, sourceOffsets, stringEnd } from './read.js';

interface CellSource {
  /** Offsets of the source's JSON strings in the raw notebook. */
  tokens: { start: number; end: number; value: string }[];
  /** The source is a list of strings (nbformat's usual form), not one string. */
  list: boolean;
  /** Its last line has no newline (nbformat's usual form): the text edited has one added. */
  open?: boolean;
}

/** A notebook as the texts of its code cells; null when it is no notebook this reader takes. */
export function notebookDocument(raw: string): FixDocument | { reason: string } {
  const read = readNotebook(raw);
  if (!read.ok) return { reason: read.reason };
  const offsets = sourceOffsets(raw);
  const sources = new Map<Part, CellSource>();
  for (const [position, starts] of offsets) {
    const tokens = starts.map((start) => {
      const end = stringEnd(raw, start);
      return { start, end, value: JSON.parse(raw.slice(start, end)) as string };
    });
    const before = raw.slice(0, starts[0] ?? 0).trimEnd();
    sources.set(position + 1, { tokens, list: before.endsWith('[') || before.endsWith(',') });
  }
  const cellText = (part: Part): { ok: true; text: string; source: CellSource } | { ok: false; reason: string } => {
    const source = sources.get(part);
    if (!read.cells.some((c) => c.index === part) || !source) return { ok: false, reason: `cell ${part} is not a code cell with source text` };
    const written = source.tokens.map((t) => t.value).join('');
    // the audit read `\r\n` as `\n`: columns on such a line do not count the file's characters
    if (written.includes('\r')) return { ok: false, reason: `cell ${part} has \\r line endings; it is left as it is` };
    // as the audit read it, ending in a newline (so a line can be added after the last); taken off again when written
    return { ok: true, text: written && !written.endsWith('\n') ? `${written}\n` : written, source: { ...source, open: written !== '' && !written.endsWith('\n') } };
  };
  return {
    text: (part) => {
      const got = cellText(part);
      return got.ok ? { ok: true, text: got.text } : got;
    },
    render(changed) {
      const replaced: { start: number; end: number; json: string }[] = [];
      for (const [part, edited] of changed) {
        const got = cellText(part);
        if (!got.ok) return got;
        const { tokens, list, open } = got.source;
        const text = open && edited.endsWith('\n') ? edited.slice(0, -1) : edited;
        const first = tokens[0];
        const last = tokens[tokens.length - 1];
        if (!first || !last) return { ok: false, reason: `cell ${part} has no source strings to rewrite` };
        // unchanged lines keep their JSON as written (escapes and all)
        const written = new Map(tokens.map((t) => [t.value, raw.slice(t.start, t.end)]));
        const lines = list ? (text.match(/[^\n]*\n|[^\n]+$/g) ?? []) : [text];
        const second = tokens[1];
        const gap = second ? raw.slice(first.end, second.start) : `,\n${indentBefore(raw, first.start)}`;
        const json = lines.map((l) => written.get(l) ?? JSON.stringify(l)).join(gap);
        replaced.push({ start: first.start, end: last.end, json: json || '""' });
      }
      let content = raw;
      for (const r of replaced.sort((a, b) => b.start - a.start)) content = content.slice(0, r.start) + r.json + content.slice(r.end);
      // the result must read back as the same notebook with the new cell texts, or nothing is written
      const check = readNotebook(content);
      if (!check.ok) return { ok: false, reason: `the edited notebook would not read back (${check.reason}); it is left as it is` };
      for (const [part, text] of changed) {
        const cell = check.cells.find((c) => c.index === part);
        const expected = text && !text.endsWith('\n') ? `${text}\n` : text;
        if (cell?.text !== expected) return { ok: false, reason: `cell ${part} would not read back as edited; the notebook is left as it is` };
      }
      return { ok: true, content };
    },
  };
}

/** The blanks before `offset` on its line (a list item's indentation). */
function indentBefore(raw: string, offset: number): string {
  const lineStart = raw.lastIndexOf('\n', offset - 1) + 1;
  const lead = raw.slice(lineStart, offset);
  return /^\s*$/.test(lead) ? lead : '';
}
