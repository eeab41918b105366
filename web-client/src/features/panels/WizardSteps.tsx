//! The step indicator of a wizard form: "Step n of m: title" (focused when
//! the step changes, so screen readers announce it) over the list of steps,
//! done ones ticked, the current one marked `aria-current="step"`.
import { forwardRef } from 'react';
import type { StepSpec } from './form';

export const WizardSteps = forwardRef<HTMLParagraphElement, { steps: StepSpec[]; current: number }>(function WizardSteps({ steps, current }, ref) {
  return (
    <div className="wizard-steps">
      <p ref={ref} className="wizard-count" tabIndex={-1}>
        Step {current + 1} of {steps.length}: {steps[current]?.title}
      </p>
      <ol className="wizard-list" aria-hidden="true">
        {steps.map((st, i) => (
          <li key={i} className={i === current ? 'current' : i < current ? 'done' : undefined} aria-current={i === current ? 'step' : undefined}>
            <span className="wizard-dot">{i < current ? '✓' : i + 1}</span>
            <span className="wizard-title">{st.title}</span>
          </li>
        ))}
      </ol>
    </div>
  );
});
