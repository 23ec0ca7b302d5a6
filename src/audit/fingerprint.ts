/**
 * Gives each finding a stable fingerprint, so baselines and SARIF recognise it across unrelated edits.
 */

import { createHash } from 'node:crypto';
import type { Finding } from '../schemas/finding.js';

/** The flagged line's text with whitespace runs collapsed: edits elsewhere and re-indentation keep it. */
export function normalisedLine(finding: Pick<Finding, 'frame' | 'span' | 'cell'>): string {
  // a notebook finding's frame is numbered by the lines of its cell
  const at = finding.cell?.line ?? finding.span.line;
  const line = finding.frame.find((l) => l.line === at)?.text ?? '';
  return line.trim().replace(/\s+/g, ' ');
}

/**
 * Stable identities for findings: rule, path, normalised line text and the occurrence index among
 * findings sharing those three, so moving lines keeps a fingerprint and a second identical finding
 * gets a new one (a baseline entry never hides a twin). `findings` must be in line order.
 */
export function assignFingerprints(findings: Finding[]): void {
  const seen = new Map<string, number>();
  for (const f of findings) {
    const key = `${f.code}\u0000${f.path}\u0000${normalisedLine(f)}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    f.fingerprint = createHash('sha256').update(`${key}\u0000${occurrence}`).digest('hex').slice(0, 32);
  }
}
