// The queues module's public face: its repository stays private (docs/resources.md).
export * from './queues.js'
export {
  countQueues,
  createQueue,
  deleteQueue,
  getQueue,
  listQueues,
  lockQueue,
  membersOf,
  normaliseQueue,
  noteRung,
  queueRecords,
  queueResource,
  queuesOfMember,
  updateQueue,
  type MembersAdded,
  type QueueListFilter,
  type QueueView,
} from './queues.service.js'
