//! `form`: fields validated in the browser (required, max_length, number,
//! money, date), then `panel.action {action, params: {...params, <name>:
//! value}}`. While sending, the fields are disabled; after success the form
//! is reset to its pre-filled values; a refusal is shown under the form.
//! With `steps` it is a wizard: one step at a time, Next checks that step's
//! fields, Back keeps what was typed, and the last step sends every field
//! once (fields no step lists are shown on the last step).
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ActionError } from './ActionButton';
import { FormField } from './FormField';
import { initialValues, readForm, stepFields, toParams, validate, type FieldValue, type Values } from './form';
import { WizardSteps } from './WizardSteps';
import { useAction } from './useAction';
import type { BlockContext } from './types';

export function FormBlock({ block, ctx }: { block: Record<string, unknown>; ctx: BlockContext }) {
  const form = readForm(block);
  const [values, setValues] = useState<Values>(() => initialValues(form));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [uploads, setUploads] = useState(0);
  const [sent, setSent] = useState(false);
  // Bumped on reset so file inputs (uncontrolled) forget their choice.
  const [generation, setGeneration] = useState(0);
  const { pending, error, run } = useAction(ctx.act);
  const base = useId();
  const root = useRef<HTMLFormElement>(null);
  const fieldId = (name: string) => `${base}-${generation}-${name}`;
  const pages = stepFields(form);
  const [step, setStep] = useState(0);
  const last = pages ? pages.length - 1 : 0;
  const shown = pages ? pages[Math.min(step, last)] : form.fields;
  // After a step change: the field to focus (an invalid one), else the step heading.
  const focusNext = useRef<string | null>(null);
  const stepHeading = useRef<HTMLParagraphElement>(null);
  const moved = useRef(false);
  useEffect(() => {
    if (!moved.current) return;
    moved.current = false;
    const name = focusNext.current;
    focusNext.current = null;
    const target = name ? root.current?.querySelector<HTMLElement>(`[id="${fieldId(name)}"]`) : stepHeading.current;
    target?.focus();
    // fieldId depends on generation only, which a step change does not touch.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [step]);
  const goTo = (n: number, focus: string | null = null) => {
    moved.current = true;
    focusNext.current = focus;
    setStep(n);
  };

  const change = (name: string, v: FieldValue) => {
    setSent(false);
    setValues((cur) => ({ ...cur, [name]: v }));
    setErrors((cur) => {
      if (!cur[name]) return cur;
      const { [name]: _gone, ...rest } = cur;
      return rest;
    });
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (pending || uploads > 0) return;
    if (pages && step < last) {
      // Next: only this step's fields are checked.
      const found = validate({ ...form, fields: shown }, values);
      setErrors(found);
      const first = shown.find((f) => found[f.name]);
      if (first) root.current?.querySelector<HTMLElement>(`[id="${fieldId(first.name)}"]`)?.focus();
      else goTo(step + 1);
      return;
    }
    const found = validate(form, values);
    setErrors(found);
    const first = form.fields.find((f) => found[f.name]);
    if (first) {
      const at = pages ? pages.findIndex((p) => p.includes(first)) : -1;
      if (pages && at !== step) goTo(at, first.name);
      else root.current?.querySelector<HTMLElement>(`[id="${fieldId(first.name)}"]`)?.focus();
      return;
    }
    if (!form.action) return;
    if (await run(form.action, toParams(form, values))) {
      setValues(initialValues(form));
      setErrors({});
      setGeneration((g) => g + 1);
      setSent(true);
      if (pages) setStep(0);
    }
  };

  const titleId = `${base}-title`;
  return (
    <form ref={root} className="panel-form" noValidate aria-labelledby={form.title ? titleId : undefined} aria-label={form.title ? undefined : form.submit} data-form={form.id} onSubmit={(e) => void submit(e)}>
      {form.title && (
        <h3 id={titleId} className="panel-form-title">
          {form.title}
        </h3>
      )}
      {pages && <WizardSteps ref={stepHeading} steps={form.steps} current={step} />}
      {shown.map((f) => (
        <FormField
          key={`${generation}-${f.name}`}
          field={f}
          id={fieldId(f.name)}
          value={values[f.name] ?? null}
          error={errors[f.name]}
          disabled={pending}
          onChange={(v) => change(f.name, v)}
          upload={ctx.upload}
          onUploading={(busy) => setUploads((n) => Math.max(0, n + (busy ? 1 : -1)))}
        />
      ))}
      <div className="panel-form-footer">
        {pages && step > 0 && (
          <button type="button" className="btn-secondary" disabled={pending} onClick={() => goTo(step - 1)}>
            Back
          </button>
        )}
        <button type="submit" className="btn-accent" disabled={pending || uploads > 0} aria-busy={pending || undefined}>
          {pending && <span className="spinner" aria-hidden="true" />}
          {pages && step < last ? 'Next' : form.submit}
        </button>
        {sent && (
          <span className="panel-form-sent" role="status">
            Sent.
          </span>
        )}
      </div>
      <ActionError error={error} />
    </form>
  );
}
