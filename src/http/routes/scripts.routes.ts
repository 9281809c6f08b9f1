import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  countScripts,
  createScript,
  deleteScript,
  getScript,
  listScripts,
  scriptLimits,
  scriptStatuses,
  type ScriptView,
} from '../../domain/scripts/index.js'
import {
  publishScriptOrApprove,
  submitScriptOrAsk,
  updateScriptAndCloseRequest,
} from '../../domain/approvals/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import { PendingApprovalJson, sendPending } from './approvals.routes.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['scripts']

const Status = Type.Union(scriptStatuses.map((s) => Type.Literal(s)))
const NullableId = Type.Union([Id, Type.Null()])
const Title = Type.String({ minLength: 1, maxLength: scriptLimits.title })
const Body = Type.String({ minLength: 1, maxLength: scriptLimits.body })

/** A script version as the caller may see it: hidden fields absent, masked ones named. */
const ScriptJson = Type.Object(
  {
    id: Type.String(),
    seriesId: Type.Optional(Type.String({ description: 'the id every version of it shares' })),
    version: Type.Optional(Type.Integer({ minimum: 1 })),
    title: Type.Optional(Type.String()),
    body: Type.Optional(Type.String()),
    projectId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    authorId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    editorIds: Type.Optional(Type.Array(Type.String())),
    status: Type.Optional(Status),
    submittedAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    publishedAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    publishedBy: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

const iso = (d: Date | null | undefined) => (d instanceof Date ? d.toISOString() : d)

function scriptJson(s: ScriptView): Static<typeof ScriptJson> {
  const { submittedAt, publishedAt, createdAt, updatedAt, editorIds, ...rest } = s
  return {
    ...rest,
    id: s.id as string,
    ...(editorIds !== undefined && { editorIds: [...editorIds] }),
    ...(submittedAt !== undefined && { submittedAt: iso(submittedAt) }),
    ...(publishedAt !== undefined && { publishedAt: iso(publishedAt) }),
    ...(createdAt !== undefined && { createdAt: iso(createdAt) }),
    ...(updatedAt !== undefined && { updatedAt: iso(updatedAt) }),
  } as Static<typeof ScriptJson>
}

const filters = {
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, description: 'part of the title or the body' }),
  ),
  status: Type.Optional(Status),
  projectId: Type.Optional(Id),
  seriesId: Type.Optional(Id),
  purpose: Type.Optional(
    Type.Union([Type.Literal('view'), Type.Literal('use')], {
      description:
        '`view`: every version I may `script.view` (drafts included); `use`: the published ' +
        'versions I may `script.use`. Unset: `view` if I hold `script.view` at all, else `use`.',
    }),
  ),
}
const ListQuery = Type.Object({ ...PageQuery, ...filters }, { additionalProperties: false })
const CountQuery = Type.Object(filters, { additionalProperties: false })
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

// A version I may not know (another company's, another project's, a draft when I only use
// scripts) is 404 like an id never issued; one I may see but not change is 403.

export function scriptsRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/scripts',
    {
      schema: {
        summary: 'The call scripts I may view or use (scope applied in the query), one page by id',
        description:
          '`script.view` shows every version in my scope, drafts included; `script.use` (the ' +
          'agent during a call) shows published versions only, whatever the grant says. `q` ' +
          'searches titles and bodies where I read them in clear.',
        tags,
        security,
        querystring: ListQuery,
        response: { 200: PageJson(ScriptJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listScripts(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(scriptJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/scripts/count',
    {
      schema: {
        summary: 'How many script versions the list shows with these filters (over all pages)',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: Type.Object({ count: Type.Integer({ minimum: 0 }) }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => ({ count: await countScripts(deps.ctx(req), req.query) }),
  )

  app.post(
    '/scripts',
    {
      schema: {
        summary: 'Write a new call script (a draft, version 1)',
        description:
          '`script.create` decided on the script as it would be (its project, me as its ' +
          'author). A project I may not see is 404 on `body/projectId`; a blank title or body ' +
          'is 400 and nothing is written. Agents use it only once someone else publishes it.',
        tags,
        security,
        body: Type.Object(
          { title: Title, body: Body, projectId: Type.Optional(NullableId) },
          { additionalProperties: false },
        ),
        response: { 201: ScriptJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(scriptJson(await createScript(deps.ctx(req), req.body))),
  )

  app.get(
    '/scripts/:id',
    {
      schema: {
        summary: 'One script version, as I may see it',
        description:
          'Through `script.view` (any status) or, for a published version, `script.use`; a ' +
          'draft I may only use answers 404.',
        tags,
        security,
        params: IdParams,
        response: { 200: ScriptJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => scriptJson(await getScript(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/scripts/:id',
    {
      schema: {
        summary: 'Change a script’s title, body or project',
        description:
          '`script.edit` on the version as it is and as it would be. A draft changes in place ' +
          '(200); a pending one changes back to a draft (its submission was of the old text) and ' +
          'its open `scriptChange` approval request is cancelled in the same transaction (audited ' +
          '`approval.cancelled`, reason "the script version was edited"); a ' +
          'published one stays in use and the change becomes a NEW draft version of the same ' +
          'script (201, a new id, the same `seriesId`; 409 while another version of it is open); ' +
          'an archived one never changes (409).',
        tags,
        security,
        params: IdParams,
        body: Type.Object(
          {
            title: Type.Optional(Title),
            body: Type.Optional(Body),
            projectId: Type.Optional(NullableId),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: ScriptJson, 201: ScriptJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { script, newVersion } = await updateScriptAndCloseRequest(
        deps.ctx(req),
        req.params.id,
        req.body,
      )
      return reply.code(newVersion ? 201 : 200).send(scriptJson(script))
    },
  )

  app.delete(
    '/scripts/:id',
    {
      schema: {
        summary: 'Delete a script version (audited)',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await deleteScript(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )

  app.post(
    '/scripts/:id/submit',
    {
      schema: {
        summary: 'Ask for a draft to be published (draft → pending, W3: an approval request)',
        description:
          '`script.edit` on the draft; anything but a draft is 409. The version becomes pending ' +
          'and a `scriptChange` approval request for its publication is opened in the same ' +
          'transaction: 202 with the request and a `Location` (the `x-tessera-reason` header ' +
          'becomes its reason). It waits in `GET /approvals?view=to-decide` of whoever may ' +
          'publish the script (`script.approve`, none of its writers), or goes through the ' +
          'steps the company configured; approving publishes it, rejecting or cancelling takes ' +
          'it back to a draft. An API key (nobody to approve for) gets 200 and the pending ' +
          'version, published with `/publish`. Audited.',
        tags,
        security,
        params: IdParams,
        response: {
          200: ScriptJson,
          202: PendingApprovalJson,
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (req, reply) => {
      const asked = await submitScriptOrAsk(deps.ctx(req), req.params.id)
      if (asked.pending !== undefined)
        return sendPending(reply, asked.pending, 'Not published yet: the version is pending.')
      return scriptJson(asked.applied)
    },
  )

  app.post(
    '/scripts/:id/publish',
    {
      schema: {
        summary: 'Publish a pending version (W3: the approval of a script change)',
        description:
          '`script.approve` on the version (the engine decides). The four-eyes rule: nobody ' +
          'who wrote the version publishes it (403 `own_request`). This approves the ' +
          'version’s open `scriptChange` request, with every check of `POST ' +
          '/approvals/{id}/approve`: at its last step the version is published (200) and the ' +
          'script’s version published until now archived in the same transaction; at an ' +
          'earlier step of a configured route the request moves on (202 with the request). A ' +
          'pending version with no open request (an API key submitted it) is published ' +
          'directly; a version whose request expired undecided is a draft again (submit it ' +
          'again). Anything but a pending version is 409. Audited.',
        tags,
        security,
        params: IdParams,
        response: {
          200: ScriptJson,
          202: PendingApprovalJson,
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (req, reply) => {
      const done = await publishScriptOrApprove(deps.ctx(req), req.params.id)
      if (done.pending !== undefined)
        return sendPending(reply, done.pending, 'Not published yet: the next step decides.')
      return scriptJson(done.applied)
    },
  )
}
