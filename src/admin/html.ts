/**
 * HTML built from tagged templates that escape every interpolated value: markup can only come
 * from another `html` template or from `raw()`, so a value from a user (a project name, an audit
 * reason) always lands as text.
 */

const RAW = Symbol('raw html');

export interface SafeHtml {
  readonly [RAW]: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => ESCAPES[char] as string);
}

/** Markup taken as it is: only for strings the code itself wrote (never for data). */
export function raw(markup: string): SafeHtml {
  return { [RAW]: markup };
}

function isSafe(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && RAW in value;
}

/** Interpolated values: strings and numbers escaped, arrays joined, null/undefined/false left out. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return '';
  if (isSafe(value)) return value[RAW];
  if (Array.isArray(value)) return (value as readonly HtmlValue[]).map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i += 1) out += render(values[i] as HtmlValue) + (strings[i + 1] ?? '');
  return raw(out);
}

export function toHtmlString(value: SafeHtml): string {
  return value[RAW];
}
