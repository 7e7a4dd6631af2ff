import { MANAGEMENT_TOKEN } from '../support/proxy-harness.js';

/** A browser-less client of the admin UI: keeps the session cookie, reads the CSRF token from pages. */
export interface AdminClient {
  cookie: string | undefined;
  login(token?: string): Promise<Response>;
  get(path: string): Promise<Response>;
  post(path: string, form: Record<string, string>, options?: { csrf?: string | null }): Promise<Response>;
  csrfToken(): Promise<string>;
}

export function adminClient(url: string, headers: Record<string, string> = {}): AdminClient {
  const client: AdminClient = {
    cookie: undefined,
    async login(token = MANAGEMENT_TOKEN) {
      const response = await fetch(`${url}/admin/login`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: new URLSearchParams({ management_token: token }).toString(),
      });
      const set = response.headers.get('set-cookie');
      if (set !== null) client.cookie = set.split(';')[0];
      return response;
    },
    get(path) {
      return fetch(url + path, { redirect: 'manual', headers: { ...headers, ...(client.cookie && { cookie: client.cookie }) } });
    },
    async post(path, form, options = {}) {
      const csrf = options.csrf === undefined ? await client.csrfToken() : options.csrf;
      return fetch(url + path, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers, ...(client.cookie && { cookie: client.cookie }) },
        body: new URLSearchParams({ ...form, ...(csrf !== null && { _csrf: csrf }) }).toString(),
      });
    },
    async csrfToken() {
      const page = await (await client.get('/admin/projects')).text();
      const match = /name="_csrf" value="([^"]+)"/.exec(page);
      if (match === null) throw new Error('no CSRF token on the page (not logged in?)');
      return match[1] as string;
    },
  };
  return client;
}
