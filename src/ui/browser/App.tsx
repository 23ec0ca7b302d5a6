/**
 * The terminal browser's root component: a header (counts, coverage, filter or breadcrumb), the list,
 * detail or help pane, and a footer of key hints. State lives in the pure reducer (state.ts); this
 * component feeds it key presses, resizes and detail data loaded on demand, and exits when it says so.
 */
import { Box, useApp, useInput } from 'ink';
import { useEffect, useMemo, useReducer, useRef } from 'react';
import type { BrowseSession, DetailExtras } from './data.js';
import { detailLines } from './detail.js';
import { helpScreen } from './keymap.js';
import { TOO_NARROW } from '../lines.js';
import { footerLine, headerLines } from './chrome.js';
import { ListPane } from './ListPane.js';
import { LineView } from '../LineView.js';
import { ScrollPane } from './ScrollPane.js';
import { initialState, listHeight, reduce, shownPath, type Size } from './state.js';
import { useTerminalSize } from '../useTerminalSize.js';

/** What the browser needs of a session (see data.ts); tests hand in their own. */
export type AppSource = Pick<BrowseSession, 'rows' | 'coverage' | 'include' | 'unchecked' | 'hasArtifacts' | 'lookup' | 'extras'>;

export interface AppProps {
  source: AppSource;
  color: boolean;
  /** A fixed terminal size (tests); otherwise stdout's, following resizes. */
  size?: Size;
}

/** Loads the detail data of the shown script once, into the reducer. */
function useExtras(source: AppSource, path: string | undefined, loaded: Readonly<Record<string, DetailExtras>>, dispatch: (e: { type: 'extras'; path: string; extras: DetailExtras }) => void): void {
  const pending = useRef(new Set<string>());
  useEffect(() => {
    if (path === undefined || loaded[path] || pending.current.has(path)) return;
    pending.current.add(path);
    source.extras(path).then(
      (extras) => dispatch({ type: 'extras', path, extras }),
      (error: unknown) => dispatch({ type: 'extras', path, extras: { findings: { ok: false, error: error instanceof Error ? error.message : String(error) } } }),
    );
  }, [source, path, loaded, dispatch]);
}

export function App({ source, color, size: fixed }: AppProps) {
  const size = useTerminalSize(fixed);
  const [state, dispatch] = useReducer(reduce, undefined, () => initialState(source.rows, size));
  const { exit } = useApp();

  useEffect(() => {
    if (size.columns !== state.size.columns || size.rows !== state.size.rows) dispatch({ type: 'resize', size });
  }, [size, state.size]);
  useEffect(() => {
    if (state.quit) exit();
  }, [state.quit, exit]);
  useInput((input, key) => dispatch({ type: 'key', input, key }));

  const path = shownPath(state);
  useExtras(source, path, state.extras, dispatch);
  const lookup = useMemo(() => (path === undefined ? undefined : source.lookup(path)), [source, path]);
  const extras = path === undefined ? undefined : state.extras[path];
  const width = state.size.columns;
  const body = useMemo(() => {
    if (state.view === 'help') return helpScreen(width);
    if (path === undefined || lookup === undefined) return null;
    return detailLines(path, lookup, extras, source.hasArtifacts, width);
  }, [state.view, path, lookup, extras, source.hasArtifacts, width]);
  const bodyLength = body?.length ?? 0;
  useEffect(() => {
    dispatch({ type: 'detailLength', lines: bodyLength });
  }, [bodyLength]);

  if (width < TOO_NARROW) return <LineView line={[{ text: `terminal too narrow (${width} columns); q quits` }]} color={false} />;
  const [first, second] = headerLines(state, source);
  const height = listHeight(state.size);
  return (
    <Box flexDirection="column">
      <LineView line={first} color={color} />
      <LineView line={second} color={color} />
      {body === null ? (
        <ListPane state={state} include={source.include} color={color} />
      ) : (
        <ScrollPane lines={body} top={state.view === 'help' ? 0 : state.detailTop} height={height} color={color} />
      )}
      <LineView line={footerLine(state)} color={color} />
    </Box>
  );
}
