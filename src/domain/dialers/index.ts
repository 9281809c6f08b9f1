// The dialers module's public face: its repository stays private (docs/resources.md).
export * from './dialers.js'
export {
  countDialers,
  createDialer,
  deleteDialer,
  dialerRecords,
  dialerResource,
  getDialer,
  listDialers,
  normaliseDialer,
  startDialer,
  stopDialer,
  updateDialer,
  type DialerListFilter,
  type DialerView,
} from './dialers.service.js'
