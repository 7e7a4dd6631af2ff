import type { AdminAssets } from './assets.js';
import { escapeHtml, html, raw, toHtmlString, type HtmlValue, type SafeHtml } from './html.js';

/** What every page needs to link and to post: the UI's base path and the session's CSRF token. */
export interface PageContext {
  readonly base: string;
  readonly assets: AdminAssets;
  /** Undefined on the login page. */
  readonly csrfToken?: string;
}

export const NAV = [
  ['dashboard', '/', 'Dashboard'],
  ['projects', '/projects', 'Projects'],
  ['tokens', '/tokens', 'Tokens'],
  ['usage', '/usage', 'Usage'],
  ['cache', '/cache', 'Cache'],
  ['audit', '/audit', 'Audit'],
  ['live', '/live', 'Live'],
] as const;

export type Section = (typeof NAV)[number][0];

/** The hidden CSRF field every form of a session carries. */
export function csrfField(context: PageContext): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${context.csrfToken ?? ''}">`;
}

/** A POST form to a UI path, CSRF token included; `confirm` asks first (admin.js). */
export function postForm(context: PageContext, action: string, content: HtmlValue, options: { confirm?: string; className?: string } = {}): SafeHtml {
  return html`<form method="post" action="${context.base}${action}" class="${options.className ?? 'inline'}"${options.confirm === undefined ? '' : html` data-confirm="${options.confirm}"`}>${csrfField(context)}${content}</form>`;
}

export interface PageOptions {
  readonly title: string;
  readonly section?: Section;
  readonly body: HtmlValue;
  /** A notice after a change, or an error. */
  readonly notice?: { readonly kind: 'ok' | 'error'; readonly text: string } | undefined;
}

export function renderPage(context: PageContext, options: PageOptions): string {
  const { base, assets } = context;
  const nav =
    options.section === undefined
      ? ''
      : html`<nav class="main" aria-label="Main"><ul>${NAV.map(
          ([section, path, label]) => html`<li><a href="${base}${path}"${section === options.section ? raw(' aria-current="page"') : ''}>${label}</a></li>`,
        )}</ul></nav>
        ${postForm(context, '/logout', html`<button type="submit" class="secondary">Log out</button>`)}`;
  const notice =
    options.notice === undefined ? '' : html`<div class="alert ${options.notice.kind}" role="${options.notice.kind === 'error' ? 'alert' : 'status'}">${options.notice.text}</div>`;
  return (
    '<!doctype html>' +
    toHtmlString(html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${options.title} · llm-proxy admin</title>
<link rel="stylesheet" href="${base}/assets/${assets.css.fileName}">
<script src="${base}/assets/${assets.js.fileName}" defer></script>
</head><body>
<a class="skip" href="#content">Skip to content</a>
<header class="top"><a class="brand" href="${base}/">llm-proxy admin</a>${nav}</header>
<main id="content">${notice}${options.body}</main>
</body></html>`)
  );
}

/** A time as a `<time>` that admin.js turns into "in 3 hours"; the UTC text stays readable without it. */
export function timeElement(iso: string | null, empty = '—'): SafeHtml {
  if (iso === null) return html`<span class="muted">${empty}</span>`;
  return html`<time datetime="${iso}" data-relative title="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}

export function badge(status: string, label = status.replace('_', ' ')): SafeHtml {
  return html`<span class="badge ${status}">${label}</span>`;
}

/** Previous / next links keeping the other query parameters. */
export function pager(path: string, query: Record<string, string | undefined>, page: number, pages: number): SafeHtml {
  if (pages <= 1) return html``;
  const link = (to: number) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
    params.set('page', String(to));
    return `${path}?${params.toString()}`;
  };
  return html`<nav class="pager" aria-label="Pages">
    ${page > 1 ? html`<a rel="prev" href="${link(page - 1)}">← Previous</a>` : ''}
    <span>Page ${page} of ${pages}</span>
    ${page < pages ? html`<a rel="next" href="${link(page + 1)}">Next →</a>` : ''}</nav>`;
}

/**
 * The <option>s of a project select, built as one string: a select of 1,000 projects made through
 * a template per option was a third of the tokens page's render time.
 */
export function projectOptions(projects: readonly { readonly id: string; readonly name: string }[], selected?: string): SafeHtml {
  let out = '';
  for (const project of projects) {
    out += `<option value="${escapeHtml(project.id)}"${project.id === selected ? ' selected' : ''}>${escapeHtml(project.name)}</option>`;
  }
  return raw(out);
}
