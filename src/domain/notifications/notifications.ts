/**
 * W6, notification instead of access: a person is told that something they watch changed,
 * without being shown the thing. A notification names the record and the change (a status
 * moved from → to, a reply was added), never its content.
 */
export const notificationKinds = ['ticket.status_changed', 'ticket.replied'] as const
export type NotificationKind = (typeof notificationKinds)[number]

export interface Notification {
  readonly id: string
  readonly kind: NotificationKind
  readonly ticketId: string
  /** `ticket.status_changed`: the status before and after; null otherwise. */
  readonly fromStatus: string | null
  readonly toStatus: string | null
  readonly createdAt: Date
  /** When the recipient marked it read; null while unread. */
  readonly readAt: Date | null
}
