//! Extension points the app fills in (features do not import each other):
//! actions on a message's author in its hover toolbar and on a member in the
//! member list. Each gets the member and renders its buttons, or nothing.
import { createContext, useContext, type ReactNode } from 'react';
import type { User } from '../lib/realtime/types';

export interface Slots {
  /** Extra buttons in a message's toolbar, about its author. */
  messageActions?: (author: User) => ReactNode;
  /** Buttons on a member row of the member list. */
  memberActions?: (member: User) => ReactNode;
}

export const SlotsContext = createContext<Slots>({});

export function useSlots(): Slots {
  return useContext(SlotsContext);
}
