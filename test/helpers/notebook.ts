/**
 * Notebooks as nbformat 4 writes them (one-space indent, `source` as a list of lines), for tests.
 */

export type CellSpec =
  | { code: string | string[]; outputs?: unknown[] }
  | { markdown: string | string[] };

/** A source as Jupyter stores it: a list of lines, each but the last ending in `\n`. */
export function sourceLines(text: string): string[] {
  const lines = text.split('\n');
  return [...lines.slice(0, -1).map((l) => `${l}\n`), ...(lines[lines.length - 1] ? [lines[lines.length - 1] as string] : [])];
}

/** A notebook's JSON text; a string `code` is stored as one string, a list as given. */
export function notebook(cells: CellSpec[], nbformat = 4): string {
  const json = cells.map((c, i) =>
    'markdown' in c
      ? { cell_type: 'markdown', id: `m${i}`, metadata: {}, source: c.markdown }
      : { cell_type: 'code', execution_count: i + 1, id: `c${i}`, metadata: {}, outputs: c.outputs ?? [], source: c.code },
  );
  return JSON.stringify({ cells: json, metadata: {}, nbformat, nbformat_minor: 5 }, null, 1) + '\n';
}

/** A `display_data` output holding a base64 PNG of about `bytes` bytes. */
export function imageOutput(bytes: number): unknown {
  const png = 'iVBORw0KGgo'.padEnd(bytes, 'A');
  return { data: { 'image/png': png, 'text/plain': ['<Figure size 640x480 with 1 Axes>'] }, metadata: {}, output_type: 'display_data' };
}
