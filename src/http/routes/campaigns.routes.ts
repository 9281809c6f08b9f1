import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  addCampaignContacts,
  contactLimits,
  listCampaignContacts,
  removeCampaignContact,
  runCampaign,
  campaignLimits,
  campaignStatuses,
  countCampaigns,
  createCampaign,
  deleteCampaign,
  endCampaign,
  getCampaign,
  launchCampaign,
  listCampaigns,
  pauseCampaign,
  updateCampaign,
  type CampaignView,
} from '../../domain/campaigns/index.js'
import { Id, PageJson, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['campaigns']

const Status = Type.Union(campaignStatuses.map((s) => Type.Literal(s)))
const Name = Type.String({ minLength: 1, maxLength: campaignLimits.name })
const NullableId = Type.Union([Id, Type.Null()])

/** A campaign as the caller may see it: hidden fields absent, masked ones named. */
const CampaignJson = Type.Object(
  {
    id: Type.String(),
    projectId: Type.Optional(Type.String()),
    name: Type.Optional(Type.String()),
    status: Type.Optional(Status),
    ownerId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    queueId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    dialerId: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    launchedAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    endedAt: Type.Optional(Type.Union([Timestamp, Type.Null()])),
    createdAt: Type.Optional(Timestamp),
    updatedAt: Type.Optional(Timestamp),
    maskedFields: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
)

const iso = (d: Date | null | undefined) => (d instanceof Date ? d.toISOString() : d)

function campaignJson(c: CampaignView): Static<typeof CampaignJson> {
  const { launchedAt, endedAt, createdAt, updatedAt, ...rest } = c
  return {
    ...rest,
    id: c.id as string,
    ...(launchedAt !== undefined && { launchedAt: iso(launchedAt) }),
    ...(endedAt !== undefined && { endedAt: iso(endedAt) }),
    ...(createdAt !== undefined && { createdAt: iso(createdAt) }),
    ...(updatedAt !== undefined && { updatedAt: iso(updatedAt) }),
  } as Static<typeof CampaignJson>
}

const filters = {
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'part of the name' })),
  projectId: Type.Optional(Id),
  status: Type.Optional(Status),
  ownerId: Type.Optional(Id),
}
const ListQuery = Type.Object({ ...PageQuery, ...filters }, { additionalProperties: false })
const CountQuery = Type.Object(filters, { additionalProperties: false })
const IdParams = Type.Object({ id: Id }, { additionalProperties: false })

// P10: a campaign of a project I am not in (under a project scope), or of another company, is
// 404 like an id never issued; one I may see but not change (or run) is 403.

export function campaignsRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/campaigns',
    {
      schema: {
        summary: 'The campaigns I may view (scope applied in the query), one page by id',
        description: '`q` searches names where I read them in clear.',
        tags,
        security,
        querystring: ListQuery,
        response: { 200: PageJson(CampaignJson), ...problems(400, 401, 403) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, ...filter } = req.query
      const page = await listCampaigns(deps.ctx(req), filter, { limit, cursor })
      return { items: page.items.map(campaignJson), nextCursor: page.nextCursor }
    },
  )

  app.get(
    '/campaigns/count',
    {
      schema: {
        summary: 'How many campaigns the list shows with these filters (over all pages)',
        tags,
        security,
        querystring: CountQuery,
        response: {
          200: Type.Object({ count: Type.Integer({ minimum: 0 }) }),
          ...problems(400, 401, 403),
        },
      },
    },
    async (req) => ({ count: await countCampaigns(deps.ctx(req), req.query) }),
  )

  app.post(
    '/campaigns',
    {
      schema: {
        summary: 'Create a campaign in a project (a draft)',
        description:
          '`campaign.create` decided on the campaign as it would be (its project, its owner: ' +
          'me unless `ownerId` names someone). A project, owner, queue or dialer I may not see ' +
          'is 404 on its path; a queue or dialer of another project is 400; a blank name is 400 ' +
          'and nothing is written. The project never changes afterwards.',
        tags,
        security,
        body: Type.Object(
          {
            projectId: Id,
            name: Name,
            ownerId: Type.Optional(NullableId),
            queueId: Type.Optional(NullableId),
            dialerId: Type.Optional(NullableId),
          },
          { additionalProperties: false },
        ),
        response: { 201: CampaignJson, ...problems(400, 401, 403, 404) },
      },
    },
    async (req, reply) =>
      reply.code(201).send(campaignJson(await createCampaign(deps.ctx(req), req.body))),
  )

  app.get(
    '/campaigns/:id',
    {
      schema: {
        summary: 'One campaign, as I may see it',
        tags,
        security,
        params: IdParams,
        response: { 200: CampaignJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => campaignJson(await getCampaign(deps.ctx(req), req.params.id)),
  )

  app.patch(
    '/campaigns/:id',
    {
      schema: {
        summary: 'Change a campaign’s name, owner, queue or dialer',
        description:
          '`campaign.edit` on the campaign as it is and as it would be (another owner out of ' +
          'my reach is a delegation: 403). An ended campaign is 409. Audited before → after.',
        tags,
        security,
        params: IdParams,
        body: Type.Object(
          {
            name: Type.Optional(Name),
            ownerId: Type.Optional(NullableId),
            queueId: Type.Optional(NullableId),
            dialerId: Type.Optional(NullableId),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: CampaignJson, ...problems(400, 401, 403, 404, 409) },
      },
    },
    async (req) => campaignJson(await updateCampaign(deps.ctx(req), req.params.id, req.body)),
  )

  app.delete(
    '/campaigns/:id',
    {
      schema: {
        summary: 'Delete a campaign (audited)',
        tags,
        security,
        params: IdParams,
        response: problems(400, 401, 403, 404),
      },
    },
    async (req, reply) => {
      await deleteCampaign(deps.ctx(req), req.params.id)
      return reply.code(204).send()
    },
  )

  for (const [verb, move, what] of [
    ['launch', launchCampaign, 'draft or paused → running'],
    ['pause', pauseCampaign, 'running → paused'],
    ['end', endCampaign, 'draft, running or paused → ended, for good'],
  ] as const) {
    app.post(
      `/campaigns/:id/${verb}`,
      {
        schema: {
          summary: `${verb[0]?.toUpperCase()}${verb.slice(1)} a campaign (${what})`,
          description:
            '`campaign.launch` on the campaign. From a status this move does not start from, or ' +
            'moved by another request at the same time: 409. Audited.',
          tags,
          security,
          params: IdParams,
          response: { 200: CampaignJson, ...problems(400, 401, 403, 404, 409) },
        },
      },
      async (req) => campaignJson(await move(deps.ctx(req), req.params.id)),
    )
  }

  contactRoutes(app, deps)
}

const ContactStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('called'),
  Type.Literal('skipped'),
])
const ContactJson = Type.Object(
  {
    customerId: Type.String(),
    status: ContactStatus,
    reason: Type.Union([Type.String(), Type.Null()], {
      description: 'why a skipped contact was not called (the dial’s error code, or no_phone)',
    }),
    callId: Type.Union([Type.String(), Type.Null()]),
    addedBy: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { additionalProperties: false },
)
const ContactParams = Type.Object({ id: Id, customerId: Id }, { additionalProperties: false })

/** Issue 10 workspace item 2: a campaign's contact list and the dialer run that calls it. */
function contactRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/campaigns/:id/contacts',
    {
      schema: {
        summary: 'A campaign’s contact list, one page by customer id',
        description:
          '`campaign.view` on the campaign (404 otherwise). Each contact is pending, called (with ' +
          'its call) or skipped (with the reason).',
        tags,
        security,
        params: IdParams,
        querystring: Type.Object(
          { ...PageQuery, status: Type.Optional(ContactStatus) },
          { additionalProperties: false },
        ),
        response: { 200: PageJson(ContactJson), ...problems(400, 401, 404) },
      },
    },
    async (req) => {
      const { limit = 50, cursor, status } = req.query
      const page = await listCampaignContacts(deps.ctx(req), req.params.id, {
        limit,
        cursor,
        status,
      })
      return {
        items: page.items.map((c) => ({
          ...c,
          createdAt: c.createdAt.toISOString(),
          updatedAt: c.updatedAt.toISOString(),
        })),
        nextCursor: page.nextCursor,
      }
    },
  )

  app.post(
    '/campaigns/:id/contacts',
    {
      schema: {
        summary: 'Add customers to a campaign’s contact list',
        description:
          '`campaign.edit` on the campaign (404 when I may not see it, 403 when I may not change ' +
          'it; an ended campaign is 409). Each customer must be one I may view: 404 on ' +
          '`body/customerIds/<i>` otherwise, and nothing is added. A customer already on the ' +
          'list stays as it is. Audited (`campaign.contacts_added`, with the count).',
        tags,
        security,
        params: IdParams,
        body: Type.Object(
          {
            customerIds: Type.Array(Id, { minItems: 1, maxItems: contactLimits.perRequest }),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({ added: Type.Integer({ minimum: 0 }) }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (req) => addCampaignContacts(deps.ctx(req), req.params.id, req.body.customerIds),
  )

  app.delete(
    '/campaigns/:id/contacts/:customerId',
    {
      schema: {
        summary: 'Take a customer off a campaign’s contact list (audited)',
        description: 'As adding; a customer not on the list is 404.',
        tags,
        security,
        params: ContactParams,
        response: problems(400, 401, 403, 404, 409),
      },
    },
    async (req, reply) => {
      await removeCampaignContact(deps.ctx(req), req.params.id, req.params.customerId)
      return reply.code(204).send()
    },
  )

  app.post(
    '/campaigns/:id/dial',
    {
      schema: {
        summary: 'Run the campaign’s dialer: call its pending contacts from my lines',
        description:
          'The campaign visible to me (404 otherwise) and running, its dialer running (409 ' +
          'otherwise); I hold `dialer.start` on the dialer and am a member of the campaign’s ' +
          'project (403 otherwise, P10). Each pending contact is dialled exactly as ' +
          '`POST /calls` would (a customer I may view, a number of my pools, never a ' +
          'blacklisted one, within my line limit): placed calls are mine and ringing; a contact ' +
          'refused is listed in `skipped` with the reason (`customer_not_found`, `no_phone`, ' +
          '`number_not_in_pool`, `number_blacklisted`, `forbidden`, `line_limit_reached`) and ' +
          'marked skipped, except `line_limit_reached`, which stays pending for the next run. ' +
          'Audited (`campaign.dialed` with the counts; each call `call.dialed`).',
        tags,
        security,
        params: IdParams,
        body: Type.Optional(
          Type.Object(
            {
              limit: Type.Optional(
                Type.Integer({ minimum: 1, maximum: contactLimits.perRun, default: 100 }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: Type.Object({
            placed: Type.Array(Type.Object({ customerId: Type.String(), callId: Type.String() })),
            skipped: Type.Array(Type.Object({ customerId: Type.String(), reason: Type.String() })),
          }),
          ...problems(400, 401, 403, 404, 409),
        },
      },
    },
    async (req) => runCampaign(deps.ctx(req), req.params.id, { limit: req.body?.limit }),
  )
}
