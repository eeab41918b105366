//! Shapes of the panel block vocabulary (docs/protocol.md "Panel `data`
//! convention") and what every block renderer is given. Everything from the
//! server is read defensively: a field of the wrong type is treated as absent.
import type { ReactNode } from 'react';

export type Cell = string | number;

/** A button a panel offers: pressing it sends `panel.action {channel_id, action, params}`. */
export interface Button {
  label: string;
  action: string;
  params?: Record<string, unknown>;
  style?: 'primary' | 'danger';
  /** When given, the question asked (with Confirm / Cancel) before sending. */
  confirm?: string;
}

/** What a table looks like to an extension that adds a trailing actions column. */
export interface PanelTable {
  /** The panel's kind, e.g. "revenue.overview". */
  kind: string;
  columns: string[];
  rows: Cell[][];
  /** Loads the panel again (for an extension whose change did not come back as PANEL_UPDATE). */
  reload: () => void;
}

/**
 * An optional extension composed in by the app: given a table, either null
 * (no actions for it) or a renderer of each row's actions cell.
 */
export type TableActions = (table: PanelTable) => ((row: Cell[], index: number) => ReactNode) | null;

/** Sends `panel.action` for this panel's channel; rejects with the server's error (`{code, message}`). */
export type PanelAct = (action: string, params: Record<string, unknown>) => Promise<unknown>;

/** Uploads a file (`POST /api/v1/files`) and resolves with the stored file. */
export type FileUpload = (file: File) => Promise<UploadedFile>;

export interface UploadedFile {
  id: string | number;
  name: string;
  content_type?: string;
  size?: number;
}

export interface BlockContext {
  kind: string;
  reload: () => void;
  tableActions?: TableActions;
  act: PanelAct;
  upload: FileUpload;
}

export const asArray = <T,>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
export const asString = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
export const asObject = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/** A Button from the wire, or null when it has no action to send. */
export function readButton(v: unknown): Button | null {
  const b = asObject(v);
  const action = asString(b.action);
  if (!action) return null;
  return {
    label: asString(b.label) || action,
    action,
    params: asObject(b.params),
    style: b.style === 'primary' || b.style === 'danger' ? b.style : undefined,
    confirm: asString(b.confirm) || undefined,
  };
}
