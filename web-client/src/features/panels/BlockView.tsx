//! Picks the renderer for a block by its `type`; unknown types render nothing
//! (forward compatible) and are logged once per render.
import { ActionsBlock } from './ActionsBlock';
import { ActivityBlock } from './ActivityBlock';
import { BoardBlock } from './BoardBlock';
import { ChartBlock } from './ChartBlock';
import { ChecklistBlock } from './ChecklistBlock';
import { FiguresBlock } from './FiguresBlock';
import { FormBlock } from './FormBlock';
import { LinksBlock } from './LinksBlock';
import { ListBlock } from './ListBlock';
import { PreviewBlock } from './PreviewBlock';
import { ProgressBlock } from './ProgressBlock';
import { TableBlock } from './TableBlock';
import { TabsBlock } from './TabsBlock';
import type { BlockContext } from './types';

/** A key that changes when the server sends a different form, so stale typing is not kept over new pre-fills. */
const formKey = (block: Record<string, unknown>) => `${String(block.id ?? '')}:${JSON.stringify(block.fields ?? null)}:${JSON.stringify(block.params ?? null)}:${JSON.stringify(block.steps ?? null)}`;

export function BlockView({ block, ctx }: { block: Record<string, unknown>; ctx: BlockContext }) {
  switch (block.type) {
    case 'figures':
      return <FiguresBlock items={block.items} />;
    case 'table':
      return <TableBlock block={block} ctx={ctx} />;
    case 'list':
      return <ListBlock items={block.items} />;
    case 'progress':
      return <ProgressBlock items={block.items} />;
    case 'text':
      return <p className="panel-text">{String(block.text ?? '')}</p>;
    case 'actions':
      return <ActionsBlock items={block.items} ctx={ctx} />;
    case 'form':
      return <FormBlock key={formKey(block)} block={block} ctx={ctx} />;
    case 'checklist':
      return <ChecklistBlock items={block.items} ctx={ctx} />;
    case 'board':
      return <BoardBlock block={block} ctx={ctx} />;
    case 'activity':
      return <ActivityBlock items={block.items} />;
    case 'chart':
      return <ChartBlock block={block} />;
    case 'links':
      return <LinksBlock items={block.items} />;
    case 'preview':
      return <PreviewBlock block={block} />;
    case 'tabs':
      return <TabsBlock block={block} ctx={ctx} />;
    default:
      console.warn('[arena] unknown panel block type', block.type);
      return null;
  }
}
