/**
 * A window of prepared lines at a scroll position: the detail pane and the help.
 */
import { Box } from 'ink';
import { LineView } from '../LineView.js';
import type { Line } from '../lines.js';

export function ScrollPane({ lines, top, height, color }: { lines: readonly Line[]; top: number; height: number; color: boolean }) {
  return (
    <Box flexDirection="column" height={height}>
      {lines.slice(top, top + height).map((line, i) => (
        <LineView key={top + i} line={line} color={color} />
      ))}
    </Box>
  );
}
