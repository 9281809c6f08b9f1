import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import { Problem } from '../api-schemas.js'
import { policySchemas } from '../policy-schemas.js'

/** Collects every route's schema into OpenAPI 3 (`/api/v1/openapi.json`), with a page at /api/docs. */
export async function installOpenApi(app: FastifyInstance): Promise<void> {
  app.addSchema(Problem)
  for (const schema of policySchemas) app.addSchema(schema)
  await app.register(swagger, {
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
        description: 'Access control for contact centers. Conventions: docs/api.md.',
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
