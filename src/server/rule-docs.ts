/**
 * A rule's documentation as the editor shows it: the link a diagnostic carries (its rule.md, the file
 * `provenant explain` prints) and the hover's "Why is this bad?" and "Use instead" taken from that file.
 */

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { listRules, type RuleInfo } from '../audit/catalog.js';
import { packageRoot } from '../core/paths.js';

let byCode: Map<string, RuleInfo> | undefined;

function ruleOf(code: string): RuleInfo | undefined {
  byCode ??= new Map(listRules().map((r) => [r.code, r]));
  return byCode.get(code);
}

/** The rule.md of a rule as a file URL, or undefined for a code the catalog does not know. */
export function ruleDocUrl(code: string): string | undefined {
  const rule = ruleOf(code);
  return rule ? pathToFileURL(path.join(packageRoot(), rule.room, 'rule.md')).href : undefined;
}

export interface RuleDoc {
  code: string;
  name: string;
  summary: string;
  why: string;
  useInstead: string;
}

const docs = new Map<string, RuleDoc | null>();

/** The parts of a rule's documentation a hover shows; null when the rule or its rule.md cannot be found. */
export function ruleDoc(code: string): RuleDoc | null {
  const known = docs.get(code);
  if (known !== undefined) return known;
  const rule = ruleOf(code);
  let doc: RuleDoc | null = null;
  if (rule) {
    const markdown = readFileSync(path.join(packageRoot(), rule.room, 'rule.md'), 'utf8').replace(/\r\n/g, '\n');
    doc = { code, name: rule.name, summary: rule.summary, why: section(markdown, 'Why is this bad?'), useInstead: useInstead(markdown) };
  }
  docs.set(code, doc);
  return doc;
}

/** The body of a `## Heading` section, up to the next `## ` heading. */
function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n## ${heading}\n`);
  if (start < 0) return '';
  const body = markdown.slice(start + heading.length + 5);
  const end = body.search(/^## /m);
  return (end < 0 ? body : body.slice(0, end)).trim();
}

/** "Use instead:" and the code that follows it, written inside the Example section. */
function useInstead(markdown: string): string {
  const example = section(markdown, 'Example');
  const at = example.search(/^Use instead:?\s*$/m);
  if (at >= 0) return example.slice(example.indexOf('\n', at) + 1).trim();
  return section(markdown, 'Use instead');
}

/** The hover text for one diagnostic: its message, the rule's why and what to write instead. */
export function ruleHover(code: string, message: string): string {
  const doc = ruleDoc(code);
  const url = ruleDocUrl(code);
  const title = doc ? `**${code}** (${doc.name}): ${message}` : `**${code}**: ${message}`;
  const parts = [title];
  if (doc?.why) parts.push(`#### Why is this bad?\n\n${doc.why}`);
  if (doc?.useInstead) parts.push(`#### Use instead\n\n${doc.useInstead}`);
  if (url) parts.push(`[${code} documentation](${url}) · \`provenant explain ${code}\``);
  return parts.join('\n\n');
}
