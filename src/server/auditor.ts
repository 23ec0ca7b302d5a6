/**
 * Audits what the editor holds, one file at a time, through the same engine and cache as `provenant audit`
 * (the buffer's text handed in place of the file's bytes). Changes are debounced; one engine call runs at a
 * time (audits and registry look-ups share the cache), and a file waiting in the queue is audited once, on
 * its latest text. A config error becomes diagnostics on the config file, cleared by the next clean run.
 */

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from 'vscode-languageserver/node';
import { audit } from '../audit/engine.js';
import { errorMessage, UserError } from '../core/errors.js';
import type { Finding } from '../schemas/finding.js';
import { errorDiagnostics } from './diagnostics.js';
import { configFileFor } from './workspace.js';

export interface AuditHost {
  /** What the editor holds for a file now, or null when it is no longer open. */
  snapshot(file: string): { bytes: Buffer; version: number | null } | null;
  /** Shows a file's findings; an empty list clears them. */
  show(file: string, findings: readonly Finding[], version: number | null): void;
  /** Diagnostics for a file the editor need not have open (a config file). */
  publish(uri: string, diagnostics: Diagnostic[]): void;
  log(kind: 'info' | 'warn' | 'error', message: string): void;
}

export class Auditor {
  private readonly pending = new Set<string>();
  private readonly queued = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private chain: Promise<unknown> = Promise.resolve();
  /** Files with configuration-error diagnostics on them now (URIs). */
  private errorUris = new Set<string>();
  /** The last findings shown per file, for hovers and code actions. */
  readonly findings = new Map<string, readonly Finding[]>();

  constructor(
    private readonly host: AuditHost,
    private readonly debounceMs: () => number,
  ) {}

  /** Audits a file after the debounce delay (again if it changes meanwhile). */
  schedule(file: string): void {
    if (this.stopped) return;
    this.pending.add(file);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.debounceMs());
  }

  /** Forgets a closed file: clears its diagnostics. */
  forget(file: string): void {
    this.pending.delete(file);
    if (this.findings.delete(file)) this.host.show(file, [], null);
  }

  /** Runs engine work after whatever engine work is under way; its failure is the caller's. */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Drops what waits for the debounce and resolves once the engine work under way is done (shutdown). */
  stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.pending.clear();
    return this.chain.then(() => undefined);
  }

  private flush(): void {
    for (const file of this.pending) {
      if (this.queued.has(file)) continue;
      this.queued.add(file);
      void this.exclusive(async () => {
        this.queued.delete(file);
        await this.auditOne(file);
      });
    }
    this.pending.clear();
  }

  private async auditOne(file: string): Promise<void> {
    const snap = this.host.snapshot(file);
    if (!snap) return;
    if (!existsSync(file)) {
      this.host.log('info', `${file}: not on disk yet; audited once it is saved`);
      return;
    }
    let result;
    try {
      result = await audit({ paths: [file], cwd: path.dirname(file), contents: new Map([[file, snap.bytes]]) });
    } catch (error) {
      this.reportError(file, error);
      return;
    }
    this.clearErrors();
    for (const w of result.warnings) this.host.log('warn', w);
    const rel = path.relative(result.root, file).split(path.sep).join('/');
    const refused = result.refused.find((s) => s.path === rel);
    if (refused) {
      // a notebook whose JSON is broken mid-edit: what was found before stays until it reads again
      this.host.log('warn', `${rel}: ${refused.reason}; the last diagnostics are kept until it can be read`);
      return;
    }
    const skipped = result.skipped.find((s) => s.path === rel);
    if (skipped) this.host.log('info', `${rel}: not audited: ${skipped.reason}`);
    const mine = result.findings.filter((f) => f.path === rel);
    this.findings.set(file, mine);
    this.host.show(file, mine, snap.version);
  }

  /** A user error becomes diagnostics on the file it names (the config file), anything else a logged error. */
  private reportError(file: string, error: unknown): void {
    if (!(error instanceof UserError)) {
      this.host.log('error', `auditing ${file} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return;
    }
    const dir = path.dirname(file);
    const placed = errorDiagnostics(error.message, error.hint, dir, configFileFor(dir));
    this.host.log('error', `${errorMessage(error)}${error.hint ? `\n  hint: ${error.hint}` : ''}`);
    for (const uri of this.errorUris) if (!placed.has(uri)) this.host.publish(uri, []);
    for (const [uri, diagnostics] of placed) this.host.publish(uri, diagnostics);
    this.errorUris = new Set(placed.keys());
  }

  private clearErrors(): void {
    for (const uri of this.errorUris) this.host.publish(uri, []);
    this.errorUris.clear();
  }
}
