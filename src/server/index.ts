/**
 * `provenant server`: the audit and the registry in the editor, as a Language Server Protocol server over
 * stdio. Diagnostics on open and change (debounced) from the audit engine and its cache; a hover on a
 * finding with the rule's why and what to write instead; the finding's fix and a suppression as code
 * actions, every safe fix of a file as `source.fixAll.provenant`; go to definition and the registry entry
 * on a script a line runs; config and registry changes picked up as they happen. Nothing the client sends
 * ends the server: bad documents are logged and left alone, errors in the project's files become
 * diagnostics on them. Loaded only by the `server` command.
 */

import {
  CodeActionKind,
  createConnection,
  DidChangeWatchedFilesNotification,
  NotebookDocuments,
  ProposedFeatures,
  TextDocuments,
  TextDocumentSyncKind,
  WatchKind,
  type CodeAction,
  type Connection,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
  type TextEdit,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { VERSION } from '../version.js';
import { commentOf, fixAll, fixChanges, suppressionEdit } from './actions.js';
import { Auditor } from './auditor.js';
import { fixOf, provenantCode } from './diagnostics.js';
import { EditorFiles, fileUri, type Located } from './documents.js';
import { ruleHover } from './rule-docs.js';
import { scriptAt, scriptHover } from './scripts.js';
import { filePath, isConfigFile, isRegistryFile, Workspace } from './workspace.js';

export interface ServerOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

/** How long after the last change a file is audited, unless the client says otherwise (`debounceMs`). */
const DEFAULT_DEBOUNCE_MS = 25;

/** Starts the server on the streams; the process ends when the client sends `exit` (0 after `shutdown`). */
export function startServer(options: ServerOptions): Connection {
  const connection = createConnection(ProposedFeatures.all, options.input, options.output);
  keepStdoutForProtocol(connection);
  const texts = new TextDocuments(TextDocument);
  const notebooks = new NotebookDocuments(texts);
  const editor = new EditorFiles(connection, texts, notebooks);
  const workspace = new Workspace();
  let debounceMs = DEFAULT_DEBOUNCE_MS;
  let watchFiles = false;
  let folderChanges = false;
  const log = (kind: 'info' | 'warn' | 'error', message: string): void => connection.console[kind](message);
  const auditor = new Auditor({ ...hostOf(editor), log }, () => debounceMs);

  connection.onInitialize((params): InitializeResult => {
    workspace.setFolders(foldersOf(params));
    const asked = Number((params.initializationOptions as { debounceMs?: unknown } | undefined)?.debounceMs);
    if (Number.isFinite(asked) && asked >= 0) debounceMs = asked;
    watchFiles = params.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    folderChanges = params.capabilities.workspace?.workspaceFolders === true;
    return {
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        notebookDocumentSync: { notebookSelector: [{ notebook: '*', cells: [{ language: 'python' }, { language: 'markdown' }] }], save: true },
        hoverProvider: true,
        definitionProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL] },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'provenant', version: VERSION },
    };
  });

  connection.onInitialized(() => {
    if (!watchFiles) return;
    // config and registry edits, and files appearing or going (a missing script written at last)
    const watchers = [
      { globPattern: '**/{provenant.toml,pyproject.toml,provenant-registry.yaml}' },
      { globPattern: '**/registry/*.{yaml,yml}' },
      { globPattern: '**/*', kind: WatchKind.Create | WatchKind.Delete },
    ];
    connection.client.register(DidChangeWatchedFilesNotification.type, { watchers }).catch((error: unknown) => log('warn', `cannot watch files: ${String(error)}`));
  });
  connection.onInitialized(() => {
    if (!folderChanges) return;
    connection.workspace.onDidChangeWorkspaceFolders(({ added, removed }) => {
      const gone = new Set(removed.map((f) => f.uri));
      workspace.setFolders([...workspace.uris.filter((u) => !gone.has(u)), ...added.map((f) => f.uri)]);
    });
  });

  const reauditAll = (why: string): void => {
    const open = editor.files();
    if (!open.length) return;
    log('info', `${why}: auditing the ${open.length} open ${open.length === 1 ? 'file' : 'files'} again`);
    for (const file of open) auditor.schedule(file);
  };

  texts.onDidOpen(({ document }) => {
    if (editor.notebookOfCell(document.uri) || document.uri.startsWith('vscode-notebook-cell:')) return;
    const checked = workspace.check(document.uri);
    if ('reason' in checked) {
      if (checked.reason) log('info', checked.reason);
      return;
    }
    editor.track(checked.file, { kind: 'text', uri: document.uri, language: checked.language });
  });
  texts.onDidChangeContent(({ document }) => {
    const file = editor.notebookOfCell(document.uri) ?? filePath(document.uri);
    if (file && editor.files().includes(file)) auditor.schedule(file);
  });
  texts.onDidClose(({ document }) => {
    const file = filePath(document.uri);
    if (!file || editor.notebookOfCell(document.uri)) return;
    auditor.forget(file);
    editor.untrack(file);
  });
  texts.onDidSave(({ document }) => {
    const file = filePath(document.uri);
    if (file && isConfigFile(file)) reauditAll(`${file} was saved`);
    // a saved file is part of the tree the others resolve against (a loader defined there, a script)
    else for (const other of editor.files()) if (other !== file) auditor.schedule(other);
  });

  notebooks.onDidOpen((notebook) => {
    const checked = workspace.check(notebook.uri);
    if ('reason' in checked || checked.language !== 'notebook') {
      log('info', 'reason' in checked && checked.reason ? checked.reason : `${notebook.uri}: not a Jupyter notebook file; not audited`);
      return;
    }
    editor.track(checked.file, { kind: 'notebook', uri: notebook.uri });
    auditor.schedule(checked.file);
  });
  notebooks.onDidChange(({ notebookDocument }) => {
    const file = filePath(notebookDocument.uri);
    if (file && editor.files().includes(file)) auditor.schedule(file);
  });
  notebooks.onDidClose((notebook) => {
    const file = filePath(notebook.uri);
    editor.clearCells(notebook);
    if (file) {
      auditor.forget(file);
      editor.untrack(file);
    }
  });

  connection.onDidChangeWatchedFiles(({ changes }) => {
    const files = changes.map((c) => filePath(c.uri)).filter((f): f is string => f !== null);
    const config = files.find(isConfigFile);
    if (config) reauditAll(`${config} changed`);
    else if (files.some((f) => !isRegistryFile(f))) reauditAll('files were added or removed');
    // the registry is read afresh by every hover: nothing to redo for it
  });

  connection.onHover(async ({ textDocument, position }) => {
    const at = editor.locate(textDocument.uri);
    if (!at) return null;
    const parts = diagnosticsAt(editor.published.get(textDocument.uri) ?? [], position).flatMap((d) => {
      const code = provenantCode(d);
      return code ? [ruleHover(code, typeof d.message === 'string' ? d.message : d.message.value)] : [];
    });
    const script = await guarded(log, () => auditor.exclusive(async () => {
      const found = await scriptAt(at.file, at.text, at.language, position);
      return found ? scriptHover(found) : null;
    }));
    if (script) parts.push(script);
    return parts.length ? { contents: { kind: 'markdown', value: parts.join('\n\n---\n\n') } } : null;
  });

  connection.onDefinition(async ({ textDocument, position }) => {
    const at = editor.locate(textDocument.uri);
    if (!at) return null;
    const found = await guarded(log, () => auditor.exclusive(() => scriptAt(at.file, at.text, at.language, position)));
    if (!found?.file) return null;
    return { uri: fileUri(found.file), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
  });

  connection.onCodeAction(({ textDocument, range, context }) => {
    const at = editor.locate(textDocument.uri);
    if (!at) return [];
    const file = editor.fileOf(textDocument.uri);
    const sent = context.diagnostics.filter((d) => provenantCode(d) !== null);
    const ours = sent.length ? sent : (editor.published.get(textDocument.uri) ?? []).filter((d) => overlaps(d.range, range));
    const actions = [...fixes(ours, file.uriOf), ...suppressions(at, textDocument.uri, ours)];
    if (context.only?.some((kind) => FIX_ALL.startsWith(kind))) actions.push(...fixAllAction(file));
    return actions;
  });

  connection.onShutdown(() => auditor.stop());
  texts.listen(connection);
  notebooks.listen(connection);
  connection.listen();
  return connection;
}

/** The `AuditHost` parts the editor's documents answer. */
function hostOf(editor: EditorFiles): Pick<ConstructorParameters<typeof Auditor>[0], 'snapshot' | 'show' | 'publish'> {
  return {
    snapshot: (file) => editor.snapshot(file),
    show: (file, findings, version) => editor.show(file, findings, version),
    publish: (uri, diagnostics) => editor.publish(uri, diagnostics, null),
  };
}

function foldersOf(params: InitializeParams): string[] {
  if (params.workspaceFolders?.length) return params.workspaceFolders.map((f) => f.uri);
  if (params.rootUri) return [params.rootUri];
  return params.rootPath ? [fileUri(params.rootPath)] : [];
}

type Position = { line: number; character: number };
type Range = { start: Position; end: Position };

function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character <= b.character);
}

function diagnosticsAt(diagnostics: readonly Diagnostic[], p: Position): Diagnostic[] {
  return diagnostics.filter((d) => before(d.range.start, p) && before(p, d.range.end));
}

function overlaps(a: Range, b: Range): boolean {
  return before(a.start, b.end) && before(b.start, a.end);
}

/** The kind of the action that applies every safe fix of a file (editors run it on save when asked to). */
const FIX_ALL = `${CodeActionKind.SourceFixAll}.provenant`;

/** The fix of each finding that has one, as the rule wrote it; a safe one is the preferred action. */
function fixes(diagnostics: readonly Diagnostic[], uriOf: (cell: number | undefined) => string | null): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diagnostics) {
    const fix = fixOf(d);
    const changes = fix && fixChanges(fix, uriOf);
    if (!fix || !changes) continue;
    const unsafe = fix.applicability === 'unsafe' ? ', unsafe' : '';
    out.push({ title: `${fix.message} (${provenantCode(d) ?? 'provenant'}${unsafe})`, kind: CodeActionKind.QuickFix, diagnostics: [d], isPreferred: !unsafe, edit: { changes } });
  }
  return out;
}

/** Every safe fix of the file at once, those that overlap none taken before. */
function fixAllAction(file: ReturnType<EditorFiles['fileOf']>): CodeAction[] {
  const changes: Record<string, TextEdit[]> = {};
  const taken = fixAll(file.diagnostics.map(fixOf).filter((f) => f !== null));
  for (const fix of taken) {
    for (const [uri, edits] of Object.entries(fixChanges(fix, file.uriOf) ?? {})) (changes[uri] ??= []).push(...edits);
  }
  return taken.length ? [{ title: `Apply ${taken.length} safe provenant ${taken.length === 1 ? 'fix' : 'fixes'}`, kind: FIX_ALL, edit: { changes } }] : [];
}

/** One quick fix per finding: suppress its code on its line, with a reason to fill in. */
function suppressions(at: Located, uri: string, diagnostics: readonly Diagnostic[]): CodeAction[] {
  const comment = commentOf(at.language);
  if (!comment) return [];
  const out: CodeAction[] = [];
  const seen = new Set<string>();
  for (const d of diagnostics) {
    const code = provenantCode(d);
    const line = d.range.start.line;
    if (!code || seen.has(`${code}:${line}`)) continue;
    seen.add(`${code}:${line}`);
    const edit = suppressionEdit(at.text, line, code, comment);
    if (!edit) continue;
    out.push({ title: `Suppress ${code} on this line (provenant)`, kind: CodeActionKind.QuickFix, diagnostics: [d], edit: { changes: { [uri]: [edit] } } });
  }
  return out;
}

/** A feature's work, where a failure is logged and answered with nothing rather than an error. */
async function guarded<T>(log: (kind: 'error', message: string) => void, work: () => Promise<T>): Promise<T | null> {
  try {
    return await work();
  } catch (error) {
    log('error', error instanceof Error ? (error.stack ?? error.message) : String(error));
    return null;
  }
}

/** stdout carries the protocol: anything written with `console` goes to the client's log instead. */
function keepStdoutForProtocol(connection: Connection): void {
  console.log = (...args: unknown[]) => connection.console.log(args.map(String).join(' '));
  console.info = (...args: unknown[]) => connection.console.info(args.map(String).join(' '));
  console.warn = (...args: unknown[]) => connection.console.warn(args.map(String).join(' '));
  console.error = (...args: unknown[]) => connection.console.error(args.map(String).join(' '));
  console.debug = console.log;
  // a failure nothing awaited must not end a server the editor depends on: it is logged
  process.on('uncaughtException', (error) => connection.console.error(`internal error: ${error.stack ?? error.message}`));
  process.on('unhandledRejection', (reason) => connection.console.error(`internal error: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`));
}
