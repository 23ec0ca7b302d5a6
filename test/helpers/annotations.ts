/**
 * Fixture annotations (Semgrep style): `# expect: CODE`, `# ok: CODE` and `# todo-expect: CODE` on a
 * comment line of their own apply to the next line that is neither blank nor a comment; `CODE@COL`
 * also names the column (1-based) where the finding starts. The same syntax works in Python, shell,
 * Makefiles and YAML.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export type AnnotationKind = 'expect' | 'ok' | 'todo-expect';

export interface Annotation {
  kind: AnnotationKind;
  code: string;
  /** Fixture-relative POSIX path. */
  file: string;
  /** The annotated line (1-based). */
  line: number;
  /** The column the finding starts at (1-based), when the annotation gives one (`CODE@COL`). */
  col?: number;
  /** The line of the comment itself, for error messages. */
  at: number;
}

const ANNOTATION = /^\s*#\s*(expect|ok|todo-expect)\s*:\s*(.*?)\s*$/;
const CODE = /^([A-Z]+\d{3})(?:@([1-9]\d*))?$/;
const COMMENT_OR_BLANK = /^\s*(?:#.*)?$/;

/** Every file under `dir`, as sorted POSIX paths relative to it. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile()) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** The annotations of one file's text; throws on a malformed or dangling annotation. */
export function annotationsIn(text: string, file: string): Annotation[] {
  const lines = text.split(/\r?\n/);
  const out: Annotation[] = [];
  lines.forEach((raw, i) => {
    const m = ANNOTATION.exec(raw);
    if (!m) return;
    const kind = m[1] as AnnotationKind;
    const codes = (m[2] ?? '').split(/\s*,\s*/).filter(Boolean);
    const at = i + 1;
    if (!codes.length || codes.some((c) => !CODE.test(c))) {
      throw new Error(`${file}:${at}: \`${raw.trim()}\` is not an annotation; write \`# ${kind}: CODE\` or \`# ${kind}: CODE@COL\` (e.g. \`# ${kind}: LOAD001@5\`)`);
    }
    let target = i + 1;
    while (target < lines.length && COMMENT_OR_BLANK.test(lines[target] ?? '')) target++;
    if (target >= lines.length) {
      throw new Error(`${file}:${at}: \`# ${kind}:\` has no code line after it; put it on the line before the line it describes`);
    }
    for (const written of codes) {
      const [, code = '', col] = CODE.exec(written) ?? [];
      out.push({ kind, code, file, line: target + 1, at, ...(col ? { col: Number(col) } : {}) });
    }
  });
  return out;
}

/** The annotations of every file in a fixtures folder. */
export function collectAnnotations(dir: string): Annotation[] {
  return filesUnder(dir).flatMap((file) => annotationsIn(readFileSync(path.join(dir, file), 'utf8'), file));
}

export function locationKey(file: string, line: number): string {
  return `${file}:${line}`;
}
