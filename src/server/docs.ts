import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { Access } from './auth/access.js';
import { contentSecurityPolicyHeader } from './security.js';
import { SESSION_COOKIE } from './auth/sessions.js';

export const DOCS_PREFIX = '/api/docs';

/**
 * OpenAPI 3 from the routes' zod schemas (fastify-type-provider-zod's transform), served as JSON at /api/docs/json
 * and browsable with Swagger UI at /api/docs. Must be registered before the routes it describes.
 */
export async function installDocs(app: FastifyInstance, options: { secure: boolean; version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Audience Uploader API',
        version: options.version,
        description:
          'Browsers sign in with POST /api/auth/login (cookie `au_session`) and send the session\'s `x-csrf-token` header on every request that is not GET. ' +
          'Scripts send `Authorization: Bearer au_...` (create a token with POST /api/tokens) and need no CSRF token. ' +
          'Errors answer `{statusCode, code, error, message, details?}`.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'browser session (with the x-csrf-token header on changes)' },
          bearer: { type: 'http', scheme: 'bearer', description: 'API token `au_...`' },
        },
      },
      security: [{ session: [] }, { bearer: [] }],
    },
    transform: (document) => {
      let transformed: { schema: FastifySchema; url: string };
      try {
        transformed = jsonSchemaTransform(document);
      } catch {
        // A schema zod cannot express as JSON Schema (or not zod at all): the route is still listed, with its words
        // but without the schemas, rather than breaking the whole document.
        const { tags, summary, description, operationId, deprecated } = document.schema as Record<string, unknown>;
        const words = Object.entries({ tags, summary, description, operationId, deprecated }).filter(([, value]) => value !== undefined);
        transformed = { schema: Object.fromEntries(words) as FastifySchema, url: document.url };
      }
      const access = (document.route.config as { access?: Access } | undefined)?.access;
      const schema = { ...transformed.schema } as FastifySchema & { security?: unknown[]; description?: string };
      if (access === 'public') schema.security = [];
      else if (access) schema.description = [schema.description, `Requires the ${access} role (admin > operator > viewer).`].filter(Boolean).join('\n\n');
      return { schema, url: transformed.url };
    },
  });
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    // Swagger UI loads only its own files (no inline script); the site-wide policy fits it as is.
    staticCSP: contentSecurityPolicyHeader(options.secure),
    uiConfig: { validatorUrl: null, persistAuthorization: false },
  });
}
