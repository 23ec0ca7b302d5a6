/**
 * The browser's frame as lines, without ink: the header (counts, coverage, filter or breadcrumb), the
 * list window and the footer of key hints. The components draw these, and the first frame is written
 * from them before ink and React have even loaded (see first-frame.ts).
 */
import type { BrowseSession } from './data.js';
import { footerHints } from './keymap.js';
import { coverageText, fit, listLine, pathColumn, type Line } from '../lines.js';
import { currentQuestion, promptTitle } from './prompt.js';
import { listHeight, type State } from './state.js';

type HeaderSource = Pick<BrowseSession, 'coverage' | 'unchecked'>;

export function headerLines(state: State, source: HeaderSource): [Line, Line] {
  const width = state.size.columns;
  const first: Line = [
    { text: 'provenant registry', bold: true },
    { text: `  ${state.rows.length} files · ${coverageText(source.coverage)}` },
    ...(source.unchecked ? [{ text: '  (index as of the last sync)', color: 'yellow' as const }] : []),
  ];
  let second: Line;
  if (state.prompt) {
    const hint = currentQuestion(state.prompt, state.rows).paths ? 'Enter next · Tab completes · Esc cancels' : 'Enter next · Esc cancels';
    second = [{ text: promptTitle(state.prompt, state.rows), bold: true, color: 'cyan' }, { text: `  ${hint}`, dim: true }];
  } else if (state.view === 'artifacts') second = [{ text: ['list', ...(state.artifacts?.from === 'detail' ? state.stack : []), 'artifacts'].join(' › '), dim: true }];
  else if (state.view === 'detail') second = [{ text: ['list', ...state.stack].join(' › '), dim: true }];
  else if (state.view === 'help') second = [{ text: 'help', dim: true }];
  else if (state.typing) second = [{ text: '/', bold: true, color: 'cyan' }, { text: state.query }, { text: '▏', color: 'cyan' }, { text: `  ${state.visible.length} of ${state.rows.length}`, dim: true }];
  else if (state.query || state.status) {
    const parts = [state.query ? `"${state.query}"` : '', state.status ? `status ${state.status}` : ''].filter(Boolean).join(' · ');
    second = [{ text: `filter ${parts}`, color: 'cyan' }, { text: `  ${state.visible.length} of ${state.rows.length} · Esc clears`, dim: true }];
  } else second = [{ text: `${state.rows.length} of ${state.rows.length}`, dim: true }];
  return [fit(first, width), fit(second, width)];
}

const TONES = { note: 'yellow', error: 'red', done: 'green' } as const;

export function footerLine(state: State): Line {
  const p = state.prompt;
  if (p) {
    const question = currentQuestion(p, state.rows);
    const note: Line = p.note ? [{ text: `  ${p.note.text}`, color: p.note.error ? 'red' : 'cyan' }] : [];
    return fit([{ text: `${question.label}: `, bold: true }, { text: p.text }, { text: '▏', color: 'cyan' }, ...note], state.size.columns);
  }
  if (state.message) return fit([{ text: state.message, color: TONES[state.tone], bold: state.tone === 'error' }], state.size.columns);
  const view = state.typing ? 'typing: Enter keeps the filter, Esc clears it' : footerHints(state.view);
  return fit([{ text: view, dim: true }], state.size.columns);
}

export function listLines(state: State, include: readonly string[]): Line[] {
  const width = state.size.columns;
  if (state.rows.length === 0) {
    return [
      [{ text: 'No scripts in the registry.', bold: true }],
      [{ text: `registry.include selects ${include.join(', ')}; nothing matched.` }],
      [{ text: 'Add scripts, or widen [tool.provenant.registry] include, then run `provenant registry sync`.', dim: true }],
    ];
  }
  if (state.visible.length === 0) return [[{ text: 'No script matches the filter.', color: 'yellow' }], [{ text: 'Esc clears it.', dim: true }]];
  const height = listHeight(state.size);
  const shown = state.visible.slice(state.top, state.top + height);
  const rows = shown.flatMap((i) => state.rows[i] ?? []);
  const column = pathColumn(rows, width);
  return rows.map((row, k) => listLine(row, state.top + k === state.cursor, width, column));
}

