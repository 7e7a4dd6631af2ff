import { html } from '../html.js';
import { renderPage, type PageContext } from '../layout.js';

export function renderLogin(context: PageContext, error?: string): string {
  const body = html`<div class="login panel"><h1>Sign in</h1>
<form method="post" action="${context.base}/login">
<div class="field"><label for="management-token">Management token</label>
<input id="management-token" name="management_token" type="password" required autocomplete="current-password" autofocus${error === undefined ? '' : html` aria-invalid="true" aria-describedby="login-error"`}>
${error === undefined ? '' : html`<span class="error" id="login-error" role="alert">${error}</span>`}
<span class="hint">The server's MANAGEMENT_TOKEN. It stays on the server: the browser gets a session cookie.</span></div>
<button type="submit">Sign in</button></form></div>`;
  return renderPage(context, { title: 'Sign in', body });
}
