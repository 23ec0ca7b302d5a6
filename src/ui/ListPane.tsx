/**
 * The script list: the window of filtered rows around the cursor, or why there is nothing to show.
 */
import { Box } from 'ink';
import { listHeight, type State } from './state.js';
import { LineView } from './LineView.js';
import { listLine, pathColumn, type Line } from './lines.js';

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

export function ListPane({ state, include, color }: { state: State; include: readonly string[]; color: boolean }) {
  return (
    <Box flexDirection="column" height={listHeight(state.size)}>
      {listLines(state, include).map((line, i) => (
        <LineView key={i} line={line} color={color} />
      ))}
    </Box>
  );
}
