/** Tickets (issue 10 part 2, P4, P5, W4): a ticket of the company, before projection. */
import type { CustomerLevel } from '../customers/index.js'

/** The workflow: new → processing → escalated → resolved → closed → reopened (→ processing …). */
export const ticketStatuses = [
  'new',
  'processing',
  'escalated',
  'resolved',
  'closed',
  'reopened',
] as const
export type TicketStatus = (typeof ticketStatuses)[number]

/** 1 low, 2 normal, 3 high, 4 urgent. */
export const ticketPriorities = [1, 2, 3, 4] as const
export type TicketPriority = (typeof ticketPriorities)[number]

export interface Ticket {
  readonly id: string
  readonly companyId: string
  readonly title: string
  readonly description: string
  readonly status: TicketStatus
  readonly category: string | null
  readonly priority: number
  /** Upper-case code (`E-1042`); P4: only tech support edits it. */
  readonly faultCode: string | null
  /** The customer's level when the ticket was opened; P4: hidden except from the VIP team. */
  readonly customerLevel: CustomerLevel | null
  /** W4: escalated to tech (set by escalate, cleared by close): the tech preset reads it. */
  readonly escalated: boolean
  /** The user working the ticket: the `own` scope reads it. */
  readonly assigneeId: string | null
  readonly customerId: string | null
  /** The team (org unit) the ticket belongs to: `team` / `subtree` scopes read it. */
  readonly orgUnitId: string | null
  readonly projectId: string | null
  readonly createdAt: Date
  readonly updatedAt: Date
}

/** What a create or an update sets (validated and normalised by the service). */
export interface TicketInput {
  readonly title?: string
  readonly description?: string
  readonly category?: string | null
  readonly priority?: number
  readonly faultCode?: string | null
  readonly assigneeId?: string | null
  readonly customerId?: string | null
  readonly orgUnitId?: string | null
  readonly projectId?: string | null
}

/** A reply, or a return visit (the customer called back after closing: `ticket.returnVisit`). */
export const ticketReplyKinds = ['reply', 'return_visit'] as const
export type TicketReplyKind = (typeof ticketReplyKinds)[number]

/** A reply on a ticket (the `ticketReply` type). */
export interface TicketReply {
  readonly id: string
  readonly companyId: string
  readonly ticketId: string
  readonly authorId: string | null
  readonly orgUnitId: string | null
  readonly projectId: string | null
  readonly kind: TicketReplyKind
  readonly body: string
  readonly createdAt: Date
}

/**
 * W6: a person, or a whole team (org unit), told of the ticket's status changes and new
 * replies (GET /notifications), whether or not they may open the ticket.
 */
export interface TicketWatcher {
  readonly id: string
  readonly ticketId: string
  /** A person watching; null when a team is. */
  readonly userId: string | null
  /** A team watching: its members (the unit itself, not the units under it); null for a person. */
  readonly orgUnitId: string | null
  readonly addedBy: string | null
  readonly createdAt: Date
}
