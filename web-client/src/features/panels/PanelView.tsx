//! Generic panel renderer for panel channels: `data = {title?, blocks: [...]}`
//! (docs/protocol.md "Panel `data` convention"). One file per block type:
//! figures, table (row_actions, filter), list, progress, text, actions, form
//! (steps: a wizard), checklist, board, activity, chart (Chart.js, lazy),
//! links and preview. Unknown block types render nothing (and are
//! logged); a panel.get error shows an empty state. Nothing here knows a
//! particular panel or domain: buttons, forms, checklist items and board
//! moves send `panel.action {channel_id, action, params}` and the change comes
//! back as PANEL_UPDATE. The app may pass `tableActions` to add a per-row
//! actions column (the revenue feature's staff actions).
import { useCallback, useEffect, useMemo } from 'react';
import { PanelIcon } from '../../components/Icons';
import type { Channel } from '../../lib/realtime/types';
import { useWorkspace, workspace } from '../../workspace/store';
import { BlockView } from './BlockView';
import { slug } from './format';
import { asArray, type BlockContext, type FileUpload, type PanelAct, type TableActions } from './types';
import { uploadFile } from './upload';
import './panels.css';

export { formatValue, isStatusColumn, safeHref } from './format';
export type { Button, Cell, PanelAct, PanelTable, TableActions } from './types';

const notConnected: PanelAct = () => Promise.reject({ code: 'disconnected', message: 'Not connected' });

/**
 * A panel's `data` (`{title?, blocks}`) as markup; pure apart from `act` and
 * `upload` (given by `PanelView`, or by a test), so it renders anywhere.
 */
export function PanelBody({
  kind,
  data,
  tableActions,
  reload = () => {},
  act = notConnected,
  upload = uploadFile,
}: {
  kind: string;
  data: Record<string, unknown>;
  tableActions?: TableActions;
  reload?: () => void;
  act?: PanelAct;
  upload?: FileUpload;
}) {
  const title = typeof data.title === 'string' ? data.title : undefined;
  const ctx: BlockContext = { kind, reload, tableActions, act, upload };
  return (
    <>
      {title && <h2 className="panel-title">{title}</h2>}
      {asArray<Record<string, unknown>>(data.blocks).map((b, i) =>
        b && typeof b === 'object' ? (
          <section key={i} className={`panel-block panel-block-${slug(b.type)}`}>
            <BlockView block={b} ctx={ctx} />
          </section>
        ) : null,
      )}
    </>
  );
}

/** A panel channel: loads the panel, then renders it; `tableActions` adds a per-row actions column (composed in by the app). */
export function PanelView({ channel, tableActions }: { channel: Channel; tableActions?: TableActions }) {
  const state = useWorkspace((s) => s.panels[channel.id]);
  const connection = useWorkspace((s) => s.connection);
  const act = useCallback<PanelAct>((action, params) => workspace.panelAction(channel.id, action, params), [channel.id]);
  const reload = useMemo(() => () => void workspace.loadPanel(channel.id), [channel.id]);

  useEffect(() => {
    if (!state && connection === 'connected') void workspace.loadPanel(channel.id);
  }, [state, connection, channel.id]);

  if (!state || (state.loading && !state.panel)) {
    return (
      <div className="panel-view" aria-busy="true">
        <div className="skeleton" />
        <div className="skeleton short" />
      </div>
    );
  }
  if (!state.panel) {
    return (
      <div className="panel-view">
        <div className="empty-state">
          <PanelIcon size={48} />
          <h2>Nothing to show yet</h2>
          <p>{state.error?.code === 'not_found' ? `The ${channel.domain ?? channel.name} panel is on its way.` : 'This panel could not be loaded right now.'}</p>
          {state.error?.code !== 'not_found' && (
            <button className="btn-secondary" onClick={() => void workspace.loadPanel(channel.id)}>
              Try again
            </button>
          )}
        </div>
      </div>
    );
  }
  return (
    <div className="panel-view" data-panel-kind={state.panel.kind} data-panel-version={state.panel.version}>
      <PanelBody kind={state.panel.kind} data={state.panel.data ?? {}} tableActions={tableActions} reload={reload} act={act} />
    </div>
  );
}
