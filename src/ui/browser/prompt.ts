/**
 * The browser's inline prompt for the registry edits: `d` asks for the replacement (Tab completes it
 * from the registered paths) and the reason, `c` for the capability (and, when another script holds
 * it, whether to take it), `b` for what goes wrong and the fixing commit. Pure: each answer is checked
 * against the list rows (registered paths, statuses, capabilities) before anything is written, so a bad
 * answer is said in the footer while it can still be corrected; the write itself is the CLI's own
 * (`registry deprecate|canonical|bug`, injected by the command, see run.ts), whose errors still count.
 */
import type { BrowseRow } from './data.js';
import type { KeyPress } from './keymap.js';

export type EditKind = 'deprecate' | 'canonical' | 'bug';

/** An edit the prompt has every answer for, as the registry's edit commands take it. */
export type EditRequest =
  | { kind: 'deprecate'; path: string; replacedBy: string; reason: string }
  | { kind: 'canonical'; path: string; capability: string; force: boolean }
  | { kind: 'bug'; path: string; summary: string; fixedIn?: string };

export interface Prompt {
  kind: EditKind;
  /** The script being edited. */
  path: string;
  /** The answers given so far, one per question. */
  answers: readonly string[];
  /** The answer being typed. */
  text: string;
  /** Why the last Enter was refused, or what Tab found. */
  note: { text: string; error: boolean } | null;
}

export interface Question {
  label: string;
  /** Enter on an empty answer is allowed (it means "none"). */
  optional?: boolean;
  /** The answer is a registered path: Tab completes it. */
  paths?: boolean;
  /** Answered by y or n alone. */
  yesNo?: boolean;
}

export type PromptStep = { prompt: Prompt } | { done: EditRequest } | { cancelled: string };

const TITLES: Record<EditKind, string> = { deprecate: 'deprecate', canonical: 'mark canonical', bug: 'record a known bug' };
const SHOWN_MATCHES = 3;

const squash = (text: string): string => text.trim().replace(/\s+/g, ' ');
const samePath = (text: string): string => text.trim().replace(/^(\.\/)+/, '');
const sameCapability = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The scripts other than `path` that are canonical for `capability` (as the list knows them). */
function holdersOf(rows: readonly BrowseRow[], path: string, capability: string): string[] {
  return rows.filter((r) => r.path !== path && r.canonicalFor.some((c) => sameCapability(c, capability))).map((r) => r.path);
}

/** The questions of a prompt, given its answers so far (canonical asks to confirm only when the capability is held). */
export function questions(prompt: Pick<Prompt, 'kind' | 'path' | 'answers'>, rows: readonly BrowseRow[]): Question[] {
  switch (prompt.kind) {
    case 'deprecate':
      return [{ label: 'replaced by', paths: true }, { label: 'reason' }];
    case 'bug':
      return [{ label: 'what goes wrong' }, { label: 'fixed in commit (Enter: not fixed yet)', optional: true }];
    case 'canonical': {
      const capability = prompt.answers[0];
      const holders = capability === undefined ? [] : holdersOf(rows, prompt.path, capability);
      const confirm: Question[] = holders.length ? [{ label: `${holders.join(', ')} is canonical for "${capability}"; take it? (y/n)`, yesNo: true }] : [];
      return [{ label: 'canonical for' }, ...confirm];
    }
  }
}

export function currentQuestion(prompt: Prompt, rows: readonly BrowseRow[]): Question {
  const all = questions(prompt, rows);
  return all[Math.min(prompt.answers.length, all.length - 1)] ?? { label: '' };
}

export function promptTitle(prompt: Prompt, rows: readonly BrowseRow[]): string {
  const total = questions(prompt, rows).length;
  return `${TITLES[prompt.kind]} ${prompt.path}${total > 1 ? ` (${prompt.answers.length + 1} of ${total})` : ''}`;
}

/** A prompt for `kind` on the script at `path`, or why the edit cannot be made. */
export function startPrompt(kind: EditKind, path: string, rows: readonly BrowseRow[]): Prompt | string {
  const row = rows.find((r) => r.path === path);
  if (kind === 'canonical' && row?.status === 'deprecated') {
    return `${path} is deprecated; it cannot be canonical${row.replacedBy ? ` (mark ${row.replacedBy} instead)` : ''}`;
  }
  return { kind, path, answers: [], text: '', note: null };
}

/** Why a replacement cannot be used, or null. */
function replacementProblem(text: string, path: string, rows: readonly BrowseRow[]): string | null {
  if (text === '') return 'name the file to use instead (Tab completes a registered path)';
  if (text === path) return 'a script cannot replace itself';
  const row = rows.find((r) => r.path === text);
  // the answer stands just before the note: the note does not repeat it
  if (!row) return 'not a registered file (Tab completes)';
  if (row.status === 'deprecated') return `deprecated itself${row.replacedBy ? `; its replacement: ${row.replacedBy}` : ''}`;
  return null;
}

/** Registered paths that could replace `path` and fit what is typed: by prefix, else anywhere in the path. */
export function completions(text: string, path: string, rows: readonly BrowseRow[]): string[] {
  const usable = rows.filter((r) => r.path !== path && r.status !== 'deprecated').map((r) => r.path);
  const typed = samePath(text);
  const prefixed = usable.filter((p) => p.startsWith(typed));
  if (prefixed.length || typed === '') return prefixed;
  const lower = typed.toLowerCase();
  return usable.filter((p) => p.toLowerCase().includes(lower));
}

function commonPrefix(texts: readonly string[]): string {
  let prefix = texts[0] ?? '';
  for (const t of texts) while (!t.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

function complete(prompt: Prompt, rows: readonly BrowseRow[]): Prompt {
  const found = completions(prompt.text, prompt.path, rows);
  if (found.length === 0) return { ...prompt, note: { text: 'no registered path matches', error: true } };
  if (found.length === 1) return { ...prompt, text: found[0] ?? prompt.text, note: null };
  const prefix = commonPrefix(found);
  const shown = found.slice(0, SHOWN_MATCHES).join(', ');
  const note = `${found.length} matches: ${shown}${found.length > SHOWN_MATCHES ? ', …' : ''}`;
  // a prefix only grows what was typed; matches found inside paths leave it as it is
  const typed = samePath(prompt.text);
  return { ...prompt, text: prefix.startsWith(typed) && prefix.length > typed.length ? prefix : prompt.text, note: { text: note, error: false } };
}

/** The answer to the current question as it will be recorded, or why it is refused. */
function checked(prompt: Prompt, question: Question, rows: readonly BrowseRow[]): { answer: string } | { problem: string } {
  if (question.paths) {
    const answer = samePath(prompt.text);
    const problem = replacementProblem(answer, prompt.path, rows);
    return problem === null ? { answer } : { problem };
  }
  const answer = squash(prompt.text);
  if (answer === '' && !question.optional) return { problem: `${question.label}: type an answer, or Esc to cancel` };
  if (prompt.kind === 'bug' && prompt.answers.length === 1 && /\s/.test(answer)) return { problem: 'a commit is one word (a hash, a tag, HEAD~1)' };
  return { answer };
}

function request(kind: EditKind, path: string, answers: readonly string[]): EditRequest {
  const [first = '', second = ''] = answers;
  if (kind === 'deprecate') return { kind, path, replacedBy: first, reason: second };
  if (kind === 'canonical') return { kind, path, capability: first, force: second === 'y' };
  return second ? { kind, path, summary: first, fixedIn: second } : { kind, path, summary: first };
}

function answer(prompt: Prompt, rows: readonly BrowseRow[]): PromptStep {
  const question = currentQuestion(prompt, rows);
  const result = checked(prompt, question, rows);
  if ('problem' in result) return { prompt: { ...prompt, note: { text: result.problem, error: true } } };
  const next: Prompt = { ...prompt, answers: [...prompt.answers, result.answer], text: '', note: null };
  return next.answers.length < questions(next, rows).length ? { prompt: next } : { done: request(next.kind, next.path, next.answers) };
}

/** A key press in the prompt: the answer edited, the next question, the finished edit, or a cancel. */
export function promptKey(prompt: Prompt, input: string, key: KeyPress, rows: readonly BrowseRow[]): PromptStep {
  const question = currentQuestion(prompt, rows);
  if (key.escape) return { cancelled: `${TITLES[prompt.kind]} cancelled; nothing written` };
  if (question.yesNo) {
    if (/^y$/i.test(input)) return { done: request(prompt.kind, prompt.path, [...prompt.answers, 'y']) };
    if (/^n$/i.test(input)) return { cancelled: `${TITLES[prompt.kind]} cancelled; nothing written` };
    return { prompt };
  }
  if (key.return) return answer(prompt, rows);
  if (key.tab) return { prompt: question.paths ? complete(prompt, rows) : prompt };
  if (key.backspace || key.delete) return { prompt: { ...prompt, text: prompt.text.slice(0, -1), note: null } };
  if (key.ctrl) return { prompt: input === 'u' ? { ...prompt, text: '', note: null } : prompt };
  if (key.upArrow || key.downArrow || key.pageUp || key.pageDown) return { prompt };
  // printable text only (a paste arrives whole); control characters never reach the answer
  const text = [...input].filter((ch) => ch >= ' ' && ch !== '\u007f').join('');
  return { prompt: text ? { ...prompt, text: prompt.text + text, note: null } : prompt };
}
