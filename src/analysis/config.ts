/**
 * The JSON and TOML front end: the settings rules read (`SETTING_KEYS`, such as `trust_remote_code`),
 * found by a line-based scan. These files are model and run configs, never parsed in full: the scan only
 * sees files whose text holds a rule's trigger, and a key's value is taken when it is a literal.
 */

import { emptyFacts, SETTING_KEYS, type FileFacts, type Literal, type SettingFact } from './facts.js';
import { LineIndex } from './launch/spans.js';

export type ConfigLanguage = 'json' | 'toml';

export function configLanguageForPath(path: string): ConfigLanguage | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.json')) return 'json';
  if (lower.endsWith('.toml')) return 'toml';
  return null;
}

const KEYS = [...SETTING_KEYS].map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
/** `"key": value` (JSON) and `key = value`, `"key" = value` (TOML, also inside inline tables). */
const JSON_SETTING = new RegExp(`"(${KEYS})"\\s*:\\s*(true|false|null|-?\\d+(?:\\.\\d+)?|"(?:[^"\\\\\\n]|\\\\.)*")`, 'g');
const TOML_SETTING = new RegExp(`(?<![\\w-])["']?(${KEYS})["']?\\s*=\\s*(true|false|-?\\d+(?:\\.\\d+)?|"(?:[^"\\\\\\n]|\\\\.)*"|'[^'\\n]*')`, 'g');

function literalOf(text: string): Literal {
  if (text === 'true' || text === 'false') return { kind: 'bool', value: text === 'true' };
  if (text === 'null') return { kind: 'none' };
  if (/^-?\d/.test(text)) return { kind: 'num', value: Number(text) };
  if (text.startsWith("'")) return { kind: 'str', value: text.slice(1, -1) };
  try {
    return { kind: 'str', value: JSON.parse(text) as string };
  } catch {
    return { kind: 'expr', text };
  }
}

/** True when the offset sits inside a TOML string or after a `#` that starts a comment on its line. */
function inTomlTextOrComment(source: string, offset: number): boolean {
  const lineStart = source.lastIndexOf('\n', offset - 1) + 1;
  let quote: string | null = null;
  for (let k = lineStart; k < offset; k++) {
    const c = source[k];
    if (quote !== null) {
      if (c === '\\' && quote === '"') k++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#') return true;
  }
  return quote !== null;
}

/** Settings of a JSON or TOML file; the span covers the key and its value. */
export function extractConfigFacts(source: string, path: string, language: ConfigLanguage): FileFacts {
  const facts = emptyFacts(path, language);
  const index = new LineIndex(source);
  facts.lines = index.lineCount;
  const settings: SettingFact[] = [];
  const pattern = language === 'json' ? JSON_SETTING : TOML_SETTING;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(source); m !== null; m = pattern.exec(source)) {
    if (language === 'toml') {
      // a quoted key closes its quote right after the name; otherwise the quote opened a string value
      const quote = m[0][0] === '"' || m[0][0] === "'" ? m[0][0] : null;
      if (quote !== null && source[m.index + 1 + (m[1] as string).length] !== quote) continue;
      if (inTomlTextOrComment(source, m.index)) continue;
    }
    settings.push({ key: m[1] as string, value: literalOf(m[2] as string), span: index.span(m.index, m.index + m[0].length) });
  }
  if (settings.length > 0) facts.settings = settings;
  return facts;
}
