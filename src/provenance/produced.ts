/**
 * What a script produced, with today's verdict of each artifact: the ledger's stamps whose producer is the
 * script (the latest stamp per artifact), verified together. The terminal browser shows this in a
 * script's detail pane.
 */
import { loadConfig } from '../config/config.js';
import { openLedger } from './ledger.js';
import { verifyPaths } from './verify.js';

export interface ProducedArtifact {
  path: string;
  verdict: string;
  at: string;
  /** The first reason of a verdict that is not ok. */
  reason?: string;
}

export async function artifactsProducedBy(script: string, root: string): Promise<ProducedArtifact[]> {
  const { config } = await loadConfig({ cwd: root });
  const ledger = openLedger(root, config, { create: false });
  if (!ledger) return [];
  let latest: Map<string, string>;
  try {
    latest = new Map<string, string>();
    for (const row of await ledger.producedBy(script)) latest.set(row.artifact, row.created_at);
  } finally {
    await ledger.close();
  }
  if (!latest.size) return [];
  const report = await verifyPaths({ cwd: root, paths: [...latest.keys()], env: process.env, warn: () => undefined });
  return report.results.map((r) => ({ path: r.path, verdict: r.verdict, at: latest.get(r.path) ?? '', ...(r.verdict !== 'ok' && r.reasons[0] ? { reason: r.reasons[0] } : {}) }));
}
