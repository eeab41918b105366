// @vitest-environment happy-dom
// Component tests for a `form` with `steps` (a wizard): the step indicator,
// Next checking only that step's fields, Back keeping what was typed, fields
// no step lists shown on the last step, a file uploaded on one step and
// money on another, and one `panel.action` with every value at the end.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PanelBody } from '../src/features/panels/PanelView';
import { readForm, stepFields } from '../src/features/panels/form';
import { byText, chooseFile, click, mount, settle, submit, type, unmountAll } from './dom';

afterEach(unmountAll);

const WIZARD = {
  type: 'form',
  id: 'plan',
  title: 'Plan wizard',
  action: 'plan.create',
  submit: 'Create plan',
  params: { source: 'wizard' },
  fields: [
    { name: 'goal', label: 'Goal', input: 'select', required: true, options: [{ value: 'leads', label: 'More leads' }, { value: 'revenue', label: 'More revenue' }] },
    { name: 'budget_minor', label: 'Budget', input: 'money', currency: 'EUR', required: true },
    { name: 'brief_file', label: 'Brief', input: 'file' },
    { name: 'start_on', label: 'Start', input: 'date', required: true },
    { name: 'notes', label: 'Notes', input: 'textarea' },
    { name: 'agree', label: 'I agree', input: 'checkbox', required: true },
  ],
  steps: [
    { title: 'Goal', fields: ['goal'] },
    { title: 'Budget', fields: ['budget_minor', 'brief_file', 'goal'] },
    { title: 'Schedule', fields: ['start_on', 'nope'] },
  ],
};

const names = (el: HTMLElement) => [...el.querySelectorAll<HTMLInputElement>('form [name]')].map((i) => i.name);

describe('wizard steps (pure)', () => {
  it('places each field once; unlisted fields go to the last step', () => {
    const pages = stepFields(readForm(WIZARD))!;
    expect(pages.map((p) => p.map((f) => f.name))).toEqual([['goal'], ['budget_minor', 'brief_file'], ['start_on', 'notes', 'agree']]);
    expect(stepFields(readForm({ ...WIZARD, steps: undefined }))).toBeNull();
  });
});

describe('wizard form', () => {
  it('goes step by step, checking only the current step, and sends every field once', async () => {
    const act = vi.fn(async () => ({}));
    const upload = vi.fn(async (f: File) => ({ id: 9, name: f.name, size: f.size }));
    const el = await mount(<PanelBody kind="k" data={{ blocks: [WIZARD] }} act={act} upload={upload} />);
    expect(el.querySelector('.wizard-count')?.textContent).toBe('Step 1 of 3: Goal');
    expect(el.querySelector('[aria-current="step"]')?.textContent).toContain('Goal');
    expect(names(el)).toEqual(['goal']);
    expect(byText(el, 'button', 'Back')).toBeUndefined();

    // Next with the required select empty: stays, says why, focuses it.
    await click(byText(el, 'button', 'Next'));
    expect(el.querySelector('.wizard-count')?.textContent).toBe('Step 1 of 3: Goal');
    expect(el.textContent).toContain('Goal is required.');
    expect(document.activeElement).toBe(el.querySelector('[name="goal"]'));
    await type(el.querySelector('[name="goal"]'), '1');
    await click(byText(el, 'button', 'Next'));
    expect(el.querySelector('.wizard-count')?.textContent).toBe('Step 2 of 3: Budget');
    expect(document.activeElement).toBe(el.querySelector('.wizard-count'));
    expect(names(el)).toEqual(['budget_minor', 'brief_file']);

    // A bad amount blocks Next; the file uploads on this step.
    await type(el.querySelector('[name="budget_minor"]'), '12.345');
    await submit(el.querySelector('form'));
    expect(el.textContent).toContain('Budget: enter an amount like 1234.56 (EUR).');
    await type(el.querySelector('[name="budget_minor"]'), '1,500.50');
    await chooseFile(el.querySelector('input[type="file"]'), new File(['brief'], 'brief.pdf', { type: 'application/pdf' }));
    await settle();
    expect(upload).toHaveBeenCalledTimes(1);
    await click(byText(el, 'button', 'Next'));
    expect(names(el)).toEqual(['start_on', 'notes', 'agree']);

    // Back keeps what was typed (and the uploaded file).
    await click(byText(el, 'button', 'Back'));
    expect(el.querySelector<HTMLInputElement>('[name="budget_minor"]')!.value).toBe('1,500.50');
    expect(el.querySelector('.form-file-done')?.textContent).toContain('brief.pdf');
    await click(byText(el, 'button', 'Next'));

    await type(el.querySelector('[name="start_on"]'), '2027-01-04');
    await click(el.querySelector('[name="agree"]'));
    expect(act).not.toHaveBeenCalled();
    await click(byText(el, 'button', 'Create plan'));
    await settle();
    expect(act).toHaveBeenCalledTimes(1);
    expect(act).toHaveBeenCalledWith('plan.create', { source: 'wizard', goal: 'revenue', budget_minor: 150050, brief_file: '9', start_on: '2027-01-04', agree: true });
    // Reset to the first step, empty.
    expect(el.querySelector('.wizard-count')?.textContent).toBe('Step 1 of 3: Goal');
    expect(el.querySelector<HTMLSelectElement>('[name="goal"]')!.value).toBe('');
  });

  it('pre-filled steps pass; the last step checks its own fields before sending', async () => {
    const act = vi.fn(async () => ({}));
    const form = { ...WIZARD, fields: WIZARD.fields.map((f) => (f.name === 'goal' ? { ...f, value: 'leads' } : f.name === 'budget_minor' ? { ...f, value: 100 } : f)) };
    const el = await mount(<PanelBody kind="k" data={{ blocks: [form] }} act={act} />);
    await click(byText(el, 'button', 'Next'));
    await click(byText(el, 'button', 'Next'));
    expect(el.querySelector('.wizard-count')?.textContent).toBe('Step 3 of 3: Schedule');
    await click(byText(el, 'button', 'Create plan'));
    expect(act).not.toHaveBeenCalled();
    expect(el.textContent).toContain('Start is required.');
    expect(document.activeElement).toBe(el.querySelector('[name="start_on"]'));
  });
});
