/**
 * The ink view of `provenant pipeline run`: follows the progress store (the runner's events) and a
 * one-second tick for the elapsed times, and draws the lines pipeline-progress-lines.ts lays out for
 * the terminal's size. Warnings go above the live frame through ink's Static, so they stay in the
 * scrollback instead of being overdrawn. The tick stops when the run has a result and on unmount.
 */
import { Box, Static, Text } from 'ink';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { LineView } from './LineView.js';
import type { ProgressStore } from './pipeline-progress.js';
import { progressLines, type Size, type ViewMeta } from './pipeline-progress-lines.js';
import { useTerminalSize } from './useTerminalSize.js';

export interface PipelineProgressProps extends ViewMeta {
  store: ProgressStore;
  color: boolean;
  /** The time source (tests hand in their own). */
  now?: () => number;
  /** A fixed terminal size (tests); otherwise the stream's, following resizes. */
  size?: Size;
}

const TICK_MS = 1000;

export function PipelineProgress({ store, color, now = Date.now, size: fixed, spec, smoke }: PipelineProgressProps) {
  const state = useSyncExternalStore(store.subscribe, store.getState);
  const size = useTerminalSize(fixed);
  // the tick only re-renders; every render (an event's too) reads the time afresh
  const [, setTicks] = useState(0);
  const finished = state.result !== null;
  useEffect(() => {
    if (finished) return undefined;
    const timer = setInterval(() => setTicks((n) => n + 1), TICK_MS);
    return () => clearInterval(timer);
  }, [finished]);
  const lines = progressLines(state, { spec, smoke }, size, now());
  return (
    <>
      <Static items={state.warnings.map((text, i) => ({ text, key: i }))}>
        {(w) => (
          <Text key={w.key} color={color ? 'yellow' : undefined}>
            provenant: warning: {w.text}
          </Text>
        )}
      </Static>
      <Box flexDirection="column">
        {lines.map((line, i) => (
          <LineView key={i} line={line} color={color} />
        ))}
      </Box>
    </>
  );
}
