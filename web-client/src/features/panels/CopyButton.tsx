//! A Copy button: copies `text`, then says "Copied" (or that it failed) for
//! a moment; the change is announced through a live region.
import { useEffect, useState } from 'react';
import { copyText } from './clipboard';

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const t = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(t);
  }, [state]);
  const press = async () => setState((await copyText(text)) ? 'copied' : 'failed');
  return (
    <>
      <button type="button" className={state === 'copied' ? 'btn-accent link-copy' : 'btn-secondary link-copy'} aria-label={`Copy ${label}`} onClick={() => void press()}>
        {state === 'copied' ? 'Copied' : 'Copy'}
      </button>
      <span className="sr-only" role="status">
        {state === 'copied' ? `${label} copied` : state === 'failed' ? 'Could not copy; select the link and copy it by hand.' : ''}
      </span>
    </>
  );
}
