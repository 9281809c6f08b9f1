import { AppError } from '../../errors.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { decodeCursor, encodeCursor, type PageRequest } from '../page.js'
import { notificationKinds, type Notification, type NotificationKind } from './notifications.js'
import {
  countUnread,
  listForRecipient,
  markRead,
  notifyTicketWatchers as insertWatcherNotifications,
} from './notifications.repo.js'

/** A page of the caller's notifications, newest first, with how many are unread in all. */
export interface NotificationPage {
  readonly items: Notification[]
  readonly nextCursor: string | null
  readonly unread: number
}

/**
 * The caller's own notifications (W6). Nobody reads another person's: there is no id to ask
 * for, and an API key, which is nobody, has none (an empty page).
 */
export async function listMyNotifications(
  ctx: Ctx,
  page: PageRequest = { limit: 50 },
  filter: { unread?: boolean | undefined } = {},
): Promise<NotificationPage> {
  const before = decodeCursor(page.cursor)
  if (before !== undefined && !/^[0-9]{1,19}$/.test(before)) {
    throw new AppError('validation_failed', 'cursor is not valid', {
      errors: [{ path: 'querystring/cursor', message: 'not a cursor this list returned' }],
    })
  }
  if (ctx.actor.apiKeyId !== undefined) return { items: [], nextCursor: null, unread: 0 }
  return inCompany(ctx, async (tx) => {
    const { companyId, userId } = tx.actor
    const rows = await listForRecipient(tx.db, companyId, userId, {
      limit: page.limit,
      before,
      unread: filter.unread,
    })
    const more = rows.length > page.limit
    const kept = more ? rows.slice(0, page.limit) : rows
    const last = kept.at(-1)
    return {
      items: kept.map(({ seq: _seq, ...n }) => n),
      nextCursor: more && last !== undefined ? encodeCursor(last.seq) : null,
      unread: await countUnread(tx.db, companyId, userId),
    }
  })
}

/** Marks one of the caller's notifications read; another person's is 404, as an unknown id. */
export async function readNotification(ctx: Ctx, id: string): Promise<Notification> {
  const missing = () => new AppError('not_found', 'no such notification')
  if (ctx.actor.apiKeyId !== undefined) throw missing()
  return inCompany(ctx, async (tx) => {
    const done = await markRead(tx.db, tx.actor.companyId, tx.actor.userId, id, tx.now)
    if (done === undefined) throw missing()
    return done
  })
}

/**
 * W6: one notification for each active person who watches the ticket, in person or through
 * their team (the members of a watching org unit), except `actorId`, who made the change; in the
 * caller's transaction (a change that rolls back tells nobody). Answers how many were told.
 */
export async function notifyTicketWatchers(
  tx: TenantCtx,
  event: {
    ticketId: string
    kind: NotificationKind
    fromStatus?: string | null
    toStatus?: string | null
    actorId: string | null
  },
): Promise<number> {
  if (!notificationKinds.includes(event.kind)) {
    throw new AppError('internal', `unknown notification kind "${event.kind}"`)
  }
  return insertWatcherNotifications(tx.db, tx.actor.companyId, event, tx.now)
}
