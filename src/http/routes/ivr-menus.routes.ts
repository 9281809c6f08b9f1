import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox'
import {
  createIvrMenu,
  deleteIvrMenu,
  getIvrMenu,
  ivrActions,
  ivrDigits,
  ivrLimits,
  listIvrMenus,
  updateIvrMenu,
  type IvrMenuView,
  type IvrOption,
} from '../../domain/ivr-menus/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['ivr']

const Digit = Type.Union(
  ivrDigits.map((d) => Type.Literal(d)),
  { description: 'the key pressed: 0-9, * or #' },
)
const Action = Type.Union(
  ivrActions.map((a) => Type.Literal(a)),
  {
    description:
      '`queue`: route to `queue`; `submenu`: open `options`; `message`: play `message`; `hangup`',
  },
)

/**
 * One level of options, `depth` levels deep at most: written out level by level (no recursive
 * schema), so the deepest level has no `options` and the document itself bounds the depth.
 */
function levelSchema(depth: number): TSchema {
  return Type.Array(
    Type.Object(
      {
        digit: Digit,
        label: Type.String({ minLength: 1, maxLength: ivrLimits.label }),
        action: Action,
        queue: Type.Optional(Type.String({ minLength: 1, maxLength: ivrLimits.queue })),
        message: Type.Optional(Type.String({ minLength: 1, maxLength: ivrLimits.message })),
        ...(depth > 1 && { options: Type.Optional(levelSchema(depth - 1)) }),
      },
      { additionalProperties: false },
    ),
    { minItems: 1, maxItems: ivrDigits.length },
  )
}
const Options = Type.Unsafe<IvrOption[]>(levelSchema(ivrLimits.depth))

const MenuJson = Type.Object(
  {
    id: Type.String(),
    projectId: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    options: Type.Optional(Options),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

function menuJson(m: IvrMenuView): Static<typeof MenuJson> {
  const { createdAt, updatedAt, ...rest } = m
  return {
    ...rest,
    id: m.id as string,
    ...(createdAt !== undefined && { createdAt: createdAt.toISOString() }),
    ...(updatedAt !== undefined && { updatedAt: updatedAt.toISOString() }),
  } as Static<typeof MenuJson>
}

const Name = Type.String({ minLength: 1, maxLength: ivrLimits.name })
const NewMenuBody = Type.Object(
  { name: Name, projectId: Id, options: Options },
  { additionalProperties: false },
)
const PatchMenuBody = Type.Object(
  { name: Type.Optional(Name), projectId: Type.Optional(Id), options: Type.Optional(Options) },
  { additionalProperties: false, minProperties: 1 },
)
const ListQuery = Type.Object(
  {
    ...PageQuery,
    q: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'part of the name' }),
    ),
    projectId: Type.Optional(Id),
  },
  { additionalProperties: false },
)
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

const optionRules =
  'Each level has 1 to 12 options with distinct digits; a `submenu` carries `options` (at most ' +
  `${ivrLimits.depth} levels), a \`queue\` its \`queue\`, a \`message\` its \`message\`, a ` +
  `\`hangup\` nothing; at most ${ivrLimits.options} options in all.`

// [004] IVR导航 (P1, P10): a project's voice menus. Among the presets Admin and Supervisor
// create and delete them, the trainer edits them, management reads them; agents hold nothing
// on them, and a project's menus are unknown (404) to whoever does not reach the project.
export function ivrMenusRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/ivr-menus',
    {
      schema: {
        summary: 'The IVR menus I may view, one page by id',
        tags,
        security,
        querystring: ListQuery,
        response: { 200: PageJson(MenuJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listIvrMenus(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(menuJson), nextCursor: page.nextCursor }
    },
  )

  app.post(
    '/ivr-menus',
    {
      schema: {
        summary: 'Create an IVR menu in a project (audited)',
        description: optionRules,
        tags,
        security,
        body: NewMenuBody,
        response: { 201: MenuJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const menu = await createIvrMenu(deps.ctx(req), req.body)
      return reply.code(201).send(menuJson(menu))
    },
  )

  app.get(
    '/ivr-menus/:id',
    {
      schema: {
        summary: 'An IVR menu',
        tags,
        security,
        params: IdParams,
        response: { 200: MenuJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => menuJson(await getIvrMenu(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/ivr-menus/:id',
    {
      schema: {
        summary: 'Change an IVR menu; `options` replaces the whole tree (audited)',
        description: optionRules,
        tags,
        security,
        params: IdParams,
        body: PatchMenuBody,
        response: { 200: MenuJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => menuJson(await updateIvrMenu(deps.ctx(req), req.params.id, req.body)),
  )

  app.delete(
    '/ivr-menus/:id',
    {
      schema: {
        summary: 'Delete an IVR menu (audited)',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await deleteIvrMenu(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )
}
