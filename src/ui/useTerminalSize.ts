/**
 * The terminal's size, following stdout's 'resize' events; a fixed size (component tests) wins.
 */
import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

/** A terminal's size in character cells. */
export interface Size {
  columns: number;
  rows: number;
}

export function useTerminalSize(fixed?: Size): Size {
  const { stdout } = useStdout();
  const [size, setSize] = useState<Size>(() => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 }));
  useEffect(() => {
    if (fixed) return undefined;
    const update = (): void => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', update);
    return () => {
      stdout.off('resize', update);
    };
  }, [stdout, fixed]);
  return fixed ?? size;
}
