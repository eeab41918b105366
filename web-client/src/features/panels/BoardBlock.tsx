//! `board`: columns of cards (a pipeline). A card moves by HTML5 drag and drop
//! onto a column, or with its "Move to …" buttons (keyboard and touch): either
//! sends `panel.action {action: board.action, params: {id, to}}`. Only the
//! columns in a card's `moves` are sent; a drop anywhere else is refused here
//! (and said so). The server enforces the moves too; its refusal (`conflict`
//! naming the current stage) is shown above the board.
import { useEffect, useState, type DragEvent } from 'react';
import { ActionError } from './ActionButton';
import { amount } from './format';
import { useAction } from './useAction';
import { asArray, asObject, asString, type BlockContext } from './types';

type Id = string | number;
export interface BoardCard {
  id: Id;
  title: string;
  subtitle: string;
  fields: { label: string; value: unknown; currency?: string }[];
  moves: Id[];
}
export interface BoardColumn {
  id: Id;
  title: string;
  cards: BoardCard[];
}

const asId = (v: unknown): Id | null => (typeof v === 'string' || typeof v === 'number' ? v : null);
/** Ids compare as text: the server may send a number where a move lists a string. */
export const sameId = (a: unknown, b: unknown) => a !== null && a !== undefined && String(a) === String(b);

export function readBoard(block: Record<string, unknown>): BoardColumn[] {
  return asArray<unknown>(block.columns)
    .map(asObject)
    .filter((c) => asId(c.id) !== null)
    .map((c) => ({
      id: asId(c.id)!,
      title: asString(c.title) || String(c.id),
      cards: asArray<unknown>(c.cards)
        .map(asObject)
        .filter((k) => asId(k.id) !== null)
        .map((k) => ({
          id: asId(k.id)!,
          title: asString(k.title) || String(k.id),
          subtitle: asString(k.subtitle),
          fields: asArray<unknown>(k.fields).map(asObject).map((f) => ({ label: asString(f.label), value: f.value, currency: asString(f.currency) || undefined })),
          moves: asArray<unknown>(k.moves).map(asId).filter((m): m is Id => m !== null),
        })),
    }));
}

/** What a drop of `card` on column `to` does: send, nothing (its own column), or a refusal to show. */
export function dropOutcome(card: BoardCard, from: BoardColumn, to: BoardColumn): { send: true } | { send: false; refused?: string } {
  if (sameId(from.id, to.id)) return { send: false };
  if (card.moves.some((m) => sameId(m, to.id))) return { send: true };
  return { send: false, refused: `“${card.title}” cannot move from ${from.title} to ${to.title}.` };
}

export function BoardBlock({ block, ctx }: { block: Record<string, unknown>; ctx: BlockContext }) {
  const action = asString(block.action);
  const columns = readBoard(block);
  const { pending, error, run, setError } = useAction(ctx.act);
  const [dragging, setDragging] = useState<{ card: BoardCard; from: BoardColumn } | null>(null);
  const [over, setOver] = useState<Id | null>(null);
  const [moving, setMoving] = useState<Id | null>(null);
  // A refusal is about the board as it was: once the board changes (PANEL_UPDATE), it is stale.
  const shape = JSON.stringify(columns.map((c) => [c.id, c.cards.map((k) => k.id)]));
  useEffect(() => setError(null), [shape, setError]);

  const move = async (card: BoardCard, from: BoardColumn, to: BoardColumn) => {
    const outcome = dropOutcome(card, from, to);
    if (!outcome.send) {
      if (outcome.refused) setError(outcome.refused);
      return;
    }
    if (!action) return setError('This board does not accept moves.');
    setMoving(card.id);
    await run(action, { id: card.id, to: to.id });
    setMoving(null);
  };

  const onDrop = (e: DragEvent, to: BoardColumn) => {
    e.preventDefault();
    setOver(null);
    const d = dragging;
    setDragging(null);
    if (d && !pending) void move(d.card, d.from, to);
  };

  const byId = (id: Id) => columns.find((c) => sameId(c.id, id));
  if (columns.length === 0) return <p className="panel-empty-note">Nothing here yet.</p>;
  return (
    <div className="panel-board-wrap">
      <ActionError error={error} />
      <div className="panel-board" aria-busy={pending || undefined}>
        {columns.map((col) => {
          const allowed = dragging ? dragging.card.moves.some((m) => sameId(m, col.id)) : false;
          const cls = ['board-column', dragging && sameId(over, col.id) ? (allowed ? 'drop-ok' : 'drop-refused') : '', dragging && allowed ? 'drop-target' : '']
            .filter(Boolean)
            .join(' ');
          return (
            <section
              key={col.id}
              className={cls}
              data-column={String(col.id)}
              aria-label={`${col.title} (${col.cards.length})`}
              onDragOver={(e) => {
                if (!dragging) return;
                // Every column takes the drop (a dropEffect of "none" would swallow it), so a
                // refused one can say why; while hovering, the column shows red instead.
                e.preventDefault();
                e.dataTransfer.dropEffect = 'move';
                if (!sameId(over, col.id)) setOver(col.id);
              }}
              onDragLeave={() => sameId(over, col.id) && setOver(null)}
              onDrop={(e) => onDrop(e, col)}
            >
              <h3 className="board-column-title">
                {col.title} <span className="board-count">{col.cards.length}</span>
              </h3>
              <ul className="board-cards">
                {col.cards.length === 0 && <li className="board-empty">No cards</li>}
                {col.cards.map((card) => (
                  <li
                    key={card.id}
                    className={`board-card${sameId(moving, card.id) ? ' moving' : ''}`}
                    data-card={String(card.id)}
                    draggable={card.moves.length > 0 && !pending}
                    onDragStart={(e) => {
                      e.dataTransfer.effectAllowed = 'move';
                      e.dataTransfer.setData('text/plain', String(card.id));
                      setError(null);
                      setDragging({ card, from: col });
                    }}
                    onDragEnd={() => {
                      setDragging(null);
                      setOver(null);
                    }}
                  >
                    <div className="board-card-title">{card.title}</div>
                    {card.subtitle && <div className="board-card-sub">{card.subtitle}</div>}
                    {card.fields.length > 0 && (
                      <dl className="board-card-fields">
                        {card.fields.map((f, i) => (
                          <div key={i}>
                            <dt>{f.label}</dt>
                            <dd>{amount(f.value, f.currency)}</dd>
                          </div>
                        ))}
                      </dl>
                    )}
                    {card.moves.length > 0 && (
                      <div className="board-moves" role="group" aria-label={`Move ${card.title}`}>
                        {card.moves.map((m) => {
                          const to = byId(m);
                          if (!to) return null;
                          return (
                            <button
                              key={String(m)}
                              type="button"
                              className="board-move"
                              disabled={pending}
                              aria-label={`Move ${card.title} to ${to.title}`}
                              onClick={() => void move(card, col, to)}
                            >
                              → {to.title}
                            </button>
                          );
                        })}
                      </div>
                    )}
                  </li>
                ))}
              </ul>
            </section>
          );
        })}
      </div>
    </div>
  );
}
