import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { Problem } from '../api-schemas.js'
import { documentResponses } from '../openapi-docs.js'
import { policySchemas } from '../policy-schemas.js'

/** Collects every route's schema into OpenAPI 3 (`/api/v1/openapi.json`), with a page at /api/docs. */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(Problem)
  for (const schema of policySchemas) app.addSchema(schema)
  await app.register(swagger, {
    // a name for every response, problem+json errors, Retry-After, real examples (openapi-docs.ts)
    transformObject: (document) =>
      'openapiObject' in document
        ? documentResponses(document.openapiObject as Record<string, unknown>)
        : document.swaggerObject,
    // components keep their schema's $id (Problem, Grant, Condition, …), so generated clients
    // get those names instead of def-0, def-1, …
    refResolver: {
      buildLocalReference: (json, _base, _fragment, i) =>
        typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`,
    },
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Tessera API',
        version: '1',
        description: [
          'Access control for contact centers: users, org units, projects, roles and grants, and a',
          'decision API (`POST /api/v1/authz/check`, `/explain`).',
          '',
          'Log in with `POST /api/v1/auth/login` and send `Authorization: Bearer <token>` (or an',
          'API key). Errors are `application/problem+json` with a stable `code`; 404 also means',
          '"you may not know it exists". Lists take `limit` and `cursor` and answer',
          '`{ items, nextCursor }`. Actions are `resource.action` (`GET /api/v1/permissions`',
          'lists them); conditions are JSON such as',
          '`{"ne": [{"ref": "resource.status"}, "closed"]}`.',
          '',
          "The repository's docs/api.md (conventions), docs/catalog.md (actions and fields) and",
          'docs/conditions.md (condition syntax) say more.',
        ].join('\n'),
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          cookie: { type: 'apiKey', in: 'cookie', name: 'tessera_session' },
        },
      },
    },
  })
  await app.register(swaggerUi, { routePrefix: '/api/docs' })
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger())
}
