/**
 * The texts fixes edit, and the file written from them: the seam between applying fixes (audit/apply-fixes.ts)
 * and the front ends. A plain file is one text (without the UTF-8 BOM, which is written back); a front end
 * whose files are not their code (a notebook) says how through `FrontEnd.editDocument`.
 */

/** Which text of a file an edit addresses: 0 for a plain file, the 1-based cell index in a notebook. */
export type Part = number;

export interface FixDocument {
  /** The text of a part, or why it cannot be edited there. */
  text(part: Part): { ok: true; text: string } | { ok: false; reason: string };
  /** The file's new content with these parts replaced, or why it cannot be written. */
  render(changed: ReadonlyMap<Part, string>): { ok: true; content: string } | { ok: false; reason: string };
}

const BOM = '\uFEFF';

export function plainDocument(decoded: string, bom: boolean): FixDocument {
  return {
    text: (part) => (part === 0 ? { ok: true, text: decoded } : { ok: false, reason: 'an edit names a notebook cell in a file that is not a notebook' }),
    render: (changed) => ({ ok: true, content: (bom ? BOM : '') + (changed.get(0) ?? decoded) }),
  };
}
