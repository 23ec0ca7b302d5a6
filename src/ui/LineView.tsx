/**
 * One screen line of styled segments as ink `Text`. With colour off (NO_COLOR, or a terminal without
 * colour) every style is dropped, so no ANSI styling reaches the terminal; the cursor marker still shows
 * the selection.
 */
import { Text } from 'ink';
import type { Line } from './lines.js';

export function LineView({ line, color }: { line: Line; color: boolean }) {
  if (line.length === 0 || line.every((s) => s.text === '')) return <Text> </Text>;
  return (
    <Text wrap="truncate-end">
      {line.map((s, i) =>
        color ? (
          <Text key={i} color={s.color} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
            {s.text}
          </Text>
        ) : (
          <Text key={i}>{s.text}</Text>
        ),
      )}
    </Text>
  );
}
