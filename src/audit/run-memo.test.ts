import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Finding } from '../schemas/finding.js';
import { openStore } from '../store/index.js';
import { findingsJsonParts, recallRun, rememberRun, runKey, type RunMemo } from './run-memo.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function finding(i: number): Finding {
  return {
    code: 'TMPL001',
    name: 'chat-template-on-base-model',
    severity: i % 2 ? 'error' : 'info',
    message: `message ${i} with "quotes", a tab\t and ünïcode`,
    path: `pkg/m${i}.py`,
    span: { line: i + 1, col: 1, endLine: i + 1, endCol: 9 },
    frame: [{ line: i + 1, text: `    tok.apply_chat_template(m)  # ${i}\n` }],
    fingerprint: `f${i}`,
  };
}

const MEMO: RunMemo = { skipped: [], refused: [], sanctioned: [], hashes: {}, warnings: [], analysed: 3, suppressed: 0, counts: { severities: { error: 1, warning: 0, info: 2 }, fixable: { safe: 0, unsafe: 0 } } };

describe('the run memo in parts', () => {
  it.each([0, 1, 2, 50])('%i findings: the parts together are the report text JSON.stringify writes', (n) => {
    const findings = Array.from({ length: n }, (_, i) => finding(i));
    const expected = JSON.stringify(findings, null, 2).replaceAll('\n', '\n  ');
    for (const partBytes of [1, 200, 1 << 20]) {
      const parts = [...findingsJsonParts(findings, partBytes)];
      expect(Buffer.concat(parts).toString('utf8')).toBe(expected);
      if (n === 50 && partBytes === 200) expect(parts.length).toBeGreaterThan(10);
    }
  });

  it('round-trips through the store in many parts, and a memo under another key or cut short is not recalled', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'provenant-memo-'));
    roots.push(root);
    const store = openStore({ root, engineKey: 'e', warn: (m) => expect.fail(m) });
    const findings = Array.from({ length: 40 }, (_, i) => finding(i));
    rememberRun(store, 'key-1', MEMO, findings, 300);
    const back = recallRun(store, 'key-1');
    expect(back?.memo).toEqual(MEMO);
    expect(back?.findings.length).toBeGreaterThan(10);
    expect(JSON.parse(Buffer.concat(back?.findings ?? []).toString('utf8'))).toEqual(findings);
    expect(recallRun(store, 'key-2')).toBeNull();
    // a shorter memo replaces every part of the longer one
    rememberRun(store, 'key-2', MEMO, findings.slice(0, 1), 300);
    expect(JSON.parse(Buffer.concat(recallRun(store, 'key-2')?.findings ?? []).toString('utf8'))).toEqual(findings.slice(0, 1));
    expect(recallRun(store, 'key-1')).toBeNull();
    // the head alone (its findings gone) is no memo
    store.rememberParts('run', [Buffer.from(`key-3\n${JSON.stringify(MEMO)}`)]);
    expect(recallRun(store, 'key-3')).toBeNull();
    store.close();
  });
});

describe('the run key', () => {
  it('moves with a file the walk did not select (a tsconfig.json a front end reads), and not without a change', async () => {
    const { walkedTree } = await import('./tree.js');
    const { DEFAULT_CONFIG } = await import('../schemas/config-values.js');
    const root = mkdtempSync(path.join(os.tmpdir(), 'provenant-key-'));
    roots.push(root);
    const { mkdirSync, utimesSync, writeFileSync } = await import('node:fs');
    mkdirSync(path.join(root, 'src'));
    writeFileSync(path.join(root, 'src', 'train.py'), 'print(1)\n');
    writeFileSync(path.join(root, 'tsconfig.json'), '{"compilerOptions": {"paths": {"@/*": ["src/*"]}}}\n');
    const old = Date.now() / 1000 - 60;
    for (const f of ['src/train.py', 'tsconfig.json']) utimesSync(path.join(root, f), old, old);
    const key = (): string | null => runKey(root, walkedTree(root, DEFAULT_CONFIG, [root], null), ['inputs'], Date.now());
    const first = key();
    expect(first).not.toBeNull();
    expect(key()).toBe(first);
    writeFileSync(path.join(root, 'tsconfig.json'), '{"compilerOptions": {"paths": {"@/*": ["lib/*"]}}}\n');
    utimesSync(path.join(root, 'tsconfig.json'), old + 1, old + 1);
    expect(key()).not.toBe(first);
  });
});
