import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  createProject,
  deleteProject,
  getProject,
  listProjectMembers,
  listProjects,
  setProjectMember,
  type Project,
} from '../../domain/projects/index.js'
import {
  Id,
  PageJson,
  NameSearch,
  PageQuery,
  problems,
  Timestamp,
  UserViewJson,
  userViewJson,
} from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const ProjectJson = Type.Object({
  id: Type.String(),
  companyId: Type.String(),
  name: Type.String(),
  description: Type.String(),
  createdAt: Timestamp,
})

function projectJson(project: Project): Static<typeof ProjectJson> {
  return { ...project, createdAt: project.createdAt.toISOString() }
}

const NewProjectBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
)

const PageOnly = Type.Object(PageQuery, { additionalProperties: false })
const ProjectQuery = Type.Object({ ...PageQuery, ...NameSearch }, { additionalProperties: false })
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })
const MemberParams = Type.Object({ id: Id, userId: Id }, { additionalProperties: false })
const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['projects']

// P10: a project's records are invisible to non-members. A project I may not view is 404; a
// `userId` that is not a user I may view (another company's included) is 404 with errors[].path
// `params/userId`. Membership is read per request: a change is in force on the next one.

export function projectsRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/projects',
    {
      schema: {
        summary: 'The projects I may view, one page by id',
        tags,
        security,
        querystring: ProjectQuery,
        response: { 200: PageJson(ProjectJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, q } = req.query
      const page = await listProjects(deps.ctx(req), { limit, cursor }, { q })
      return { items: page.items.map(projectJson), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/projects',
    {
      schema: {
        summary: 'Create a project (names are unique per company: 409)',
        tags,
        security,
        body: NewProjectBody,
        response: { 201: ProjectJson, ...problems(400, 401, 403, 409) },
      },
    },
    async (req, reply) => {
      const project = await createProject(deps.ctx(req), req.body)
      return reply.code(201).send(projectJson(project))
    },
  )

  app.get(
    '/projects/:id',
    {
      schema: {
        summary: 'One project',
        tags,
        security,
        params: IdParams,
        response: { 200: ProjectJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => projectJson(await getProject(deps.ctx(req), req.params.id)),
  )

  app.delete(
    '/projects/:id',
    {
      schema: {
        summary: 'Delete a project and its memberships',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404, 409),
      },
    },
    async (req, reply) => {
      await deleteProject(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )

  app.get(
    '/projects/:id/members',
    {
      schema: {
        summary: 'The members of a project that I may view, as I may see them',
        tags,
        security,
        params: IdParams,
        querystring: PageOnly,
        response: { 200: PageJson(UserViewJson), ...problems(400, 401, 404) },
      },
    },
    async (req) => {
      const { limit = 50, cursor } = req.query
      const page = await listProjectMembers(deps.ctx(req), req.params.id, { limit, cursor })
      return { items: page.items.map(userViewJson), nextCursor: page.nextCursor }
    },
  )

  app.put(
    '/projects/:id/members/:userId',
    {
      schema: {
        summary: 'Make a user a member (no-op when already one); needs project.manageMembers',
        tags,
        security,
        params: MemberParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await setProjectMember(deps.ctx(req), req.params.id, req.params.userId, true)
      return reply.code(204).send()
    },
  )

  app.delete(
    '/projects/:id/members/:userId',
    {
      schema: {
        summary: 'Remove a member (404 when not one); needs project.manageMembers',
        tags,
        security,
        params: MemberParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await setProjectMember(deps.ctx(req), req.params.id, req.params.userId, false)
      return reply.code(204).send()
    },
  )
}
