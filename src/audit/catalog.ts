/**
 * The rule catalog as the CLI and the reporters see it: each rule's metadata, and its rule.md by code or
 * name.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { RULES, RULE_ROOMS } from '../../audits/index.js';
import { UserError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import type { Severity } from '../schemas/config.js';

export interface RuleInfo {
  code: string;
  name: string;
  category: string;
  severity: Severity;
  status: string;
  summary: string;
  /** Folder of the rule's room, relative to the package root. */
  room: string;
  /** How safe its fixes are, when some findings carry one (`provenant audit --fix`); null: none. */
  fix: 'safe' | 'unsafe' | 'safe-or-unsafe' | null;
}

/** What `explain` says about a rule's fix before its doc, as Ruff's `rule` does. */
export function fixAvailability(fix: RuleInfo['fix']): string {
  if (fix === null) return 'No fix is available.';
  const how = fix === 'safe' ? 'safe: `--fix`' : fix === 'unsafe' ? 'unsafe: `--fix --unsafe-fixes`' : 'safe or unsafe, depending on the finding';
  return `Fix is sometimes available (${how}).`;
}

export function listRules(): RuleInfo[] {
  return RULES.map((r) => ({
    code: r.code,
    name: r.name,
    category: r.category,
    severity: r.severity,
    status: r.status,
    summary: r.summary,
    room: `audits/${RULE_ROOMS[r.code] ?? ''}`,
    fix: r.fix ?? null,
  }));
}

/** The rule's documentation (its rule.md), found by code or by name. */
export async function explainRule(codeOrName: string): Promise<{ rule: RuleInfo; markdown: string }> {
  const wanted = codeOrName.trim();
  const rule = listRules().find((r) => r.code === wanted.toUpperCase() || r.name === wanted.toLowerCase());
  if (!rule) {
    const near = listRules().filter((r) => r.code.startsWith(wanted.toUpperCase().replace(/\d+$/, '')) && wanted.length > 1);
    throw new UserError(`unknown rule \`${codeOrName}\``, {
      hint: near.length ? `did you mean ${near.map((r) => r.code).join(', ')}?` : 'run `provenant rules` to list every rule',
    });
  }
  const markdown = await readFile(path.join(packageRoot(), rule.room, 'rule.md'), 'utf8');
  return { rule, markdown };
}
