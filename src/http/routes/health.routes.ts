import { Type } from '@fastify/type-provider-typebox'
import type { App, RouteDeps } from '../types.js'

export function healthRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness and database reachability',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => {
      await deps.ping()
      return { status: 'ok' as const }
    },
  )
}
