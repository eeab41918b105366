//! A `form` block's fields, read from the wire, validated in the browser and
//! turned into `panel.action` params. Pure (no React), so it is tested directly.
//! Values are kept as typed (strings) until sending: `number` becomes a number,
//! `money` integer minor units of its `currency` (exact, no float), `checkbox`
//! a boolean, `select` the chosen option's own value, `file` the uploaded id.
//! An empty optional field is left out of the params. A form with `steps` is
//! a wizard: one step's fields at a time; fields no step lists are shown on
//! the last step (so a required one can still be filled in).
import { minorToMajorText, parseMajorToMinor } from '../../lib/money';
import { asArray, asObject, asString, type UploadedFile } from './types';

export const INPUTS = ['text', 'textarea', 'number', 'money', 'date', 'select', 'checkbox', 'file'] as const;
export type InputKind = (typeof INPUTS)[number];

export interface FieldSpec {
  name: string;
  label: string;
  input: InputKind;
  required: boolean;
  options: { value: unknown; label: string }[];
  value: unknown;
  maxLength?: number;
  currency?: string;
}

export interface FormSpec {
  id: string;
  title: string;
  action: string;
  submit: string;
  params: Record<string, unknown>;
  fields: FieldSpec[];
  /** Wizard steps (empty: a plain form), each naming fields of `fields`. */
  steps: StepSpec[];
}

export interface StepSpec {
  title: string;
  fields: string[];
}

/** A field's value while editing: text for most inputs, a flag for a checkbox, the upload for a file. */
export type FieldValue = string | boolean | UploadedFile | null;
export type Values = Record<string, FieldValue>;

export function readForm(block: Record<string, unknown>): FormSpec {
  const fields = asArray<unknown>(block.fields)
    .map(asObject)
    .filter((f) => asString(f.name))
    .map((f): FieldSpec => {
      const input = (INPUTS as readonly string[]).includes(asString(f.input)) ? (f.input as InputKind) : 'text';
      const max = Number(f.max_length);
      return {
        name: asString(f.name),
        label: asString(f.label) || asString(f.name),
        input,
        required: f.required === true,
        options: asArray<unknown>(f.options).map(asObject).map((o) => ({ value: o.value, label: asString(o.label) || asString(o.value) })),
        value: f.value,
        maxLength: Number.isInteger(max) && max > 0 ? max : undefined,
        currency: asString(f.currency) || undefined,
      };
    });
  return {
    id: asString(block.id),
    title: asString(block.title),
    action: asString(block.action),
    submit: asString(block.submit) || 'Submit',
    params: asObject(block.params),
    fields,
    steps: asArray<unknown>(block.steps)
      .map(asObject)
      .map((st, i) => ({ title: asString(st.title) || `Step ${i + 1}`, fields: asArray<unknown>(st.fields).map(asString).filter(Boolean) })),
  };
}

/**
 * The fields of each wizard step, in the step's order; a field listed twice
 * stays in its first step, fields no step lists go to the last step. Null
 * for a form without steps.
 */
export function stepFields(form: FormSpec): FieldSpec[][] | null {
  if (form.steps.length === 0) return null;
  const byName = new Map(form.fields.map((f) => [f.name, f]));
  const placed = new Set<string>();
  const pages = form.steps.map((st) =>
    st.fields.flatMap((name) => {
      const f = byName.get(name);
      if (!f || placed.has(name)) return [];
      placed.add(name);
      return [f];
    }),
  );
  pages[pages.length - 1].push(...form.fields.filter((f) => !placed.has(f.name)));
  return pages;
}

/** The pre-filled values (`value`); a money `value` is minor units, shown as a decimal amount. */
export function initialValues(form: FormSpec): Values {
  const out: Values = {};
  for (const f of form.fields) {
    const v = f.value;
    switch (f.input) {
      case 'checkbox':
        out[f.name] = v === true;
        break;
      case 'money':
        out[f.name] = minorToMajorText(v, f.currency);
        break;
      case 'file':
        out[f.name] = v !== null && v !== undefined && v !== '' ? { id: v as string, name: String(v) } : null;
        break;
      case 'select': {
        const i = f.options.findIndex((o) => o.value !== undefined && String(o.value) === String(v ?? ''));
        out[f.name] = i >= 0 ? String(i) : '';
        break;
      }
      default:
        out[f.name] = v === null || v === undefined ? '' : String(v);
    }
  }
  return out;
}

const isEmpty = (v: FieldValue) => v === null || v === false || (typeof v === 'string' && v.trim() === '');
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function validDate(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

/** Minor units of a money field, as a JSON-safe number; null when not a valid amount. */
export function moneyMinor(text: string, currency: string | undefined): number | null {
  const minor = parseMajorToMinor(text, currency);
  if (minor === null) return null;
  const n = Number(minor);
  return Number.isSafeInteger(n) ? n : null;
}

/** One message per invalid field (empty when the form may be sent). */
export function validate(form: FormSpec, values: Values): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const f of form.fields) {
    const v = values[f.name] ?? null;
    if (isEmpty(v)) {
      if (f.required) errors[f.name] = f.input === 'checkbox' ? `Tick “${f.label}” to continue.` : f.input === 'file' ? `Choose a file for “${f.label}”.` : `${f.label} is required.`;
      continue;
    }
    const text = typeof v === 'string' ? v : '';
    if ((f.input === 'text' || f.input === 'textarea') && f.maxLength && [...text].length > f.maxLength) {
      errors[f.name] = `${f.label}: at most ${f.maxLength} characters (now ${[...text].length}).`;
    } else if (f.input === 'number' && !Number.isFinite(Number(text.trim()))) {
      errors[f.name] = `${f.label}: enter a number.`;
    } else if (f.input === 'money' && moneyMinor(text, f.currency) === null) {
      errors[f.name] = `${f.label}: enter an amount like 1234.56${f.currency ? ` (${f.currency})` : ''}.`;
    } else if (f.input === 'date' && !validDate(text.trim())) {
      errors[f.name] = `${f.label}: enter a date as YYYY-MM-DD.`;
    } else if (f.input === 'select' && !f.options[Number(text)]) {
      errors[f.name] = `${f.label}: choose one of the options.`;
    }
  }
  return errors;
}

/** `{...form.params, <name>: value}` for a valid form; empty optional fields are left out. */
export function toParams(form: FormSpec, values: Values): Record<string, unknown> {
  const params: Record<string, unknown> = { ...form.params };
  for (const f of form.fields) {
    const v = values[f.name] ?? null;
    if (f.input === 'checkbox') {
      params[f.name] = v === true;
      continue;
    }
    if (isEmpty(v)) continue;
    const text = typeof v === 'string' ? v : '';
    switch (f.input) {
      case 'number':
        params[f.name] = Number(text.trim());
        break;
      case 'money':
        params[f.name] = moneyMinor(text, f.currency);
        break;
      case 'select':
        params[f.name] = f.options[Number(text)]?.value;
        break;
      case 'file':
        params[f.name] = String((v as UploadedFile).id);
        break;
      case 'text':
      case 'date':
        params[f.name] = text.trim();
        break;
      default:
        params[f.name] = text;
    }
  }
  return params;
}
