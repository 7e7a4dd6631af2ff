// The admin UI: server-rendered pages served by `llm-proxy server` under ADMIN_UI_PATH.
export { adminRoutes, CONTENT_SECURITY_POLICY, SESSION_COOKIE, type AdminRoutesOptions } from './routes.js';
export { createSessionStore, type AdminSession, type SessionStore } from './session-store.js';
