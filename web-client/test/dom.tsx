// Helpers for component tests in happy-dom: mount with React's act, click,
// type into controlled inputs, fire drag events (happy-dom's DragEvent drops
// `dataTransfer`, so it is set on a plain Event), wait for promises.
import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const roots: { root: Root; el: HTMLElement }[] = [];

export async function mount(node: ReactNode): Promise<HTMLElement> {
  const el = document.createElement('div');
  document.body.appendChild(el);
  const root = createRoot(el);
  roots.push({ root, el });
  await act(async () => root.render(node));
  return el;
}

export async function rerender(el: HTMLElement, node: ReactNode): Promise<void> {
  const r = roots.find((x) => x.el === el)!;
  await act(async () => r.root.render(node));
}

export async function unmountAll(): Promise<void> {
  for (const { root, el } of roots.splice(0)) {
    await act(async () => root.unmount());
    el.remove();
  }
}

export async function click(el: Element | null | undefined): Promise<void> {
  if (!el) throw new Error('nothing to click');
  await act(async () => (el as HTMLElement).click());
}

/** Sets a React-controlled input's value the way a user would (native setter + input event). */
export async function type(el: Element | null | undefined, value: string): Promise<void> {
  if (!el) throw new Error('no input');
  const proto = el instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : el instanceof HTMLSelectElement ? HTMLSelectElement.prototype : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(proto, 'value')!.set!;
  await act(async () => {
    setter.call(el, value);
    el.dispatchEvent(new Event(el instanceof HTMLSelectElement ? 'change' : 'input', { bubbles: true }));
  });
}

export async function chooseFile(input: Element | null | undefined, file: File): Promise<void> {
  if (!input) throw new Error('no file input');
  await act(async () => {
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    input.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

export async function submit(form: Element | null | undefined): Promise<void> {
  if (!form) throw new Error('no form');
  await act(async () => {
    form.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
  });
}

export async function drag(type: 'dragstart' | 'dragover' | 'drop' | 'dragend', el: Element | null | undefined, dt: DataTransfer): Promise<void> {
  if (!el) throw new Error(`nothing to ${type}`);
  await act(async () => {
    const ev = new Event(type, { bubbles: true, cancelable: true });
    Object.defineProperty(ev, 'dataTransfer', { value: dt });
    el.dispatchEvent(ev);
  });
}

/** Lets pending promise callbacks (and the state they set) run. */
export async function settle(): Promise<void> {
  await act(async () => {
    await new Promise((r) => setTimeout(r, 0));
  });
}

/** A promise with its resolve/reject outside, for holding a request pending. */
export function deferred<T = unknown>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const byText = (root: ParentNode, selector: string, text: string | RegExp): HTMLElement | undefined =>
  [...root.querySelectorAll<HTMLElement>(selector)].find((e) => (typeof text === 'string' ? e.textContent?.trim() === text : text.test(e.textContent ?? '')));
