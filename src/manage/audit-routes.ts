import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { auditEventJson, type AuditLog } from '../audit/index.js';
import { ProxyError } from '../errors.js';
import { findAuditEvent, listAuditEvents, type Database } from '../store/index.js';
import { auditEventResponse, auditIdParams, auditListResponse, auditQuery } from './audit-schemas.js';
import { errorResponse } from './schemas.js';

const errors = { 400: errorResponse, 401: errorResponse, 404: errorResponse, 409: errorResponse };
const security = [{ bearerAuth: [] }];

/**
 * `/manage/audit`: the audit records kept in the database, newest first. Registered inside
 * manageRoutes, behind its management-token check. Records still in memory are written first, so
 * a change made just before shows up.
 */
export function auditRoutes(parent: FastifyInstance, database: Database, audit: AuditLog): void {
  const routes = parent.withTypeProvider<ZodTypeProvider>();

  async function readable(): Promise<void> {
    if (!audit.storesInDatabase) throw new ProxyError('audit_disabled');
    await audit.flush();
  }

  routes.get(
    '/manage/audit',
    {
      config: { audit: 'audit.list' },
      schema: {
        tags: ['audit'],
        summary: 'List audit records (newest first), filtered and paged',
        description: 'Every filter given must match. Reads are recorded only with AUDIT_READS=true.',
        security,
        querystring: auditQuery,
        response: { 200: auditListResponse, ...errors },
      },
    },
    async (request) => {
      await readable();
      const { page, page_size: pageSize, start_time: from, end_time: to, ...query } = request.query;
      const { events, totalCount } = await listAuditEvents(
        database,
        {
          action: query.action,
          actor: query.actor,
          outcome: query.outcome,
          clientIp: query.client_ip,
          projectId: query.project_id,
          tokenId: query.token_id,
          requestId: query.request_id,
          correlationId: query.correlation_id,
          method: query.method,
          path: query.path,
          search: query.search,
          from,
          to,
        },
        { offset: (page - 1) * pageSize, limit: pageSize },
      );
      const totalPages = Math.ceil(totalCount / pageSize);
      return {
        events: events.map(auditEventJson),
        pagination: {
          page,
          page_size: pageSize,
          total_count: totalCount,
          total_pages: totalPages,
          has_next: page < totalPages,
          has_prev: page > 1,
        },
      };
    },
  );

  routes.get(
    '/manage/audit/:id',
    {
      config: { audit: 'audit.show' },
      schema: { tags: ['audit'], summary: 'Get one audit record', security, params: auditIdParams, response: { 200: auditEventResponse, ...errors } },
    },
    async (request) => {
      await readable();
      const event = await findAuditEvent(database, request.params.id);
      if (!event) throw new ProxyError('not_found', 'audit event not found');
      return auditEventJson(event);
    },
  );
}
