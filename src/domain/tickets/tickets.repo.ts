// The tickets and ticket_replies tables, private to this module: only tickets.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely, Updateable } from 'kysely'
import type { CustomerLevel } from '../customers/index.js'
import type { Database } from '../database.js'
import type { Ticket, TicketInput, TicketReply, TicketStatus } from './tickets.js'
import type { TicketReplyRow, TicketRow, TicketsTable } from './tickets.table.js'

type Db = Kysely<Database>

export function ticketRowToTicket(row: TicketRow): Ticket {
  return {
    id: row.id,
    companyId: row.company_id,
    title: row.title,
    description: row.description,
    status: row.status,
    category: row.category,
    priority: row.priority,
    faultCode: row.fault_code,
    customerLevel: row.customer_level,
    escalated: row.escalated,
    assigneeId: row.assignee_id,
    customerId: row.customer_id,
    orgUnitId: row.org_unit_id,
    projectId: row.project_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

export function replyRowToReply(row: TicketReplyRow): TicketReply {
  return {
    id: row.id,
    companyId: row.company_id,
    ticketId: row.ticket_id,
    authorId: row.author_id,
    orgUnitId: row.org_unit_id,
    projectId: row.project_id,
    kind: row.kind,
    body: row.body,
    createdAt: row.created_at,
  }
}

/** What a write sets besides the request's fields: the workflow and the customer's level. */
export interface TicketState {
  readonly status?: TicketStatus
  readonly escalated?: boolean
  readonly customerLevel?: CustomerLevel | null
}

function columnsOf(input: TicketInput & TicketState): Updateable<TicketsTable> {
  const set = <T>(v: T | undefined) => v !== undefined
  return {
    ...(set(input.title) && { title: input.title }),
    ...(set(input.description) && { description: input.description }),
    ...(set(input.category) && { category: input.category }),
    ...(set(input.priority) && { priority: input.priority }),
    ...(set(input.faultCode) && { fault_code: input.faultCode }),
    ...(set(input.assigneeId) && { assignee_id: input.assigneeId }),
    ...(set(input.customerId) && { customer_id: input.customerId }),
    ...(set(input.orgUnitId) && { org_unit_id: input.orgUnitId }),
    ...(set(input.projectId) && { project_id: input.projectId }),
    ...(set(input.status) && { status: input.status }),
    ...(set(input.escalated) && { escalated: input.escalated }),
    ...(set(input.customerLevel) && { customer_level: input.customerLevel }),
  }
}

export async function insertTicket(
  db: Db,
  companyId: string,
  input: TicketInput & TicketState & { title: string },
  now: Date,
): Promise<Ticket> {
  const row = await db
    .insertInto('tickets')
    .values({
      id: randomUUID(),
      company_id: companyId,
      ...columnsOf(input),
      title: input.title,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return ticketRowToTicket(row)
}

/**
 * Updates a ticket; with `fromStatus`, only while it still has that status (a transition is a
 * compare-and-set: two people closing and escalating at once cannot both win). A changed unit or
 * project is carried to the ticket's replies, whose scopes read them.
 */
export async function updateTicketRow(
  db: Db,
  companyId: string,
  id: string,
  input: TicketInput & TicketState,
  now: Date,
  fromStatus?: TicketStatus,
): Promise<Ticket | undefined> {
  let query = db
    .updateTable('tickets')
    .set({ ...columnsOf(input), updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
  if (fromStatus !== undefined) query = query.where('status', '=', fromStatus)
  const row = await query.returningAll().executeTakeFirst()
  if (row === undefined) return undefined
  if (input.orgUnitId !== undefined || input.projectId !== undefined) {
    await db
      .updateTable('ticket_replies')
      .set({ org_unit_id: row.org_unit_id, project_id: row.project_id })
      .where('company_id', '=', companyId)
      .where('ticket_id', '=', id)
      .execute()
  }
  return ticketRowToTicket(row)
}

export async function deleteTicketRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('tickets')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return res.numDeletedRows > 0n
}

export async function insertReply(
  db: Db,
  companyId: string,
  reply: Pick<TicketReply, 'ticketId' | 'authorId' | 'orgUnitId' | 'projectId' | 'kind' | 'body'>,
  now: Date,
): Promise<TicketReply> {
  const row = await db
    .insertInto('ticket_replies')
    .values({
      id: randomUUID(),
      company_id: companyId,
      ticket_id: reply.ticketId,
      author_id: reply.authorId,
      org_unit_id: reply.orgUnitId,
      project_id: reply.projectId,
      kind: reply.kind,
      body: reply.body,
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return replyRowToReply(row)
}

/** The tickets not closed that `assigneeId` is assigned, locked (a handover is about to move them). */
export async function openTicketRowsAssignedTo(
  db: Kysely<Database>,
  companyId: string,
  assigneeId: string,
): Promise<TicketRow[]> {
  return db
    .selectFrom('tickets')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('assignee_id', '=', assigneeId)
    .where('status', '<>', 'closed')
    .orderBy('id')
    .forUpdate()
    .execute()
}

/** G6: every ticket not closed that `fromId` is assigned becomes `toId`'s; answers the ids. */
export async function reassignOpenTickets(
  db: Kysely<Database>,
  companyId: string,
  fromId: string,
  toId: string,
  now: Date,
): Promise<string[]> {
  const rows = await db
    .updateTable('tickets')
    .set({ assignee_id: toId, updated_at: now })
    .where('company_id', '=', companyId)
    .where('assignee_id', '=', fromId)
    .where('status', '<>', 'closed')
    .returning('id')
    .execute()
  return rows.map((r) => r.id).sort()
}
