/**
 * Tickets (issue 10 part 2: P4, P5, W4), written the way docs/resources.md says every resource
 * is: the read seam, the shared write helpers, and only what is ticket-specific here — the
 * status workflow, the customer's level carried onto the ticket, replies and bulk actions.
 *
 * Nothing here decides who may do what to a closed or escalated ticket: the presets' conditions
 * do (`ticket.edit` only while `status ≠ closed`, `ticket.reopen` only when closed, tech's grants
 * only while `escalated`), through the same decisions for a patch, a transition and a bulk item.
 */
import type { Readable } from 'node:stream'
import type { Action, AttrOf, Decision, Projected, Resource } from '../../authz/index.js'
import { AppError, type ErrorDetail } from '../../errors.js'
import { allowedOnlyByShares, authorize, decisionFor, subjectOf } from '../access/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { customerRecords, type CustomerLevel } from '../customers/index.js'
import { notifyTicketWatchers, type NotificationKind } from '../notifications/index.js'
import { visibleOrgUnit } from '../org-units/index.js'
import type { Page, PageRequest } from '../page.js'
import { projectRecords } from '../projects/projects.service.js'
import {
  createThrough,
  defineResource,
  deleteThrough,
  exportCsv,
  updateThrough,
  writeProblem,
  defineListFilter,
} from '../seam/index.js'
import { visibleUser } from '../users/index.js'
import {
  type TicketState,
  deleteTicketRow,
  insertReply,
  insertTicket,
  openTicketRowsAssignedTo,
  reassignOpenTickets,
  replyRowToReply,
  ticketRowToTicket,
  updateTicketRow,
} from './tickets.repo.js'
import type { Ticket, TicketInput, TicketReply, TicketReplyKind, TicketStatus } from './tickets.js'

/** A ticket as the caller may see it: hidden fields absent, masked ones in `maskedFields`. */
export type TicketView = Projected<Ticket>
export type TicketReplyView = Projected<TicketReply>

/**
 * The tickets read seam: every attribute the catalog declares for `ticket`, read from its
 * column. `q` searches the title and the description.
 */
export const ticketRecords = defineResource({
  type: 'ticket',
  table: 'tickets',
  toItem: ticketRowToTicket,
  columns: {
    id: 'id',
    assigneeId: 'assignee_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    status: 'status',
    category: 'category',
    priority: 'priority',
    faultCode: 'fault_code',
    customerLevel: 'customer_level',
    customerId: 'customer_id',
    escalated: 'escalated',
  },
  search: { title: 'title', description: 'description' },
})

/** A ticket as the engine sees one: the same attributes the seam reads from the row. */
export function ticketResource(t: Pick<Ticket, 'id' | AttrOf<'ticket'>>): Resource {
  const attrs: Record<AttrOf<'ticket'>, string | number | boolean | null> = {
    id: t.id,
    assigneeId: t.assigneeId,
    orgUnitId: t.orgUnitId,
    projectId: t.projectId,
    status: t.status,
    category: t.category,
    priority: t.priority,
    faultCode: t.faultCode,
    customerLevel: t.customerLevel,
    customerId: t.customerId,
    escalated: t.escalated,
  }
  return { type: 'ticket', id: t.id, attrs }
}

/** The replies read seam (`ticketReply`): reached only through a ticket the caller may view. */
export const ticketReplyRecords = defineResource({
  type: 'ticketReply',
  table: 'ticket_replies',
  toItem: replyRowToReply,
  columns: {
    id: 'id',
    authorId: 'author_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    ticketId: 'ticket_id',
  },
})

export function ticketReplyResource(r: Pick<TicketReply, 'id' | AttrOf<'ticketReply'>>): Resource {
  const attrs: Record<AttrOf<'ticketReply'>, string | null> = {
    id: r.id,
    authorId: r.authorId,
    orgUnitId: r.orgUnitId,
    projectId: r.projectId,
    ticketId: r.ticketId,
  }
  return { type: 'ticketReply', id: r.id, attrs }
}

const noSuchTicket = () => new AppError('not_found', 'no such ticket')

const invalid = (errors: ErrorDetail[]) =>
  new AppError('validation_failed', 'the ticket is not valid', { errors })

// --- the workflow ------------------------------------------------------------------------------

/**
 * Where each status may go. Closing is possible from every open status; a closed ticket only
 * reopens; a reopened one is worked again. A move not listed is 409 `conflict`.
 */
export const ticketTransitions: Readonly<Record<TicketStatus, readonly TicketStatus[]>> = {
  new: ['processing', 'escalated', 'closed'],
  processing: ['escalated', 'resolved', 'closed'],
  escalated: ['processing', 'resolved', 'closed'],
  resolved: ['processing', 'closed'],
  closed: ['reopened'],
  reopened: ['processing', 'escalated', 'resolved', 'closed'],
}

/** The catalog action a move to `to` needs. */
export function transitionAction(to: TicketStatus): Action {
  if (to === 'escalated') return 'ticket.escalate'
  if (to === 'closed') return 'ticket.close'
  if (to === 'reopened') return 'ticket.reopen'
  return 'ticket.edit'
}

/** W4: escalating opens the ticket to tech (`escalated`), closing shrinks it again. */
function transitionChanges(to: TicketStatus): { status: TicketStatus; escalated?: boolean } {
  if (to === 'escalated') return { status: to, escalated: true }
  if (to === 'closed') return { status: to, escalated: false }
  return { status: to }
}

// --- input -------------------------------------------------------------------------------------

/** Validates and normalises a request's fields; every problem at once, 400 with paths. */
export function normaliseTicket(request: TicketInput): TicketInput {
  const errors: ErrorDetail[] = []
  const out: Record<string, unknown> = { ...request }
  if (typeof request.title === 'string') {
    out['title'] = request.title.trim()
    if (out['title'] === '') errors.push({ path: 'body/title', message: 'must not be blank' })
  }
  if (typeof request.category === 'string') {
    out['category'] = request.category.trim()
    if (out['category'] === '') errors.push({ path: 'body/category', message: 'must not be blank' })
  }
  if (typeof request.faultCode === 'string') {
    const code = request.faultCode.trim().toUpperCase()
    if (!/^[A-Z0-9][A-Z0-9._-]{0,39}$/.test(code)) {
      errors.push({
        path: 'body/faultCode',
        message: 'letters, digits, `.`, `_` and `-` (up to 40), starting with a letter or digit',
      })
    }
    out['faultCode'] = code
  }
  if (errors.length > 0) throw invalid(errors)
  return out as TicketInput
}

/**
 * The references a write names must exist in the caller's company and be visible to them (404
 * with the path otherwise, as an id never issued). Oneself as assignee, one's own unit and
 * one's own projects need no `view` right on users, units or projects. Answers the level of the
 * customer named (carried onto the ticket: a level is never copied from a customer the caller
 * may not view).
 */
async function checkReferences(
  tx: TenantCtx,
  input: TicketInput,
): Promise<{ customerLevel?: CustomerLevel | null }> {
  const me = await subjectOf(tx)
  if (typeof input.assigneeId === 'string' && input.assigneeId !== tx.actor.userId) {
    await visibleUser(tx, input.assigneeId, 'body/assigneeId')
  }
  if (typeof input.orgUnitId === 'string' && input.orgUnitId !== me.subject.orgUnitId) {
    await visibleOrgUnit(tx, input.orgUnitId, 'body/orgUnitId')
  }
  if (
    typeof input.projectId === 'string' &&
    !(me.subject.projectIds ?? []).includes(input.projectId) &&
    (await projectRecords.visible(tx, input.projectId, 'project.view')) === undefined
  ) {
    throw new AppError('not_found', 'no such project', {
      errors: [{ path: 'body/projectId', message: 'no such project' }],
    })
  }
  if (input.customerId === null) return { customerLevel: null }
  if (typeof input.customerId === 'string') {
    const customer = await customerRecords.visible(tx, input.customerId, 'customer.view')
    // W5: a customer seen only through a share with the caller's team is read-only to them
    if (customer === undefined || allowedOnlyByShares(customer.decision)) {
      throw new AppError('not_found', 'no such customer', {
        errors: [{ path: 'body/customerId', message: 'no such customer' }],
      })
    }
    return { customerLevel: customer.item.level }
  }
  return {}
}

const referencePaths = ['body/assigneeId', 'body/customerId', 'body/orgUnitId', 'body/projectId']

/**
 * W6: tells the ticket's watchers of a change, in the change's own transaction (a change that
 * rolls back tells nobody); the person who made it is not told. See watchers.service.ts.
 */
async function tellWatchers(
  tx: TenantCtx,
  event: { ticketId: string; kind: NotificationKind; fromStatus?: string; toStatus?: string },
): Promise<void> {
  const actorId = tx.actor.apiKeyId === undefined ? tx.actor.userId : null
  await notifyTicketWatchers(tx, { ...event, actorId })
}

// --- reads ---------------------------------------------------------------------------------------

export async function getTicket(ctx: Ctx, id: string): Promise<TicketView> {
  return inCompany(ctx, async (tx) => {
    const found = await ticketRecords.get(tx, id, 'ticket.view', noSuchTicket)
    return ticketRecords.view(found)
  })
}

/** What a ticket list may be narrowed by, besides the caller's scope. */
export interface TicketListFilter {
  /** Part of the title or the description, where the caller reads it in clear. */
  readonly q?: string | undefined
  readonly status?: TicketStatus | undefined
  readonly priority?: number | undefined
  readonly assigneeId?: string | undefined
  readonly customerId?: string | undefined
  readonly orgUnitId?: string | undefined
  readonly projectId?: string | undefined
}

/**
 * The filter as the seam takes it: each narrowing on a catalog field (status, priority,
 * assignee, customer) keeps only tickets whose field the caller reads in clear (no oracle, S11).
 */
const listFilter = defineListFilter<
  'tickets',
  ReturnType<typeof ticketRowToTicket>,
  TicketListFilter
>('tickets', {
  status: { column: 'status', field: 'status' },
  priority: { column: 'priority', field: 'priority' },
  assigneeId: { column: 'assignee_id', field: 'assigneeId' },
  customerId: { column: 'customer_id', field: 'customerId' },
  orgUnitId: 'org_unit_id',
  projectId: 'project_id',
})

/** The tickets the caller may view, filtered, one page by id, each projected. */
export async function listTickets(
  ctx: Ctx,
  filter: TicketListFilter = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<TicketView>> {
  return inCompany(ctx, (tx) =>
    ticketRecords.list(tx, 'ticket.view', {
      limit: page.limit,
      cursor: page.cursor,
      ...listFilter(filter),
    }),
  )
}

/** The columns of a ticket export, in order (a field the caller may not see exports empty). */
export const ticketExportColumns = [
  'id',
  'title',
  'status',
  'category',
  'priority',
  'faultCode',
  'customerLevel',
  'escalated',
  'assigneeId',
  'customerId',
  'orgUnitId',
  'projectId',
] as const satisfies readonly (keyof Ticket)[]

/**
 * CSV of every ticket the caller may `ticket.export` under this filter, with their field rules
 * (P2: high-risk, the Admin's by default). Traced before the first row: see seam/export.ts.
 */
export async function exportTickets(
  ctx: Ctx,
  filter: TicketListFilter = {},
  reason?: string,
): Promise<Readable> {
  return exportCsv(ctx, {
    seam: ticketRecords,
    action: 'ticket.export',
    filter: listFilter(filter),
    columns: ticketExportColumns,
    described: { ...filter },
    reason,
  })
}

/** How many tickets `listTickets` would show with this filter, over all pages. */
export async function countTickets(ctx: Ctx, filter: TicketListFilter = {}): Promise<number> {
  return inCompany(ctx, (tx) => ticketRecords.countMatching(tx, 'ticket.view', listFilter(filter)))
}

/** The ticket as the caller may view it now (after a write): projected, or only the id. */
async function viewNow(tx: TenantCtx, ticket: Ticket): Promise<TicketView> {
  const decision: Decision = await decisionFor(tx, 'ticket.view', ticketResource(ticket))
  return decision.allowed ? ticketRecords.view({ item: ticket, decision }) : { id: ticket.id }
}

// --- writes --------------------------------------------------------------------------------------

/**
 * Creates a ticket (status `new`): `ticket.create` decided on the ticket as it would be, every
 * field set editable under that decision (P4: a fault code only where the grant lets it be
 * edited). Unless the request says otherwise, a person's ticket is assigned to them and placed
 * in their own unit.
 */
export async function createTicket(
  ctx: Ctx,
  request: TicketInput & { title: string },
): Promise<TicketView> {
  return inCompany(ctx, async (tx) => {
    const input = normaliseTicket(request) as TicketInput & { title: string }
    const me = await subjectOf(tx)
    const person = tx.actor.apiKeyId === undefined
    const placed: TicketInput & { title: string } = {
      ...input,
      ...(input.assigneeId === undefined && person && { assigneeId: tx.actor.userId }),
      ...(input.orgUnitId === undefined && { orgUnitId: me.subject.orgUnitId ?? null }),
    }
    // may open tickets at all (403) before any reference is looked at; then the customer's
    // level, which the decision on the ticket-to-be reads
    await authorize(tx, 'ticket.create')
    const level = (await checkReferences(tx, placed)).customerLevel ?? null
    const record = ticketResource({
      id: '',
      status: 'new',
      category: placed.category ?? null,
      priority: placed.priority ?? 2,
      faultCode: placed.faultCode ?? null,
      customerLevel: level,
      escalated: false,
      assigneeId: placed.assigneeId ?? null,
      customerId: placed.customerId ?? null,
      orgUnitId: placed.orgUnitId ?? null,
      projectId: placed.projectId ?? null,
    })
    const created = await createThrough(tx, {
      type: 'ticket',
      record: { type: 'ticket', attrs: { ...record.attrs, id: null } },
      fields: Object.keys(input),
      insert: async () => {
        try {
          return await insertTicket(
            tx.db,
            tx.actor.companyId,
            { ...placed, customerLevel: level },
            tx.now,
          )
        } catch (error) {
          throw writeProblem(error, 'an assignee, customer, unit or project named', referencePaths)
        }
      },
    })
    return viewNow(tx, created)
  })
}

/** Which action a changed field needs: the assignee `ticket.assign`, the rest `ticket.edit`. */
function actionFor(field: string): Action {
  return field === 'assigneeId' ? 'ticket.assign' : 'ticket.edit'
}

/**
 * Changes a ticket's fields (see updateThrough): the assignee needs `ticket.assign`, the rest
 * `ticket.edit`, on the ticket as it is and as it would be, with edit rights on each field. A
 * closed ticket refuses both by the presets' conditions (P5), not by a test here.
 */
export async function updateTicket(
  ctx: Ctx,
  id: string,
  request: TicketInput,
): Promise<TicketView> {
  return inCompany(ctx, async (tx) => {
    const patch = normaliseTicket(request)
    const { after } = await updateThrough(tx, {
      seam: ticketRecords,
      id,
      missing: noSuchTicket,
      patch: patch as Readonly<Record<string, unknown>>,
      actionFor,
      resourceOf: ticketResource,
      // a new customer brings their level (the caller does not set it; it is decided on)
      derive: async (changes) =>
        'customerId' in changes
          ? {
              customerLevel:
                (await checkReferences(tx, { customerId: changes['customerId'] as string | null }))
                  .customerLevel ?? null,
            }
          : {},
      checkReferences: async (changes) => {
        await checkReferences(tx, { ...(changes as TicketInput), customerId: undefined })
      },
      update: async (changes) => {
        try {
          return await updateTicketRow(
            tx.db,
            tx.actor.companyId,
            id,
            changes as TicketInput & TicketState,
            tx.now,
          )
        } catch (error) {
          throw writeProblem(error, 'an assignee, customer, unit or project named', referencePaths)
        }
      },
    })
    return viewNow(tx, after)
  })
}

const ticketRaced = () =>
  new AppError('conflict', 'the ticket changed meanwhile; read it and try again')

/**
 * Moves a ticket along the workflow. The move must be one `ticketTransitions` lists (409
 * otherwise) and needs its action (`transitionAction`) on the ticket as it is: a closed ticket
 * reopens only where a grant says `ticket.reopen` when closed (P5); escalating sets
 * `escalated`, closing clears it (W4). The write is a compare-and-set on the status it read.
 */
export async function transitionTicket(
  ctx: Ctx,
  id: string,
  to: TicketStatus,
): Promise<TicketView> {
  return inCompany(ctx, async (tx) => {
    const { item } = await ticketRecords.get(tx, id, 'ticket.view', noSuchTicket)
    const from = item.status
    const next = ticketTransitions[from]
    if (!next.includes(to)) {
      throw new AppError('conflict', `a ${from} ticket cannot become ${to}`, {
        errors: [
          {
            path: 'body/status',
            message: `from ${from}: ${next.length > 0 ? next.join(', ') : 'nowhere'}`,
          },
        ],
      })
    }
    const action = transitionAction(to)
    const { after } = await updateThrough(tx, {
      seam: ticketRecords,
      id,
      missing: noSuchTicket,
      patch: transitionChanges(to),
      actionFor: () => action,
      resourceOf: ticketResource,
      workflow: ['status', 'escalated'],
      expect: (now) => {
        if (now.status !== from) throw ticketRaced()
      },
      update: async (changes) => {
        const moved = await updateTicketRow(
          tx.db,
          tx.actor.companyId,
          id,
          changes as { status: TicketStatus },
          tx.now,
          from,
        )
        if (moved === undefined) throw ticketRaced()
        return moved
      },
    })
    await tellWatchers(tx, {
      ticketId: id,
      kind: 'ticket.status_changed',
      fromStatus: from,
      toStatus: to,
    })
    return viewNow(tx, after)
  })
}

export async function deleteTicket(ctx: Ctx, id: string): Promise<void> {
  await inCompany(ctx, (tx) =>
    deleteThrough(tx, {
      seam: ticketRecords,
      id,
      missing: noSuchTicket,
      remove: () => deleteTicketRow(tx.db, tx.actor.companyId, id),
    }),
  )
}

// --- replies -------------------------------------------------------------------------------------

/**
 * The replies of a ticket: the ticket must be one the caller may view (404 otherwise, as an id
 * never issued), and each reply one they may `ticketReply.view`.
 */
export async function listTicketReplies(
  ctx: Ctx,
  ticketId: string,
  page: PageRequest = { limit: 50 },
): Promise<Page<TicketReplyView>> {
  return inCompany(ctx, async (tx) => {
    const ticket = await ticketRecords.get(tx, ticketId, 'ticket.view', noSuchTicket)
    // W5: a share shows the ticket's chosen fields, never its replies
    if (allowedOnlyByShares(ticket.decision)) throw noSuchTicket()
    return ticketReplyRecords.list(tx, 'ticketReply.view', {
      limit: page.limit,
      cursor: page.cursor,
      where: (eb) => eb('ticket_replies.ticket_id', '=', ticketId),
    })
  })
}

/**
 * Replies on a ticket: `ticket.reply` on the ticket (404 when the caller may not view it, 403
 * when they may but not reply: a closed ticket by P5), then `ticketReply.create` on the reply as
 * it would be (its author, the ticket's unit and project). Audited `ticketReply.created`. A
 * return visit (`kind: 'return_visit'`) needs `ticket.returnVisit` instead, which the presets
 * grant on closed tickets only: P5's exception, decided by the engine like the rule.
 */
export async function replyToTicket(
  ctx: Ctx,
  ticketId: string,
  body: string,
  kind: TicketReplyKind = 'reply',
): Promise<TicketReplyView> {
  return inCompany(ctx, async (tx) => {
    const text = body.trim()
    if (text === '') throw invalid([{ path: 'body/body', message: 'must not be blank' }])
    const action = kind === 'reply' ? 'ticket.reply' : 'ticket.returnVisit'
    const { item: ticket } = await ticketRecords.get(tx, ticketId, action, noSuchTicket, {
      recorded: true,
    })
    const authorId = tx.actor.apiKeyId === undefined ? tx.actor.userId : null
    const wouldBe = {
      ticketId,
      authorId,
      orgUnitId: ticket.orgUnitId,
      projectId: ticket.projectId,
      kind,
      body: text,
    }
    const record = ticketReplyResource({ id: '', ...wouldBe })
    const reply = await createThrough(tx, {
      type: 'ticketReply',
      record: { type: 'ticketReply', attrs: { ...record.attrs, id: null } },
      fields: ['body'],
      insert: () => insertReply(tx.db, tx.actor.companyId, wouldBe, tx.now),
    })
    await tellWatchers(tx, { ticketId, kind: 'ticket.replied' })
    const decision = await decisionFor(tx, 'ticketReply.view', ticketReplyResource(reply))
    return decision.allowed ? ticketReplyRecords.view({ item: reply, decision }) : { id: reply.id }
  })
}

// --- bulk ----------------------------------------------------------------------------------------

export type BulkTicketAction =
  { readonly action: 'close' } | { readonly action: 'assign'; readonly assigneeId: string | null }

/** One record's outcome: `ok`, or the problem the single-record route would have answered. */
export interface BulkItemResult {
  readonly id: string
  readonly status: number
  readonly code: 'ok' | AppError['code']
  readonly detail?: string
}

/**
 * Bulk assign or close: every record checked on its own, exactly as PATCH or the close
 * transition would (each in its own transaction: a record's write is all or nothing, the batch
 * is not). A ticket the caller may not view is reported `not_found` like an id never issued.
 * An assignee the caller may not name is refused for the whole request first (404, body path).
 */
export async function bulkTickets(
  ctx: Ctx,
  ids: readonly string[],
  request: BulkTicketAction,
): Promise<BulkItemResult[]> {
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i)
  if (duplicates.length > 0) {
    throw new AppError('validation_failed', 'each id once', {
      errors: [{ path: 'body/ids', message: `named more than once: ${duplicates.join(', ')}` }],
    })
  }
  if (request.action === 'assign' && request.assigneeId !== null) {
    await inCompany(ctx, (tx) => checkReferences(tx, { assigneeId: request.assigneeId }))
  }
  const results: BulkItemResult[] = []
  for (const id of ids) {
    try {
      if (request.action === 'close') await transitionTicket(ctx, id, 'closed')
      else await updateTicket(ctx, id, { assigneeId: request.assigneeId })
      results.push({ id, status: 200, code: 'ok' })
    } catch (error) {
      if (!(error instanceof AppError) || error.status >= 500) throw error
      results.push({ id, status: error.status, code: error.code, detail: error.message })
    }
  }
  return results
}

/**
 * G6 (offboarding): every ticket not closed that `fromId` is assigned goes to `toId`, in the
 * caller's transaction (closed ones keep who worked them). A handover is an assignment: the
 * caller must be allowed `ticket.assign` on every one of them, or nothing moves (403 at `path`,
 * counting the refused tickets without naming them). Answers the ids moved.
 */
export async function handOverTickets(
  tx: TenantCtx,
  fromId: string,
  toId: string,
  path: string,
): Promise<string[]> {
  const { companyId } = tx.actor
  let refused = 0
  for (const row of await openTicketRowsAssignedTo(tx.db, companyId, fromId)) {
    if (!(await decisionFor(tx, 'ticket.assign', ticketRecords.resourceOf(row))).allowed) refused++
  }
  if (refused > 0) {
    throw new AppError('forbidden', 'you may not hand over every ticket they are assigned', {
      errors: [{ path, message: `${refused} ticket(s) you may not reassign` }],
    })
  }
  return reassignOpenTickets(tx.db, companyId, fromId, toId, tx.now)
}
