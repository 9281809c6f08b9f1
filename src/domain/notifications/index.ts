// The notifications module's public face: its repository stays private, except the fan-out
// a module that owns watchers calls inside its own transaction.
export * from './notifications.js'
export { notifyTicketWatchers } from './notifications.repo.js'
export {
  listMyNotifications,
  readNotification,
  type NotificationPage,
} from './notifications.service.js'
