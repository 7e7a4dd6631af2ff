import { html, type SafeHtml } from './html.js';
import { errorMessageOf, type ManageAnswer, type ManageError } from './manage-caller.js';

/** Errors of a form: by field name, or `form` for one that names no field (shown above the form). */
export type FieldErrors = Readonly<Record<string, string | undefined>>;

/**
 * The management API's error, placed next to the field it is about: a validation error names it
 * (`body.max_requests: …`), a few catalogue codes are about one field whatever their text says.
 * Anything else goes above the form.
 */
export function fieldErrorsOf(answer: ManageAnswer<unknown>, fields: readonly string[], byCode: Readonly<Record<string, string>> = {}): FieldErrors {
  const message = errorMessageOf(answer);
  const code = (answer.body as Partial<ManageError> | undefined)?.error?.code;
  const coded = code === undefined ? undefined : byCode[code];
  if (coded !== undefined) return { [coded]: message };
  const named = fields.find((name) => message.includes(`body.${name}`) || new RegExp(`^${name}\\b`).test(message));
  return { [named ?? 'form']: message };
}

/** An input's aria-describedby (its hint, its error) and aria-invalid. */
export function describedBy(id: string, error: string | undefined, hint: boolean): SafeHtml {
  const ids = [hint ? `${id}-hint` : '', error === undefined ? '' : `${id}-error`].filter(Boolean).join(' ');
  return html`${ids === '' ? '' : html` aria-describedby="${ids}"`}${error === undefined ? '' : html` aria-invalid="true"`}`;
}

/** A labelled field with its hint and its error under it. */
export function field(id: string, label: string, input: SafeHtml, error: string | undefined, hint?: string): SafeHtml {
  return html`<div class="field"><label for="${id}">${label}</label>${input}
${hint === undefined ? '' : html`<span class="hint" id="${id}-hint">${hint}</span>`}
${error === undefined ? '' : html`<span class="error" id="${id}-error">${error}</span>`}</div>`;
}

/** The error above a form that names no field. */
export function formError(errors: FieldErrors): SafeHtml {
  return errors.form === undefined ? html`` : html`<div class="alert error" role="alert">${errors.form}</div>`;
}

/**
 * A number field of a form: empty is null (no limit), digits a number, anything else the text as
 * typed, so that the API refuses it with its own message (Number() would make it NaN, sent as null).
 */
export function formLimit(value: string | undefined): number | string | null {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  return /^-?\d+$/.test(text) ? Number(text) : text;
}
