/**
 * The blacklist (P11): numbers nobody of the company dials, admin-managed (`blacklist.*`).
 * Written the way docs/resources.md says: the read seam (a phone in any format finds its
 * entry), the shared write helpers, and here only the E.164 normalisation and the dial's check.
 */
import type { AttrOf, Decision, Projected, Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { decisionFor } from '../access/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { phoneOf } from '../number-pools/index.js'
import type { Page, PageRequest } from '../page.js'
import { phoneSearchTerm } from '../phone.js'
import { createThrough, defineResource, deleteThrough } from '../seam/index.js'
import type { BlacklistEntry } from './blacklist.js'
import { blacklistRowToEntry, deleteEntryRow, insertEntry, phoneListed } from './blacklist.repo.js'

export type BlacklistView = Projected<BlacklistEntry>

/** The blacklist read seam; `q` finds a number written in any format. */
export const blacklistRecords = defineResource({
  type: 'blacklist',
  table: 'blacklist',
  toItem: blacklistRowToEntry,
  columns: { id: 'id' },
  search: { phone: { column: 'phone', term: phoneSearchTerm }, reason: 'reason' },
})

export function blacklistResource(e: Pick<BlacklistEntry, 'id' | AttrOf<'blacklist'>>): Resource {
  const attrs: Record<AttrOf<'blacklist'>, string | null> = { id: e.id }
  return { type: 'blacklist', id: e.id, attrs }
}

const noSuchEntry = () => new AppError('not_found', 'no such blacklist entry')

export async function listBlacklist(
  ctx: Ctx,
  filter: { q?: string | undefined } = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<BlacklistView>> {
  return inCompany(ctx, (tx) =>
    blacklistRecords.list(tx, 'blacklist.view', {
      limit: page.limit,
      cursor: page.cursor,
      q: filter.q,
    }),
  )
}

export async function getBlacklistEntry(ctx: Ctx, id: string): Promise<BlacklistView> {
  return inCompany(ctx, async (tx) =>
    blacklistRecords.view(await blacklistRecords.get(tx, id, 'blacklist.view', noSuchEntry)),
  )
}

/** Blacklists a number (`blacklist.create`); a number listed already is 409. Audited. */
export async function addToBlacklist(
  ctx: Ctx,
  request: { phone: string; country?: string | undefined; reason?: string | undefined },
): Promise<BlacklistView> {
  return inCompany(ctx, async (tx) => {
    const phone = phoneOf(request.phone, request.country, 'body/phone')
    const reason = (request.reason ?? '').trim()
    const entry = await createThrough(tx, {
      type: 'blacklist',
      record: { type: 'blacklist', attrs: { id: null } },
      fields: ['phone', ...(request.reason === undefined ? [] : ['reason'])],
      insert: () =>
        insertEntry(
          tx.db,
          tx.actor.companyId,
          { phone, reason, createdBy: tx.actor.userId },
          tx.now,
        ).catch((error: unknown) => {
          if ((error as { code?: string }).code === '23505') {
            throw new AppError('conflict', 'this number is blacklisted already', {
              errors: [{ path: 'body/phone', message: 'on the blacklist already' }],
            })
          }
          throw error
        }),
    })
    const decision: Decision = await decisionFor(tx, 'blacklist.view', blacklistResource(entry))
    return decision.allowed ? blacklistRecords.view({ item: entry, decision }) : { id: entry.id }
  })
}

export async function removeFromBlacklist(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: blacklistRecords,
      id,
      missing: noSuchEntry,
      remove: () => deleteEntryRow(tx.db, tx.actor.companyId, id),
    }),
  )
}

/** P11: is this E.164 number blacklisted in the caller's company (whatever the caller may view)? */
export function isBlacklisted(tx: TenantCtx, phone: string): Promise<boolean> {
  return phoneListed(tx.db, tx.actor.companyId, phone)
}
