// The notifications module's public face (its repository stays private), with the fan-out a
// module that owns watchers calls inside its own transaction.
export * from './notifications.js'
export {
  listMyNotifications,
  notifyTicketWatchers,
  readNotification,
  type NotificationPage,
} from './notifications.service.js'
