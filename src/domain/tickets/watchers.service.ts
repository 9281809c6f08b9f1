/**
 * W6, notification instead of access: who watches a ticket, and the notifications its changes
 * send them. Watching is not access: a watcher who may not open the ticket learns only that it
 * changed (its id, the status from → to, or that a reply came), never what it says.
 *
 * Who may do what:
 * - watch a ticket oneself: anyone who may view it (`ticket.view`);
 * - add another person or a team: whoever may `ticket.edit` it (a closed ticket: nobody, by P5),
 *   naming a person or unit they may view (their own unit needs no `orgUnit.view`);
 * - stop watching: oneself with `ticket.view`; anyone else's entry with `ticket.edit`.
 * The list of watchers shows only the people and units the caller may view (as S23 does for
 * role holders), and oneself.
 */
import { AppError } from '../../errors.js'
import { allowedOnlyByShares, subjectOf } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { orgUnitVisible, visibleOrgUnit } from '../org-units/index.js'
import { visibleUser, visibleUserIds } from '../users/index.js'
import type { TicketWatcher } from './tickets.js'
import { ticketRecords } from './tickets.service.js'
import {
  deleteWatcherRow,
  findWatcherRow,
  insertWatcher,
  listWatcherRows,
} from './watchers.repo.js'

const noSuchTicket = () => new AppError('not_found', 'no such ticket')
const noSuchWatcher = () => new AppError('not_found', 'no such watcher')

/**
 * The ticket for `action`, through the seam; a ticket seen only through a share with the
 * caller's team (W5: read-only, for reading) is not one they may watch or see the watchers of.
 */
async function ticketFor(tx: TenantCtx, ticketId: string, action: 'ticket.view' | 'ticket.edit') {
  const found = await ticketRecords.get(tx, ticketId, action, noSuchTicket)
  if (allowedOnlyByShares(found.decision)) throw noSuchTicket()
  return found
}

/** The caller as a person (an API key is nobody: it cannot watch in its own name). */
function personOf(tx: TenantCtx): string | null {
  return tx.actor.apiKeyId === undefined ? tx.actor.userId : null
}

export async function listTicketWatchers(ctx: Ctx, ticketId: string): Promise<TicketWatcher[]> {
  return inCompany(ctx, async (tx) => {
    await ticketFor(tx, ticketId, 'ticket.view')
    const rows = await listWatcherRows(tx.db, tx.actor.companyId, ticketId)
    const me = await subjectOf(tx)
    const people = new Set(
      await visibleUserIds(
        tx,
        rows.flatMap((w) => (w.userId === null || w.userId === personOf(tx) ? [] : [w.userId])),
      ),
    )
    const shown: TicketWatcher[] = []
    for (const w of rows) {
      if (w.userId !== null) {
        if (w.userId === personOf(tx) || people.has(w.userId)) shown.push(w)
      } else if (w.orgUnitId !== null) {
        if (w.orgUnitId === me.subject.orgUnitId || (await orgUnitVisible(tx, w.orgUnitId)))
          shown.push(w)
      }
    }
    return shown
  })
}

export async function addTicketWatcher(
  ctx: Ctx,
  ticketId: string,
  request: { userId?: string | undefined; orgUnitId?: string | undefined },
): Promise<TicketWatcher> {
  return inCompany(ctx, async (tx) => {
    const { userId, orgUnitId } = request
    if ((userId === undefined) === (orgUnitId === undefined)) {
      throw new AppError('validation_failed', 'name a person or a team, not both', {
        errors: [{ path: 'body', message: 'exactly one of userId and orgUnitId' }],
      })
    }
    const self = userId !== undefined && userId === personOf(tx)
    await ticketFor(tx, ticketId, self ? 'ticket.view' : 'ticket.edit')
    if (userId !== undefined && !self) await visibleUser(tx, userId, 'body/userId')
    if (orgUnitId !== undefined) {
      const me = await subjectOf(tx)
      if (orgUnitId !== me.subject.orgUnitId) await visibleOrgUnit(tx, orgUnitId, 'body/orgUnitId')
    }
    const added = await insertWatcher(
      tx.db,
      tx.actor.companyId,
      { ticketId, userId: userId ?? null, orgUnitId: orgUnitId ?? null, addedBy: personOf(tx) },
      tx.now,
    )
    if (added === undefined) {
      throw new AppError('conflict', 'already watching this ticket', {
        errors: [
          {
            path: userId !== undefined ? 'body/userId' : 'body/orgUnitId',
            message: 'already a watcher',
          },
        ],
      })
    }
    await recordAudit(tx, {
      action: 'ticket.watcher_added',
      targetType: 'ticket',
      targetId: ticketId,
      after: { watcherId: added.id, userId: added.userId, orgUnitId: added.orgUnitId },
    })
    return added
  })
}

export async function removeTicketWatcher(
  ctx: Ctx,
  ticketId: string,
  watcherId: string,
): Promise<void> {
  await inCompany(ctx, async (tx) => {
    // the ticket first: a ticket the caller may not view hides its watchers too
    await ticketFor(tx, ticketId, 'ticket.view')
    const watcher = await findWatcherRow(tx.db, tx.actor.companyId, ticketId, watcherId)
    if (watcher === undefined) throw noSuchWatcher()
    if (watcher.userId === null || watcher.userId !== personOf(tx)) {
      await ticketRecords.get(tx, ticketId, 'ticket.edit', noSuchTicket)
    }
    await deleteWatcherRow(tx.db, tx.actor.companyId, watcherId)
    await recordAudit(tx, {
      action: 'ticket.watcher_removed',
      targetType: 'ticket',
      targetId: ticketId,
      before: { watcherId, userId: watcher.userId, orgUnitId: watcher.orgUnitId },
    })
  })
}
