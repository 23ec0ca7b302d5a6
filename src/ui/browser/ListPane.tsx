/**
 * The script list: the window of filtered rows around the cursor, or why there is nothing to show.
 */
import { Box } from 'ink';
import { listHeight, type State } from './state.js';
import { listLines } from './chrome.js';
import { LineView } from '../LineView.js';

export function ListPane({ state, include, color }: { state: State; include: readonly string[]; color: boolean }) {
  return (
    <Box flexDirection="column" height={listHeight(state.size)}>
      {listLines(state, include).map((line, i) => (
        <LineView key={i} line={line} color={color} />
      ))}
    </Box>
  );
}
