import { Type, type Static } from '@fastify/type-provider-typebox'
import {
  listMyNotifications,
  notificationKinds,
  readNotification,
  type Notification,
} from '../../domain/notifications/index.js'
import { Id, PageQuery, problems, Timestamp } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['notifications']

/** W6: what changed, never what the record says. */
const NotificationJson = Type.Object(
  {
    id: Type.String(),
    kind: Type.Union([Type.Literal(notificationKinds[0]), Type.Literal(notificationKinds[1])], {
      description: 'ticket.status_changed: fromStatus → toStatus; ticket.replied: a reply came',
    }),
    ticketId: Type.String(),
    fromStatus: Type.Union([Type.String(), Type.Null()]),
    toStatus: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    readAt: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false },
)

function notificationJson(n: Notification): Static<typeof NotificationJson> {
  return {
    ...n,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt === null ? null : n.readAt.toISOString(),
  }
}

export function notificationsRoutes(app: App, deps: RouteDeps): void {
  app.get(
    '/notifications',
    {
      schema: {
        summary: 'My notifications, newest first (W6: notification instead of access)',
        description:
          'What changed on the tickets I watch, in person or through my team: a status moved ' +
          '(from → to) or a reply came. A notification names the ticket and the change, never ' +
          'its content, so it reaches watchers who may not open the ticket. `unread=true` ' +
          'keeps the unread ones; `unread` in the answer counts them all. An API key has none.',
        tags,
        security,
        querystring: Type.Object(
          { ...PageQuery, unread: Type.Optional(Type.Boolean()) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object(
            {
              items: Type.Array(NotificationJson),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
              unread: Type.Integer({ minimum: 0 }),
            },
            { additionalProperties: false },
          ),
          ...problems(400, 401),
        },
      },
    },
    async (req) => {
      const { limit = 50, cursor, unread } = req.query
      const page = await listMyNotifications(deps.ctx(req), { limit, cursor }, { unread })
      return { ...page, items: page.items.map(notificationJson) }
    },
  )

  app.post(
    '/notifications/:id/read',
    {
      schema: {
        summary: 'Mark one of my notifications read',
        description: "Another person's notification is 404, as an id never issued.",
        tags,
        security,
        params: Type.Object({ id: Id }, { additionalProperties: false }),
        response: { 200: NotificationJson, ...problems(400, 401, 404) },
      },
    },
    async (req) => notificationJson(await readNotification(deps.ctx(req), req.params.id)),
  )
}
