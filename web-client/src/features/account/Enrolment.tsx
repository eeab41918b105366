//! The QR code and secret of a TOTP enrolment, and the recovery codes shown
//! once after it. The QR code is the server's SVG shown as an image (a data
//! URL), never inserted as markup.
import { useState } from 'react';
import type { Enrolment } from './api';
import { groupSecret, recoveryCodesText } from './validation';

/** `data:image/svg+xml;base64,…` of an SVG document (UTF-8 safe). */
export function svgDataUrl(svg: string): string {
  const bytes = new TextEncoder().encode(svg);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return 'data:image/svg+xml;base64,' + btoa(bin);
}

export function EnrolmentView({ enrolment }: { enrolment: Enrolment }) {
  return (
    <div className="acct-enrol">
      <img className="acct-qr" src={svgDataUrl(enrolment.qr_svg)} alt="QR code for your authenticator app" width={180} height={180} />
      <div>
        <p>Scan the code with an authenticator app, or enter this key by hand:</p>
        <code className="acct-secret" data-testid="totp-secret" data-secret={enrolment.secret}>
          {groupSecret(enrolment.secret)}
        </code>
      </div>
    </div>
  );
}

/** The ten recovery codes with copy and download; `onDone` after "I saved them". */
export function RecoveryCodesView({ codes, account, onDone }: { codes: string[]; account: string; onDone: () => void }) {
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState(false);
  const text = recoveryCodesText(codes, account);
  const download = () => {
    const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'arena-recovery-codes.txt';
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <div className="acct-recovery" role="region" aria-label="Recovery codes">
      <p>
        <strong>Save these recovery codes.</strong> Each one signs you in once if you lose your authenticator. They are shown only now.
      </p>
      <ol className="acct-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <div className="acct-row">
        <button
          type="button"
          className="btn-secondary"
          onClick={() => void navigator.clipboard?.writeText(text).then(() => setCopied(true), () => setCopied(false))}
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="btn-secondary" onClick={download}>
          Download .txt
        </button>
      </div>
      <label className="acct-check">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} /> I saved my recovery codes
      </label>
      <button type="button" className="btn-accent" disabled={!saved} onClick={onDone}>
        Done
      </button>
    </div>
  );
}
