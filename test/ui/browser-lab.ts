/**
 * For the end-to-end tests of `provenant tui`: a copy of examples/stage1-lab with its registry imported,
 * one script deprecated, one canonical and synced; and the whole screen a browser state should show.
 */
import { footerLine, headerLines, listLines } from '../../src/ui/browser/chrome.js';
import { helpScreen } from '../../src/ui/browser/keymap.js';
import { textOf, type Line } from '../../src/ui/lines.js';
import { listHeight, type State } from '../../src/ui/browser/state.js';
import { provenant } from '../helpers/exec.js';
import type { GitDir } from '../helpers/gitdir.js';
import { stage1Lab } from '../registry/lab.js';

export function browserLab(): GitDir {
  const lab = stage1Lab();
  const steps = [
    ['registry', 'import', 'docs/IMPLEMENTATION_REGISTRY.md'],
    ['registry', 'deprecate', 'scripts/generate_preference_pairs_logprob.py', '--replaced-by', 'scripts/utils/instruction_critic.py', '--reason', 'a second log-prob scorer'],
    ['registry', 'canonical', 'scripts/utils/instruction_critic.py', '--for', 'log-prob critic'],
    ['registry', 'sync'],
  ];
  for (const args of steps) {
    const r = provenant(args, lab.root);
    if (r.code !== 0) throw new Error(`provenant ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  }
  return lab;
}

/**
 * The whole screen a state should show, as tmux prints it (no trailing spaces): what the list and help
 * panes draw comes from the same pure functions as the components, so a stale or shifted line differs.
 */
export function expectedScreen(state: State, source: Parameters<typeof headerLines>[1], include: readonly string[]): string {
  const height = listHeight(state.size);
  const top = state.scroll.help.top;
  const body: Line[] = state.view === 'help' ? helpScreen(state.size.columns).slice(top, top + height) : listLines(state, include);
  const lines = [...headerLines(state, source), ...Array.from({ length: height }, (_, i) => body[i] ?? []), footerLine(state)];
  const text = lines.map((l) => textOf(l).trimEnd());
  while (text.length < state.size.rows) text.push('');
  return text.join('\n');
}
