/**
 * A small LSP client over stdio for `provenant server` (vscode-jsonrpc): spawns the built CLI, initializes
 * it, opens and edits documents and notebooks, and waits for the diagnostics the server publishes. The
 * server bench and the end-to-end tests both drive the server through it, as an editor would.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface Diagnostic {
  range: Range;
  severity?: number;
  code?: string | number;
  codeDescription?: { href: string };
  source?: string;
  message: string;
  data?: unknown;
}

export interface Published {
  uri: string;
  version?: number;
  diagnostics: Diagnostic[];
  /** When the notification arrived (performance.now()). */
  at: number;
}

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface CodeAction {
  title: string;
  kind?: string;
  isPreferred?: boolean;
  diagnostics?: Diagnostic[];
  edit?: { changes?: Record<string, TextEdit[]> };
}

export interface NotebookCellInput {
  kind: 'code' | 'markdown';
  uri: string;
  text: string;
}

type Waiter = { test: (p: Published) => boolean; resolve: (p: Published) => void };

export class LspClient {
  readonly logs: { type: number; message: string }[] = [];
  readonly stderr: string[] = [];
  private readonly latest = new Map<string, Published>();
  private readonly waiters = new Set<Waiter>();
  private readonly logWaiters = new Set<(message: string) => boolean>();
  private readonly versions = new Map<string, number>();
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly connection: MessageConnection,
  ) {
    this.exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => this.stderr.push(d));
    connection.onNotification('textDocument/publishDiagnostics', (p: Omit<Published, 'at'>) => {
      const published = { ...p, at: performance.now() };
      this.latest.set(p.uri, published);
      for (const w of [...this.waiters]) {
        if (w.test(published)) {
          this.waiters.delete(w);
          w.resolve(published);
        }
      }
    });
    connection.onNotification('window/logMessage', (p: { type: number; message: string }) => {
      this.logs.push(p);
      for (const w of [...this.logWaiters]) if (w(p.message)) this.logWaiters.delete(w);
    });
    connection.onRequest('client/registerCapability', () => null);
    connection.onRequest('window/workDoneProgress/create', () => null);
    connection.onRequest('workspace/configuration', () => []);
    connection.listen();
  }

  /** Starts `node BIN server --stdio` in `cwd`. */
  static start(bin: string, cwd: string, env: NodeJS.ProcessEnv = {}): LspClient {
    const child = spawn(process.execPath, [bin, 'server', '--stdio'], { cwd, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    if (!child.stdout || !child.stdin) throw new Error('cannot talk to the server: no pipes');
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    return new LspClient(child, connection);
  }

  async initialize(rootUri: string, initializationOptions: Record<string, unknown> = {}): Promise<{ capabilities: Record<string, unknown> }> {
    const result = await this.connection.sendRequest<{ capabilities: Record<string, unknown> }>('initialize', {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'project' }],
      initializationOptions,
      capabilities: {
        workspace: { didChangeWatchedFiles: { dynamicRegistration: true }, workspaceFolders: true },
        textDocument: { publishDiagnostics: { versionSupport: true, codeDescriptionSupport: true, dataSupport: true }, hover: { contentFormat: ['markdown'] } },
        notebookDocument: { synchronization: { dynamicRegistration: false } },
      },
    });
    await this.connection.sendNotification('initialized', {});
    return result;
  }

  /** The version the next change of a document gets. */
  version(uri: string): number {
    return this.versions.get(uri) ?? 0;
  }

  async open(uri: string, languageId: string, text: string): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId, version: 1, text } });
  }

  /** Replaces a document's whole text (a full-content change); returns the new version. */
  async change(uri: string, text: string): Promise<number> {
    const version = this.version(uri) + 1;
    this.versions.set(uri, version);
    await this.connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    return version;
  }

  async save(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didSave', { textDocument: { uri } });
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  async openNotebook(uri: string, cells: readonly NotebookCellInput[]): Promise<void> {
    this.versions.set(uri, 1);
    await this.connection.sendNotification('notebookDocument/didOpen', {
      notebookDocument: { uri, notebookType: 'jupyter-notebook', version: 1, cells: cells.map((c) => ({ kind: c.kind === 'markdown' ? 1 : 2, document: c.uri })) },
      cellTextDocuments: cells.map((c) => ({ uri: c.uri, languageId: c.kind === 'markdown' ? 'markdown' : 'python', version: 1, text: c.text })),
    });
  }

  /** Replaces one cell's text. */
  async changeCell(notebook: string, cell: string, text: string): Promise<void> {
    const version = this.version(notebook) + 1;
    this.versions.set(notebook, version);
    const cellVersion = this.version(cell) + 2;
    this.versions.set(cell, cellVersion);
    await this.connection.sendNotification('notebookDocument/didChange', {
      notebookDocument: { uri: notebook, version },
      change: { cells: { textContent: [{ document: { uri: cell, version: cellVersion }, changes: [{ text }] }] } },
    });
  }

  async workspaceFoldersChanged(added: string[], removed: string[] = []): Promise<void> {
    const folders = (uris: string[]) => uris.map((uri) => ({ uri, name: uri }));
    await this.connection.sendNotification('workspace/didChangeWorkspaceFolders', { event: { added: folders(added), removed: folders(removed) } });
  }

  async watchedFilesChanged(changes: { uri: string; type: 1 | 2 | 3 }[]): Promise<void> {
    await this.connection.sendNotification('workspace/didChangeWatchedFiles', { changes });
  }

  /** The diagnostics last published for a document. */
  diagnostics(uri: string): Published | undefined {
    return this.latest.get(uri);
  }

  /**
   * The next publication for `uri` that passes `test` (the latest one already received counts when
   * `includeLatest`); rejects after `ms`.
   */
  waitForDiagnostics(uri: string, test: (p: Published) => boolean = () => true, ms = 30_000, includeLatest = false): Promise<Published> {
    const latest = this.latest.get(uri);
    if (includeLatest && latest && test(latest)) return Promise.resolve(latest);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { test: (p) => p.uri === uri && test(p), resolve };
      this.waiters.add(waiter);
      setTimeout(() => {
        if (!this.waiters.delete(waiter)) return;
        reject(new Error(`no diagnostics for ${uri} within ${ms} ms; last: ${JSON.stringify(this.latest.get(uri)?.diagnostics ?? null)}\nlog: ${this.logs.map((l) => l.message).join('\n')}\nstderr: ${this.stderr.join('')}`));
      }, ms).unref();
    });
  }

  /** The first logged message (`window/logMessage`) matching `pattern`, logged already or next; rejects after `ms`. */
  waitForLog(pattern: RegExp, ms = 30_000): Promise<string> {
    const logged = this.logs.find((l) => pattern.test(l.message));
    if (logged) return Promise.resolve(logged.message);
    return new Promise((resolve, reject) => {
      const waiter = (message: string): boolean => {
        if (!pattern.test(message)) return false;
        resolve(message);
        return true;
      };
      this.logWaiters.add(waiter);
      setTimeout(() => {
        if (this.logWaiters.delete(waiter)) reject(new Error(`nothing logged matching ${pattern} within ${ms} ms; log: ${this.logs.map((l) => l.message).join('\n')}`));
      }, ms).unref();
    });
  }

  hover(uri: string, position: Position): Promise<{ contents: { kind: string; value: string } } | null> {
    return this.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position });
  }

  definition(uri: string, position: Position): Promise<{ uri: string; range: Range } | null> {
    return this.connection.sendRequest('textDocument/definition', { textDocument: { uri }, position });
  }

  /** The code actions for a range; `only` asks for these kinds (as an editor's "fix all on save" does). */
  codeActions(uri: string, range: Range, diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> {
    return this.connection.sendRequest('textDocument/codeAction', { textDocument: { uri }, range, context: { diagnostics, ...(only ? { only } : {}) } });
  }

  /** `shutdown`, then `exit`; resolves with the server's exit code. */
  async shutdown(): Promise<number | null> {
    await this.connection.sendRequest('shutdown');
    await this.connection.sendNotification('exit');
    const code = await this.exited;
    this.connection.dispose();
    return code;
  }

  /** Resolves with the server's exit code once it has exited. */
  waitForExit(): Promise<number | null> {
    return this.exited;
  }

  /** Ends the server without the protocol's goodbye (for cleanup after a failure). */
  kill(): void {
    if (this.child.exitCode === null) this.child.kill();
    this.connection.dispose();
  }
}

/** A text with the edits applied (non-overlapping, any order), as a client applies a workspace edit. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (p: Position): number => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}
