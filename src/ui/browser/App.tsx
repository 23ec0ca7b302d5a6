/**
 * The terminal browser's root component: a header (counts, coverage, filter, breadcrumb or prompt), the
 * list, detail, artifacts or help pane, and a footer of key hints, notices or the prompt's answer. State
 * lives in the pure reducer (state.ts); this component feeds it key presses, resizes and detail data
 * loaded on demand, carries out its requests (edits, the editor) and reloads the list after an edit,
 * and exits when it says so.
 */
import { Box, useApp, useInput } from 'ink';
import { useEffect, useMemo, useReducer, useRef, useState, type Dispatch } from 'react';
import type { BrowserActions } from './actions.js';
import type { BrowseSession, DetailExtras } from './data.js';
import { artifactsPane, detailLines, type Anchor } from './detail.js';
import { helpScreen } from './keymap.js';
import { TOO_NARROW, type Line } from '../lines.js';
import { footerLine, headerLines } from './chrome.js';
import { ListPane } from './ListPane.js';
import { LineView } from '../LineView.js';
import { ScrollPane } from './ScrollPane.js';
import { initialState, listHeight, reduce, shownPath, type Event, type Request, type Size } from './state.js';
import { useTerminalSize } from '../useTerminalSize.js';

/** What the browser needs of a session (see data.ts); tests hand in their own. */
export type AppSource = Pick<BrowseSession, 'rows' | 'coverage' | 'include' | 'unchecked' | 'hasArtifacts' | 'lookup' | 'extras'> & Partial<Pick<BrowseSession, 'reload'>>;

export interface AppProps {
  source: AppSource;
  color: boolean;
  /** Carries out edits and opens the editor; without it those keys say they are not available. */
  actions?: BrowserActions;
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

const UNAVAILABLE: BrowserActions = { perform: async () => ({ message: 'not available here', tone: 'error', changed: false }) };

/**
 * Carries out the reducer's request and answers it; after an edit the list is read again first, so the
 * notice of the change arrives with the rows that show it. Returns the coverage as last read, and a
 * version that grows with each reload (the open detail reads its entry again).
 */
function useRequests(request: Request | null, actions: BrowserActions, source: AppSource, dispatch: Dispatch<Event>): { coverage: AppSource['coverage']; version: number } {
  const [live, setLive] = useState({ coverage: source.coverage, version: 0 });
  const handled = useRef(0);
  useEffect(() => {
    if (!request || request.id <= handled.current) return;
    handled.current = request.id;
    void (async () => {
      const outcome = await actions.perform(request);
      let message = outcome.message;
      if (outcome.changed && source.reload) {
        try {
          const fresh = await source.reload();
          dispatch({ type: 'rows', rows: fresh.rows });
          setLive((l) => ({ coverage: fresh.coverage, version: l.version + 1 }));
        } catch (error) {
          message = `${message}; the list could not be read again: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      dispatch({ type: 'done', id: request.id, message, tone: outcome.tone });
    })();
  }, [request, actions, source, dispatch]);
  return live;
}

export function App({ source, color, size: fixed, actions = UNAVAILABLE }: AppProps) {
  const size = useTerminalSize(fixed);
  const [state, dispatch] = useReducer(reduce, undefined, () => initialState(source.rows, size));
  const { exit } = useApp();
  const live = useRequests(state.request, actions, source, dispatch);

  useEffect(() => {
    if (size.columns !== state.size.columns || size.rows !== state.size.rows) dispatch({ type: 'resize', size });
  }, [size, state.size]);
  useEffect(() => {
    if (state.quit) exit();
  }, [state.quit, exit]);
  useInput((input, key) => dispatch({ type: 'key', input, key }));

  const path = shownPath(state);
  useExtras(source, path, state.extras, dispatch);
  // the entry is read again after each reload (live.version), so an edit shows in the open detail
  const lookup = useMemo(() => (path === undefined ? undefined : source.lookup(path)), [source, path, live.version]);
  const extras = path === undefined ? undefined : state.extras[path];
  const width = state.size.columns;
  const body: (Line[] & { anchors?: Anchor[] }) | null = useMemo(() => {
    if (state.view === 'help') return helpScreen(width);
    if (path === undefined || lookup === undefined) return null;
    if (state.view === 'artifacts') return artifactsPane(path, extras, source.hasArtifacts, width);
    return detailLines(path, lookup, extras, source.hasArtifacts, width);
  }, [state.view, path, lookup, extras, source.hasArtifacts, width]);
  const bodyLength = body?.length ?? 0;
  const anchors = body?.anchors;
  useEffect(() => {
    dispatch(anchors ? { type: 'paneLength', lines: bodyLength, anchors } : { type: 'paneLength', lines: bodyLength });
  }, [bodyLength, anchors, state.view]);

  if (width < TOO_NARROW) return <LineView line={[{ text: `terminal too narrow (${width} columns); q quits` }]} color={false} />;
  // once read again after an edit, the index is up to date even when the browser started with --no-refresh
  const [first, second] = headerLines(state, { coverage: live.coverage, unchecked: source.unchecked && live.version === 0 });
  const height = listHeight(state.size);
  return (
    <Box flexDirection="column">
      <LineView line={first} color={color} />
      <LineView line={second} color={color} />
      {body === null ? (
        <ListPane state={state} include={source.include} color={color} />
      ) : (
        <ScrollPane lines={body} top={state.view === 'list' ? 0 : state.scroll[state.view].top} height={height} color={color} />
      )}
      <LineView line={footerLine(state)} color={color} />
    </Box>
  );
}
