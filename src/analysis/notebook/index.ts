/**
 * The notebook front end (`*.ipynb`, nbformat 4). A notebook is read as one Python module joined from its
 * code cells (analysis/python) plus the shell its `!` lines and `%%bash` cells run (analysis/launch).
 * Facts keep the joined module's lines, and `notebook` in them maps each back to its cell, its line in the
 * cell and the notebook JSON's line; `toNotebookFinding` applies that map to a finding.
 *
 * The API its `FrontEnd` entry (analysis/front-ends.ts) calls: `readNotebookSource` (the joined text, or why
 * the file is no notebook: a skip reason), `extractNotebook` (facts, given the Python front end),
 * `toNotebookFinding`. Python's rules run on a notebook: that entry's `rulesLanguage`.
 */

import type { Finding, Fix } from '../../schemas/finding.js';
import type { FileFacts, NotebookMap } from '../facts.js';
import { extractShellCommands } from '../launch/shell.js';
import type { PythonFrontEnd } from '../python/index.js';
import { joinCells, type JoinedNotebook } from './join.js';
import { readNotebook } from './read.js';

export { joinCells, convertLine, type JoinedNotebook } from './join.js';
export { readNotebook, sourceOffsets, type NotebookCell } from './read.js';
export { notebookDocument } from './edit.js';

export const NOTEBOOK_GLOB = '**/*.ipynb';

export function isNotebookPath(path: string): boolean {
  return path.toLowerCase().endsWith('.ipynb');
}

export type NotebookSource = { ok: true; notebook: JoinedNotebook; markdown: string | null } | { ok: false; reason: string };

// the scan reads a notebook for its suppressions, then extracts it: one parse serves both
let last: { raw: string; result: NotebookSource } | null = null;

/** The joined code of a notebook's text, or why it is no notebook this front end reads. */
export function readNotebookSource(raw: string): NotebookSource {
  if (last && last.raw === raw) return last.result;
  const read = readNotebook(raw);
  const result: NotebookSource = read.ok ? { ok: true, notebook: joinCells(read.cells), markdown: read.markdown } : read;
  last = { raw, result };
  return result;
}

/**
 * A notebook's facts: those of its joined Python module, plus the script calls and command-line settings
 * of its shell lines, with the map back to cells. Spans are lines of the joined module.
 */
export function extractNotebook(raw: string, path: string, python: PythonFrontEnd): FileFacts {
  const read = readNotebookSource(raw);
  // the scan skips a notebook it cannot read before extraction: reaching here with one is a bug
  if (!read.ok) throw new Error(`${path}: ${read.reason}`);
  const { notebook } = read;
  const facts = python.extract(notebook.python, path);
  if (notebook.commands.length) {
    const lines = notebook.shell.split('\n');
    // each `!` line and `%%bash` cell runs in a shell of its own, from where the `%cd`s before it went
    const shell = extractShellCommands(
      notebook.commands.map(({ first, last }) => ({
        lines: lines.slice(first, last + 1),
        line: first + 1,
        prelude: notebook.cds.filter((cd) => cd.at < first).map((cd) => cd.command),
      })),
      path,
    );
    facts.scriptCalls.push(...shell.scriptCalls);
    // a shell line that does not parse is reported in its cell, as a Python one is
    facts.parseErrors.push(...shell.parseErrors);
    if (shell.settings?.length) facts.settings = [...(facts.settings ?? []), ...shell.settings];
  }
  facts.notebook = { cells: notebook.cells, cellLines: notebook.cellLines, jsonLines: notebook.jsonLines };
  // what a notebook says it is for is its first markdown cell, not a string at the top of a code cell
  facts.docstring = markdownDocstring(read.markdown) ?? facts.docstring;
  return facts;
}

/** `# Title` / `Title` over `===` or `---` */
const ATX = /^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/;
const SETEXT = /^ {0,3}(?:=+|-+)[ \t]*$/;

/**
 * A notebook's first markdown cell as a docstring: its first heading as the first paragraph (the purpose
 * the registry shows), then the rest; without a heading, the prose as written. Images, link targets and
 * HTML tags are dropped, so a Colab badge is not the purpose.
 */
export function markdownDocstring(markdown: string | null): string | null {
  if (markdown === null) return null;
  const lines = markdown.split('\n');
  let at = -1;
  let heading = '';
  for (let i = 0; i < lines.length && at < 0; i++) {
    const line = lines[i] ?? '';
    const atx = ATX.exec(line);
    if (atx) [at, heading] = [i, atx[1] ?? ''];
    else if (line.trim() && SETEXT.test(lines[i + 1] ?? '') && !SETEXT.test(line)) [at, heading] = [i, line];
  }
  const rest = lines.filter((_, i) => i !== at && !(at >= 0 && i === at + 1 && SETEXT.test(lines[i] ?? ''))).join('\n');
  const text = [plain(heading), plain(rest)].filter(Boolean).join('\n\n');
  return text || null;
}

function plain(text: string): string {
  return text
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/(\*\*|__)(.+?)\1/g, '$2')
    .trim();
}

/**
 * A finding on the joined module, placed in the notebook: `span` on the JSON line (where SARIF and GitHub
 * annotations land), `cell` the cell and its line (what the text report shows), the frame cut to the
 * cell and numbered by its lines.
 */
export function toNotebookFinding(finding: Finding, map: NotebookMap): Finding {
  const at = finding.span.line - 1;
  const cell = map.cells[at];
  if (cell === undefined) return finding;
  const endAt = Math.min(finding.span.endLine - 1, map.jsonLines.length - 1);
  const sameCell = map.cells[endAt] === cell;
  const json = (i: number): number => map.jsonLines[i] ?? 1;
  const frame = finding.frame
    .filter((l) => map.cells[l.line - 1] === cell)
    .map((l) => ({ line: map.cellLines[l.line - 1] ?? l.line, text: l.text }));
  // rules name other lines of the file by their joined-module numbers: say which cell they are in
  const message = finding.message.replace(/\bline (\d+)\b/g, (whole, n: string) => {
    const i = Number(n) - 1;
    const c = map.cells[i];
    return c === undefined ? whole : c === cell ? `line ${map.cellLines[i]}` : `cell ${c}, line ${map.cellLines[i]}`;
  });
  const { fix, ...rest } = finding;
  const placed = fix ? cellFix(fix, map) : null;
  return {
    ...rest,
    ...(placed ? { fix: placed } : {}),
    message,
    span: {
      line: json(at),
      col: finding.span.col,
      endLine: sameCell ? Math.max(json(at), json(endAt)) : json(at),
      endCol: finding.span.endCol,
    },
    cell: { index: cell, line: map.cellLines[at] ?? 1 },
    frame,
  };
}

/**
 * A fix on the joined module, its edits placed in cells (the cell's index, lines counted in the cell). An
 * insertion at the start of a cell's first line goes at the end of the cell before (it follows that line: an
 * import added after the last one). An edit that would cross from one cell into another cannot be written
 * in either: the fix is dropped.
 */
function cellFix(fix: Fix, map: NotebookMap): Fix | null {
  const edits: Fix['edits'] = [];
  for (const edit of fix.edits) {
    const { line, col, endLine, endCol } = edit.span;
    const insertion = line === endLine && col === 1 && endCol === 1;
    if (insertion && line > 1 && map.cells[line - 2] !== undefined && map.cells[line - 1] !== map.cells[line - 2]) {
      const after = (map.cellLines[line - 2] ?? 0) + 1;
      edits.push({ ...edit, cell: map.cells[line - 2] as number, span: { line: after, col: 1, endLine: after, endCol: 1 } });
      continue;
    }
    const cell = map.cells[line - 1];
    if (cell === undefined || map.cells[endLine - 1] !== cell) return null;
    edits.push({ ...edit, cell, span: { ...edit.span, line: map.cellLines[line - 1] ?? 1, endLine: map.cellLines[endLine - 1] ?? 1 } });
  }
  return { ...fix, edits };
}
