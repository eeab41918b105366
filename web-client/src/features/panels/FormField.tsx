//! One input of a `form` block, labelled, with its error linked by
//! aria-describedby. A `file` input uploads as soon as a file is chosen and
//! shows progress, the stored file, or the server's refusal (413 / 415).
import { useRef, useState } from 'react';
import { minorDigits } from '../../lib/money';
import type { FieldSpec, FieldValue } from './form';
import type { FileUpload, UploadedFile } from './types';
import { fileSize, uploadErrorText } from './upload';

interface Props {
  field: FieldSpec;
  id: string;
  value: FieldValue;
  error?: string;
  disabled: boolean;
  onChange: (v: FieldValue) => void;
  upload: FileUpload;
  /** Tells the form an upload started (true) or ended (false), so it waits before sending. */
  onUploading: (busy: boolean) => void;
}

function FileInput({ field, id, value, disabled, onChange, upload, onUploading, describedBy }: Omit<Props, 'error'> & { describedBy?: string }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [failed, setFailed] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const stored = value && typeof value === 'object' ? (value as UploadedFile) : null;
  const choose = async (file: File | undefined) => {
    setFailed(null);
    onChange(null);
    if (!file) return;
    setBusy(file.name);
    onUploading(true);
    try {
      onChange(await upload(file));
    } catch (err) {
      setFailed(uploadErrorText(err));
      if (input.current) input.current.value = '';
    } finally {
      setBusy(null);
      onUploading(false);
    }
  };
  return (
    <div className="form-file">
      <input ref={input} id={id} name={field.name} type="file" disabled={disabled || busy !== null} aria-describedby={describedBy} onChange={(e) => void choose(e.target.files?.[0])} />
      {busy !== null && (
        <div className="form-file-progress" role="status">
          <progress aria-label={`Uploading ${busy}`} /> Uploading {busy}…
        </div>
      )}
      {stored && busy === null && (
        <div className="form-file-done" role="status">
          ✓ {stored.name}
          {stored.size !== undefined && ` · ${fileSize(stored.size)}`}
        </div>
      )}
      {failed && (
        <div className="form-field-error" role="alert">
          {failed}
        </div>
      )}
    </div>
  );
}

export function FormField(props: Props) {
  const { field, id, value, error, disabled, onChange } = props;
  const errorId = error ? `${id}-error` : undefined;
  const text = typeof value === 'string' ? value : '';
  const common = {
    id,
    name: field.name,
    disabled,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': errorId,
    'aria-required': field.required || undefined,
  };
  let control;
  switch (field.input) {
    case 'textarea':
      control = <textarea {...common} rows={3} value={text} onChange={(e) => onChange(e.target.value)} />;
      break;
    case 'number':
      control = <input {...common} type="text" inputMode="decimal" value={text} onChange={(e) => onChange(e.target.value)} />;
      break;
    case 'money': {
      const digits = minorDigits(field.currency);
      control = (
        <span className="form-money">
          <input {...common} type="text" inputMode="decimal" placeholder={digits ? `0.${'0'.repeat(digits)}` : '0'} value={text} onChange={(e) => onChange(e.target.value)} />
          {field.currency && <span className="form-currency">{field.currency}</span>}
        </span>
      );
      break;
    }
    case 'date':
      control = <input {...common} type="date" value={text} onChange={(e) => onChange(e.target.value)} />;
      break;
    case 'select':
      control = (
        <select {...common} value={text} onChange={(e) => onChange(e.target.value)}>
          <option value="">{field.required ? 'Choose…' : '—'}</option>
          {field.options.map((o, i) => (
            <option key={i} value={String(i)}>
              {o.label}
            </option>
          ))}
        </select>
      );
      break;
    case 'checkbox':
      return (
        <div className="form-field form-check">
          <input {...common} type="checkbox" checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <label htmlFor={id}>
            {field.label}
            {field.required && <span className="form-required" aria-hidden="true"> *</span>}
          </label>
          {error && (
            <div id={errorId} className="form-field-error">
              {error}
            </div>
          )}
        </div>
      );
    case 'file':
      control = <FileInput {...props} describedBy={errorId} />;
      break;
    default:
      control = <input {...common} type="text" value={text} onChange={(e) => onChange(e.target.value)} />;
  }
  const count = (field.input === 'text' || field.input === 'textarea') && field.maxLength ? [...text].length : null;
  return (
    <div className={`form-field form-field-${field.input}`}>
      <label htmlFor={id}>
        {field.label}
        {field.required && <span className="form-required" aria-hidden="true"> *</span>}
      </label>
      {control}
      {count !== null && (
        <span className={`form-count${count > field.maxLength! ? ' over' : ''}`}>
          {count}/{field.maxLength}
        </span>
      )}
      {error && (
        <div id={errorId} className="form-field-error">
          {error}
        </div>
      )}
    </div>
  );
}
