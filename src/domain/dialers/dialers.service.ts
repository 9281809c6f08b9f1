/**
 * Auto-dialers ([000] 批量外呼, P10 [004]), written the way docs/resources.md says: the read seam
 * (the project is the only scope attribute; `q` searches the name), the shared write helpers,
 * and only what is the dialer's own here: its mode and its idle ⇄ running state.
 *
 * - A dialer belongs to one project for good (set at creation, never changed): a non-member of
 *   it, under a project scope, gets 404 on every path, as for an id never issued.
 * - `start` (idle → running) and `stop` (running → idle) are their own actions (the telesales
 *   agent holds them on the dialers of their projects, not `dialer.edit`), audited as
 *   `dialer.updated` before → after. The move is one conditional UPDATE (`WHERE state = from`):
 *   of two starts at once one wins and the other answers 409, never two runs.
 * - A running dialer is not deleted (409): stop it first.
 */
import type { Action, AttrOf, Decision, Projected, Resource } from '../../authz/index.js'
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
  defineListFilter,
} from '../seam/index.js'
import { dialerLimits, type Dialer, type DialerInput, type DialerState } from './dialers.js'
import {
  deleteIdleDialer,
  dialerRowToDialer,
  insertDialer,
  updateDialerRow,
  type DialerChanges,
} from './dialers.repo.js'

/** A dialer as the caller may see it: hidden fields absent, masked ones listed. */
export type DialerView = Projected<Dialer>

/** The dialers read seam: the catalog's attributes from their columns; `q` searches the name. */
export const dialerRecords = defineResource({
  type: 'dialer',
  table: 'dialers',
  toItem: dialerRowToDialer,
  columns: { id: 'id', projectId: 'project_id' },
  search: { name: 'name' },
})

/** A dialer as the engine sees one: the same attributes the seam reads from the row. */
export function dialerResource(d: Pick<Dialer, 'id' | AttrOf<'dialer'>>): Resource {
  const attrs: Record<AttrOf<'dialer'>, string | null> = { id: d.id, projectId: d.projectId }
  return { type: 'dialer', id: d.id, attrs }
}

const noSuchDialer = () => new AppError('not_found', 'no such dialer')
const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the dialer is not valid', { errors })

/** Name trimmed, not blank, within its limit and storable. */
export function normaliseDialer(input: DialerInput): DialerInput {
  const errors: ErrorDetail[] = []
  const out: { name?: string; mode?: DialerInput['mode'] } = {}
  if (input.name !== undefined) {
    out.name = requiredText(input.name, 'body/name', dialerLimits.name, errors)
  }
  if (input.mode !== undefined) out.mode = input.mode
  if (errors.length > 0) throw invalid(errors)
  return out
}

// --- reads ---------------------------------------------------------------------------------------

export async function getDialer(ctx: Ctx, id: string): Promise<DialerView> {
  return inCompany(ctx, async (tx) =>
    dialerRecords.view(await dialerRecords.get(tx, id, 'dialer.view', noSuchDialer)),
  )
}

/** What a dialer list may be narrowed by, besides the caller's scope. */
export interface DialerListFilter {
  /** Part of the name, where the caller reads it in clear. */
  readonly q?: string | undefined
  readonly projectId?: string | undefined
  readonly state?: DialerState | undefined
}

const listFilter = defineListFilter<
  'dialers',
  ReturnType<typeof dialerRowToDialer>,
  DialerListFilter
>('dialers', {
  projectId: 'project_id',
  state: 'state',
})

/** The dialers the caller may view (P10: of their projects, under a project scope), one page. */
export async function listDialers(
  ctx: Ctx,
  filter: DialerListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<DialerView>> {
  return inCompany(ctx, (tx) =>
    dialerRecords.list(tx, 'dialer.view', {
      limit: page.limit,
      cursor: page.cursor,
      ...listFilter(filter),
    }),
  )
}

/** How many dialers `listDialers` would show with this filter, over all pages. */
export async function countDialers(ctx: Ctx, filter: DialerListFilter = {}): Promise<number> {
  return inCompany(ctx, (tx) => dialerRecords.countMatching(tx, 'dialer.view', listFilter(filter)))
}

async function viewNow(tx: TenantCtx, dialer: Dialer): Promise<DialerView> {
  const decision: Decision = await decisionFor(tx, 'dialer.view', dialerResource(dialer))
  return decision.allowed ? dialerRecords.view({ item: dialer, decision }) : { id: dialer.id }
}

// --- writes --------------------------------------------------------------------------------------

/** A new, idle dialer of a project the caller may view (`dialer.create` on it as it would be). */
export async function createDialer(
  ctx: Ctx,
  request: DialerInput & { name: string; projectId: string },
): Promise<DialerView> {
  return inCompany(ctx, async (tx) => {
    const input = normaliseDialer(request)
    const projectId = request.projectId
    const created = await createThrough(tx, {
      type: 'dialer',
      record: { type: 'dialer', attrs: { id: null, projectId } },
      fields: [...Object.keys(input), 'projectId'],
      checkReferences: async () => {
        await visibleProject(tx, projectId, 'body/projectId')
      },
      insert: async () => {
        try {
          return await insertDialer(
            tx.db,
            tx.actor.companyId,
            { projectId, name: input.name as string, mode: input.mode ?? 'progressive' },
            tx.now,
          )
        } catch (error) {
          throw writeProblem(error, 'the project named', ['body/projectId'])
        }
      },
    })
    return viewNow(tx, created)
  })
}

/** Changes a dialer's name or mode (`dialer.edit`, audited before → after). */
export async function updateDialer(
  ctx: Ctx,
  id: string,
  request: DialerInput,
): Promise<DialerView> {
  return inCompany(ctx, async (tx) => {
    const patch = normaliseDialer(request)
    const { after } = await updateThrough(tx, {
      seam: dialerRecords,
      id,
      missing: noSuchDialer,
      patch: patch as Readonly<Record<string, unknown>>,
      actionFor: () => 'dialer.edit',
      resourceOf: dialerResource,
      update: (changes) =>
        updateDialerRow(tx.db, tx.actor.companyId, id, changes as DialerChanges, tx.now),
    })
    return viewNow(tx, after)
  })
}

const moves = {
  start: { action: 'dialer.start', from: 'idle', to: 'running' },
  stop: { action: 'dialer.stop', from: 'running', to: 'idle' },
} as const satisfies Record<string, { action: Action; from: DialerState; to: DialerState }>

const wrongState = (verb: string, state: DialerState) =>
  new AppError('conflict', `the dialer is ${state}: it cannot be ${verb}`, {
    errors: [{ path: 'state', message: `is ${state}` }],
  })

/**
 * Starts or stops a dialer: 404 when the caller may not know it exists, 403 when they may see it
 * but not `dialer.start` / `dialer.stop` it, 409 when it is already in the state asked for, or
 * when another request moved it first (the UPDATE is conditional on the state it moves from).
 */
async function moveDialer(ctx: Ctx, id: string, verb: keyof typeof moves): Promise<DialerView> {
  const { action, from, to } = moves[verb]
  return inCompany(ctx, async (tx) => {
    // the decision alone first (the write below enforces its obligations, once)
    const found = await dialerRecords.visible(tx, id, action)
    if (found === undefined) {
      if ((await dialerRecords.visible(tx, id, 'dialer.view')) === undefined) throw noSuchDialer()
      const d = await decisionFor(tx, action)
      throw new AppError('forbidden', `not allowed: ${action} (${d.allowed ? 'denied' : d.reason})`)
    }
    const { item } = found
    if (item.state !== from) throw wrongState(verb === 'start' ? 'started' : 'stopped', item.state)
    const changes: DialerChanges = {
      state: to,
      ...(to === 'running' && {
        startedAt: tx.now,
        startedBy: tx.actor.apiKeyId === undefined ? tx.actor.userId : null,
      }),
    }
    const { after } = await updateThrough(tx, {
      seam: dialerRecords,
      id,
      missing: noSuchDialer,
      patch: changes as Readonly<Record<string, unknown>>,
      actionFor: () => action,
      resourceOf: dialerResource,
      workflow: ['state'],
      expect: (now) => {
        if (now.state !== from) raced(verb)
      },
      update: async (c) =>
        (await updateDialerRow(tx.db, tx.actor.companyId, id, c as DialerChanges, tx.now, from)) ??
        raced(verb),
    })
    return viewNow(tx, after)
  })
}

const raced = (verb: string): never => {
  throw new AppError(
    'conflict',
    `the dialer was ${verb === 'start' ? 'started' : 'stopped'} meanwhile`,
    {
      errors: [{ path: 'state', message: 'changed meanwhile' }],
    },
  )
}

/** idle → running (`dialer.start`); 409 when it already runs. Audited. */
export const startDialer = (ctx: Ctx, id: string) => moveDialer(ctx, id, 'start')
/** running → idle (`dialer.stop`); 409 when it is idle. Audited. */
export const stopDialer = (ctx: Ctx, id: string) => moveDialer(ctx, id, 'stop')

/** Deletes an idle dialer (`dialer.delete`, audited); a running one is 409: stop it first. */
export async function deleteDialer(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: dialerRecords,
      id,
      missing: noSuchDialer,
      remove: async () => {
        if (await deleteIdleDialer(tx.db, tx.actor.companyId, id)) return true
        if ((await dialerRecords.findRow(tx, id)) === undefined) return false
        throw new AppError('conflict', 'the dialer is running: stop it first', {
          errors: [{ path: 'state', message: 'is running' }],
        })
      },
    }),
  )
}
