/**
 * Queues (P10 [004]), written the way docs/resources.md says: the read seam (the project is the
 * only scope attribute; `q` searches the name), the shared write helpers, and only what is the
 * queue's own here: its strategy and its members.
 *
 * A queue belongs to one project for good: the project is set at creation (it must be one the
 * caller may view: 404 otherwise) and never changes, so `queue.create` decided on the queue as it
 * would be is the whole delegation check. A member must be a person the caller may view.
 */
import type { AttrOf, Decision, Projected, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { decisionFor } from '../access/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import type { Page, PageRequest } from '../page.js'
import { visibleProject } from '../projects/index.js'
import {
  createThrough,
  defineResource,
  deleteThrough,
  requiredText,
  updateThrough,
  writeProblem,
  type Narrow,
} from '../seam/index.js'
import { lockUsers, visibleUser } from '../users/index.js'
import { queueLimits, type Queue, type QueueInput, type QueueStrategy } from './queues.js'
import {
  deleteQueueRow,
  insertQueue,
  lockQueueRow,
  membersOfQueues,
  queuesWithMember,
  queueRowToQueue,
  setLastMember,
  updateQueueRow,
} from './queues.repo.js'

/** A queue as the caller may see it: hidden fields absent, masked ones listed. */
export type QueueView = Projected<Queue>

/** The queues read seam: the catalog's attributes from their columns; `q` searches the name. */
export const queueRecords = defineResource({
  type: 'queue',
  table: 'queues',
  toItem: queueRowToQueue,
  columns: { id: 'id', projectId: 'project_id' },
  search: { name: 'name' },
})

/** A queue as the engine sees one: the same attributes the seam reads from the row. */
export function queueResource(q: Pick<Queue, 'id' | AttrOf<'queue'>>): Resource {
  const attrs: Record<AttrOf<'queue'>, string | null> = { id: q.id, projectId: q.projectId }
  return { type: 'queue', id: q.id, attrs }
}

const noSuchQueue = () => new AppError('not_found', 'no such queue')
const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the queue is not valid', { errors })

/** Name trimmed, not blank, within its limit and storable; members each once, at most 200. */
export function normaliseQueue(input: QueueInput): QueueInput {
  const errors: ErrorDetail[] = []
  const out: { name?: string; strategy?: QueueStrategy; memberIds?: string[] } = {}
  if (input.name !== undefined) {
    out.name = requiredText(input.name, 'body/name', queueLimits.name, errors)
  }
  if (input.strategy !== undefined) out.strategy = input.strategy
  if (input.memberIds !== undefined) {
    if (new Set(input.memberIds).size !== input.memberIds.length) {
      errors.push({ path: 'body/memberIds', message: 'each person once' })
    }
    if (input.memberIds.length > queueLimits.members) {
      errors.push({ path: 'body/memberIds', message: `at most ${queueLimits.members} members` })
    }
    out.memberIds = [...input.memberIds]
  }
  if (errors.length > 0) throw invalid(errors)
  return out
}

/** Every member named must be a person of the company the caller may view (404 with a path). */
async function checkMembers(tx: TenantCtx, memberIds: readonly string[] | undefined) {
  for (const [i, id] of (memberIds ?? []).entries()) {
    await visibleUser(tx, id, `body/memberIds/${i}`)
  }
}

// --- reads ---------------------------------------------------------------------------------------

export async function getQueue(ctx: Ctx, id: string): Promise<QueueView> {
  return inCompany(ctx, async (tx) =>
    queueRecords.view(await queueRecords.get(tx, id, 'queue.view', noSuchQueue)),
  )
}

/** What a queue list may be narrowed by, besides the caller's scope. */
export interface QueueListFilter {
  /** Part of the name, where the caller reads it in clear. */
  readonly q?: string | undefined
  readonly projectId?: string | undefined
}

function listFilter(filter: QueueListFilter) {
  const { projectId } = filter
  const where: Narrow<'queues'> | undefined =
    projectId === undefined ? undefined : (eb) => eb('queues.project_id', '=', projectId)
  return { q: filter.q, where }
}

/** The queues the caller may view (P10: of their projects, under a project scope), one page. */
export async function listQueues(
  ctx: Ctx,
  filter: QueueListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<QueueView>> {
  return inCompany(ctx, (tx) =>
    queueRecords.list(tx, 'queue.view', {
      limit: page.limit,
      cursor: page.cursor,
      ...listFilter(filter),
    }),
  )
}

/** How many queues `listQueues` would show with this filter, over all pages. */
export async function countQueues(ctx: Ctx, filter: QueueListFilter = {}): Promise<number> {
  return inCompany(ctx, (tx) => queueRecords.countMatching(tx, 'queue.view', listFilter(filter)))
}

async function viewNow(tx: TenantCtx, queue: Queue): Promise<QueueView> {
  const decision: Decision = await decisionFor(tx, 'queue.view', queueResource(queue))
  return decision.allowed ? queueRecords.view({ item: queue, decision }) : { id: queue.id }
}

// --- writes --------------------------------------------------------------------------------------

const referencePaths = ['body/projectId', 'body/memberIds']

/** A new queue of a project the caller may view (`queue.create` decided on it as it would be). */
export async function createQueue(
  ctx: Ctx,
  request: QueueInput & { name: string; projectId: string },
): Promise<QueueView> {
  return inCompany(ctx, async (tx) => {
    const input = normaliseQueue(request)
    const projectId = request.projectId
    const created = await createThrough(tx, {
      type: 'queue',
      record: { type: 'queue', attrs: { id: null, projectId } },
      fields: [...Object.keys(input), 'projectId'],
      checkReferences: async () => {
        await visibleProject(tx, projectId, 'body/projectId')
        await checkMembers(tx, input.memberIds)
      },
      insert: async () => {
        try {
          return await insertQueue(
            tx.db,
            tx.actor.companyId,
            {
              projectId,
              name: input.name as string,
              strategy: input.strategy ?? 'longest-idle',
              memberIds: input.memberIds ?? [],
            },
            tx.now,
          )
        } catch (error) {
          throw writeProblem(error, 'the project named', referencePaths)
        }
      },
    })
    return viewNow(tx, created)
  })
}

/**
 * What happens, in the edit's transaction, to the members an edit adds to a queue: the calls
 * waiting in it are offered to them (domain/calls/ring.ts `offerQueueCalls`, passed in by the
 * route: the calls module depends on this one, not the other way round).
 */
export type MembersAdded = (
  tx: TenantCtx,
  queue: Queue,
  added: readonly string[],
) => Promise<unknown>

/**
 * Changes a queue's name, strategy or members (`queue.edit`, audited before → after). Locks in
 * the order queue routing keeps (ring.ts): the queue's row first, then the rows of the members
 * it gains (by id), then the audit chain; `onMembersAdded` then runs for the members it gained.
 */
export async function updateQueue(
  ctx: Ctx,
  id: string,
  request: QueueInput,
  onMembersAdded?: MembersAdded,
): Promise<QueueView> {
  return inCompany(ctx, async (tx) => {
    const patch = normaliseQueue(request)
    const was = (await lockQueueRow(tx.db, tx.actor.companyId, id)).memberIds
    const gained = (after: Queue) => after.memberIds.filter((m) => !was.includes(m))
    const { after } = await updateThrough(tx, {
      seam: queueRecords,
      id,
      missing: noSuchQueue,
      patch: patch as Readonly<Record<string, unknown>>,
      actionFor: () => 'queue.edit',
      resourceOf: queueResource,
      checkReferences: (changes) => checkMembers(tx, changes['memberIds'] as string[] | undefined),
      update: async (changes) => {
        const updated = await updateQueueRow(
          tx.db,
          tx.actor.companyId,
          id,
          changes as QueueInput,
          tx.now,
        )
        if (updated !== undefined) await lockUsers(tx, gained(updated))
        return updated
      },
    })
    const added = gained(after)
    if (added.length > 0) await onMembersAdded?.(tx, after, added)
    return viewNow(tx, after)
  })
}

/** Deletes a queue (`queue.delete`, audited); a campaign that used it is left without one. */
export async function deleteQueue(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: queueRecords,
      id,
      missing: noSuchQueue,
      remove: () => deleteQueueRow(tx.db, tx.actor.companyId, id),
    }),
  )
}

// --- routing -------------------------------------------------------------------------------------

/**
 * The queues a person is a member of, with their projects (inside the caller's transaction): no
 * decision is asked here, since they are used only to hand that person a waiting call of these
 * queues, which is decided for the person (domain/calls/ring.ts).
 */
export function queuesOfMember(
  tx: TenantCtx,
  userId: string,
): Promise<{ id: string; projectId: string }[]> {
  return queuesWithMember(tx.db, tx.actor.companyId, userId)
}

/** The members of these queues, each once, in the order of their ids (waiting calls offered). */
export function membersOf(tx: TenantCtx, queueIds: readonly string[]): Promise<string[]> {
  return membersOfQueues(tx.db, tx.actor.companyId, queueIds)
}

/**
 * Holds the queue's row until the transaction ends (routing decisions and member changes of one
 * queue in turn); whom the queue last rang on a call's arrival (null before the first).
 */
export async function lockQueue(tx: TenantCtx, id: string): Promise<string | null> {
  return (await lockQueueRow(tx.db, tx.actor.companyId, id)).lastMemberId
}

/** Notes whom the queue rang on a call's arrival (under `lockQueue`): round-robin reads it. */
export function noteRung(tx: TenantCtx, id: string, memberId: string): Promise<void> {
  return setLastMember(tx.db, tx.actor.companyId, id, memberId)
}
