/**
 * Statements that say how a file is meant to run: guards that stop unless the model is a chat model
 * (`assert tok.chat_template`, `if "instruct" not in name: raise`), and `if __name__ == "__main__":`.
 */

import type { PyNode as Node } from './flat-tree.js';
import type { ChatGuardFact } from '../facts.js';
import { firstStatement, spanOf } from './literals.js';

/** A line that may hold a chat-model guard; the tree decides (extractor `collectChatGuards`). */
const CHAT_GUARD_LINE = /^([ \t]*)(?:assert|if|elif)\b[^\n]*(?:chat_template|["'](?:instruct|chat)["'])/gm;
/** `tok.chat_template`, `getattr(tok, "chat_template", None)`. */
const TEMPLATE_REF = String.raw`(?:[\w.]+\.chat_template|getattr\([\w.]+,\s*["']chat_template["'](?:,\s*None)?\))`;
/** A test that holds only when the tokenizer has a chat template. */
const HAS_TEMPLATE = new RegExp(String.raw`^(?:bool\()?${TEMPLATE_REF}\)?(?:\s+is\s+not\s+None|\s*!=\s*None)?$`);
/** A test that holds only when the tokenizer has none. */
const LACKS_TEMPLATE = new RegExp(String.raw`^(?:not\s+${TEMPLATE_REF}|${TEMPLATE_REF}\s+is\s+None|${TEMPLATE_REF}\s*==\s*None)$`);
/** `"instruct" in model_name.lower()`, `any(k in name for k in ("chat", "instruct"))`. */
const NAME_SAYS_CHAT = /^(?:["'](?:instruct|chat)["']\s+in\s+[\w.()[\]'"]+|any\([^()\n]*\bin\b[^()\n]*["'](?:instruct|chat)["'][^()\n]*\))$/i;
/** `"instruct" not in model_name.lower()`, `not any(…)`. */
const NAME_NOT_CHAT = /^(?:["'](?:instruct|chat)["']\s+not\s+in\s+[\w.()[\]'"]+|not\s+["'](?:instruct|chat)["']\s+in\s+[\w.()[\]'"]+|not\s+any\([^()\n]*\bin\b[^()\n]*["'](?:instruct|chat)["'][^()\n]*\))$/i;
/** The tested name is the model's, not a mode or a file. */
const MODELISH_OPERAND = /model|ckpt|checkpoint|repo|name_or_path|model_id/i;
/** A block that stops the program: `raise`, `sys.exit(…)`, `parser.error(…)`. */
const STOPS = /^(?:raise\b|(?:sys\.)?exit\(|quit\(|[\w.]*parser\.error\()/;

const MAIN_GUARD = /^(?:__name__\s*==\s*(['"])__main__\1|(['"])__main__\2\s*==\s*__name__)$/;

/**
 * Statements that stop unless the model is a chat model. Found from the text first (an `assert`, `if` or
 * `elif` line that mentions `chat_template` or a quoted `instruct`/`chat`), so most files pay one regex
 * scan; only those lines are looked at in the tree.
 */
export function chatGuards(root: Node, src: string, text: (node: Node) => string): ChatGuardFact[] {
  const out: ChatGuardFact[] = [];
  CHAT_GUARD_LINE.lastIndex = 0;
  for (let m = CHAT_GUARD_LINE.exec(src); m; m = CHAT_GUARD_LINE.exec(src)) {
    let node: Node | null = root.descendantForIndex(m.index + (m[1]?.length ?? 0));
    while (node && node.type !== 'assert_statement' && node.type !== 'if_statement' && node.type !== 'elif_clause') {
      if (node.type === 'block' || node.type === 'module') node = null;
      else node = node.parent;
    }
    const on = node ? chatGuardOn(node, text) : null;
    if (node && on) out.push({ span: spanOf(node), on });
  }
  return out;
}

/** A guard is a short test; a longer condition is not read (and never backtracked through). */
const MAX_CONDITION = 300;

/** What a guard statement tests, when it stops the program unless the model is a chat model. */
function chatGuardOn(node: Node, text: (node: Node) => string): 'template' | 'name' | null {
  if (node.type === 'assert_statement') {
    let test = node.firstNamedChild;
    if (test?.type === 'parenthesized_expression' && test.namedChildCount === 1) test = test.firstNamedChild;
    const tested = test ? text(test).replace(/\s+/g, ' ').trim() : '';
    if (tested.length > MAX_CONDITION) return null;
    return HAS_TEMPLATE.test(tested) ? 'template' : NAME_SAYS_CHAT.test(tested) && MODELISH_OPERAND.test(tested) ? 'name' : null;
  }
  let condition = node.childForFieldName('condition');
  if (condition?.type === 'parenthesized_expression' && condition.namedChildCount === 1) condition = condition.firstNamedChild;
  const body = node.childForFieldName('consequence');
  const first = body ? firstStatement(body) : null;
  if (!condition || !first || !STOPS.test(text(first))) return null;
  const tested = text(condition).replace(/\s+/g, ' ').trim();
  if (tested.length > MAX_CONDITION) return null;
  if (LACKS_TEMPLATE.test(tested)) return 'template';
  return NAME_NOT_CHAT.test(tested) && MODELISH_OPERAND.test(tested) ? 'name' : null;
}

/** A module-level `if __name__ == "__main__":` (either operand order): the file is meant to be run. */
export function hasMainGuard(root: Node, text: (node: Node) => string): boolean {
  for (const stmt of root.namedChildren) {
    const condition = stmt?.type === 'if_statement' ? stmt.childForFieldName('condition') : null;
    if (condition && MAIN_GUARD.test(text(condition))) return true;
  }
  return false;
}
