/**
 * What the editor holds: text documents and notebooks (LSP notebook sync, each cell a text document of its
 * own), by the file on disk they belong to. Hands the auditor a file's current text (a notebook's cells
 * written back as its JSON), shows findings where they belong (a notebook's on its cells) and answers, for
 * a position in any document, which file, language and text it is in.
 */

import { pathToFileURL } from 'node:url';
import { NotebookCellKind, type Connection, type Diagnostic, type NotebookDocument, type NotebookDocuments, type TextDocuments } from 'vscode-languageserver/node';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { Language } from '../analysis/facts.js';
import { languageOf } from '../analysis/front-ends.js';
import type { Finding } from '../schemas/finding.js';
import { jsonLineRange, spanRange, toDiagnostic } from './diagnostics.js';
import { cellPlace, notebookJson } from './notebook.js';
import { filePath } from './workspace.js';

type Source = { kind: 'text'; uri: string; language: Language } | { kind: 'notebook'; uri: string };

/** A position's document as the features need it. */
export interface Located {
  /** The file on disk (the notebook, for a cell). */
  file: string;
  /** The language of `text`: a notebook cell's is Python. */
  language: Language;
  text: string;
  /** The document the position is in. */
  document: TextDocument;
}

export class EditorFiles {
  private readonly sources = new Map<string, Source>();
  /** What was last published per document URI, for hovers and code actions. */
  readonly published = new Map<string, Diagnostic[]>();

  constructor(
    private readonly connection: Connection,
    readonly texts: TextDocuments<TextDocument>,
    readonly notebooks: NotebookDocuments<TextDocument>,
  ) {}

  track(file: string, source: Source): void {
    this.sources.set(file, source);
  }

  untrack(file: string): void {
    this.sources.delete(file);
  }

  files(): string[] {
    return [...this.sources.keys()];
  }

  /** The notebook a cell document belongs to (its file on disk), or null for any other document. */
  notebookOfCell(uri: string): string | null {
    const notebook = this.notebooks.findNotebookDocumentForCell(uri);
    return notebook ? filePath(notebook.uri) : null;
  }

  snapshot(file: string): { bytes: Buffer; version: number | null } | null {
    const source = this.sources.get(file);
    if (!source) return null;
    if (source.kind === 'text') {
      const doc = this.texts.get(source.uri);
      return doc ? { bytes: Buffer.from(doc.getText(), 'utf8'), version: doc.version } : null;
    }
    const notebook = this.notebooks.getNotebookDocument(source.uri);
    if (!notebook) return null;
    const cells = notebook.cells.map((c) => ({
      kind: c.kind === NotebookCellKind.Markup ? ('markdown' as const) : ('code' as const),
      text: this.texts.get(c.document)?.getText() ?? '',
    }));
    return { bytes: Buffer.from(notebookJson(cells), 'utf8'), version: notebook.version };
  }

  show(file: string, findings: readonly Finding[], version: number | null): void {
    const source = this.sources.get(file);
    if (!source) return;
    if (source.kind === 'text') {
      const doc = this.texts.get(source.uri);
      const lines = source.language === 'notebook' && doc ? doc.getText().split('\n') : [];
      const diagnostics = findings.map((f) => toDiagnostic(f, f.cell && source.language === 'notebook' ? jsonLineRange(f, lines) : spanRange(f)));
      this.publish(source.uri, diagnostics, version);
      return;
    }
    const notebook = this.notebooks.getNotebookDocument(source.uri);
    if (notebook) this.showCells(notebook, findings);
  }

  /** A notebook's findings on its cells; every cell is published, so fixed cells are cleared. */
  private showCells(notebook: NotebookDocument, findings: readonly Finding[]): void {
    const perCell = notebook.cells.map((): Diagnostic[] => []);
    for (const f of findings) {
      const place = cellPlace(f);
      if (place) perCell[place.cell]?.push(toDiagnostic(f, { start: place.start, end: place.end }));
    }
    notebook.cells.forEach((cell, i) => this.publish(cell.document, perCell[i] ?? [], null));
  }

  /** Clears what was published on a notebook's cells (it was closed). */
  clearCells(notebook: NotebookDocument): void {
    for (const cell of notebook.cells) if (this.published.has(cell.document)) this.publish(cell.document, [], null);
  }

  publish(uri: string, diagnostics: Diagnostic[], version: number | null): void {
    if (diagnostics.length) this.published.set(uri, diagnostics);
    else this.published.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics, ...(version === null ? {} : { version }) });
  }

  /**
   * Where a fix's edits go from a document (a cell's: its notebook's cells, by index; a notebook edited as
   * JSON text: nowhere) and every diagnostic published for its file (all of a notebook's cells).
   */
  fileOf(uri: string): { uriOf(cell: number | undefined): string | null; diagnostics: Diagnostic[] } {
    const notebook = this.notebooks.findNotebookDocumentForCell(uri);
    if (notebook) {
      return {
        uriOf: (cell) => (cell === undefined ? null : (notebook.cells[cell - 1]?.document ?? null)),
        diagnostics: notebook.cells.flatMap((c) => this.published.get(c.document) ?? []),
      };
    }
    return { uriOf: (cell) => (cell === undefined ? uri : null), diagnostics: this.published.get(uri) ?? [] };
  }

  /** The document of a URI as hovers, definitions and code actions need it, or null when it is not audited. */
  locate(uri: string): Located | null {
    const document = this.texts.get(uri);
    if (!document) return null;
    const notebook = this.notebookOfCell(uri);
    if (notebook) return { file: notebook, language: 'python', text: document.getText(), document };
    const file = filePath(uri);
    const language = file ? languageOf(file) : null;
    return file && language ? { file, language, text: document.getText(), document } : null;
  }
}

export function fileUri(file: string): string {
  return pathToFileURL(file).href;
}
