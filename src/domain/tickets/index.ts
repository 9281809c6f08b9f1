// The tickets module's public face: its repository stays private (docs/resources.md).
export * from './tickets.js'
export {
  bulkTickets,
  countTickets,
  createTicket,
  deleteTicket,
  exportTickets,
  getTicket,
  listTicketReplies,
  listTickets,
  normaliseTicket,
  replyToTicket,
  ticketRecords,
  ticketReplyRecords,
  ticketReplyResource,
  ticketResource,
  ticketExportColumns,
  ticketTransitions,
  transitionAction,
  transitionTicket,
  updateTicket,
  type BulkItemResult,
  type BulkTicketAction,
  type TicketListFilter,
  type TicketReplyView,
  type TicketView,
} from './tickets.service.js'
export { addTicketWatcher, listTicketWatchers, removeTicketWatcher } from './watchers.service.js'
