import { Type } from '@fastify/type-provider-typebox'
import {
  currentPreview,
  endPreview,
  PREVIEW_DEFAULT_MINUTES,
  PREVIEW_MAX_MINUTES,
  startPreview,
} from '../../domain/previews/index.js'
import { Id, PreviewJson, problems } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['authorization']

/** G4: test a role, simulate a person (docs/preview.md). Sessions only: an API key cannot. */
export function previewsRoutes(app: App, deps: RouteDeps): void {
  app.post(
    '/previews',
    {
      config: { session: true },
      schema: {
        summary: "Preview one role's or one person's access on my session (read-only)",
        description:
          'Exactly one of `roleId` (placed in my org unit, or `orgUnitId`, with my projects) ' +
          'and `userId` (that person: their roles, groups, grants, unit and projects). Until it ' +
          'ends (DELETE /previews/current, logout, or `minutes`), every answer of this session ' +
          "is the preview's decision AND my own, every response carries `Tessera-Preview: " +
          'role=<id>` or `user=<id>`, and every write answers 403 `preview_read_only`. A role ' +
          'needs `role.preview`, a person `user.impersonate` on them; a role or person of ' +
          'another company, or one I may not view, is 404. See docs/preview.md.',
        tags,
        security,
        body: Type.Object(
          {
            roleId: Type.Optional(Id),
            userId: Type.Optional(Id),
            orgUnitId: Type.Optional(Id),
            minutes: Type.Optional(
              Type.Integer({
                minimum: 1,
                maximum: PREVIEW_MAX_MINUTES,
                description: `how long the preview lasts at most (default ${PREVIEW_DEFAULT_MINUTES})`,
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 201: PreviewJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) => reply.code(201).send(await startPreview(deps.ctx(req), req.body)),
  )

  app.get(
    '/previews/current',
    {
      config: { session: true },
      schema: {
        summary: 'The preview my session has open (404 when none)',
        tags,
        security,
        response: { 200: PreviewJson, ...problems(401, 403, 404) },
      },
    },
    async (req) => await currentPreview(deps.ctx(req)),
  )

  app.delete(
    '/previews/current',
    {
      config: { session: true, inPreview: true },
      schema: {
        summary: 'End the preview my session has open (404 when none)',
        tags,
        security,
        response: problems(401, 403, 404),
      },
    },
    async (req, reply) => {
      await endPreview(deps.ctx(req))
      return reply.code(204).send()
    },
  )
}
