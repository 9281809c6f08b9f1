// The calls module's public face: its repository stays private (docs/resources.md).
export * from './calls.js'
export {
  answerCall,
  callRecords,
  callResource,
  callExportColumns,
  countCalls,
  dial,
  exportCalls,
  getCall,
  hangUpCall,
  listCalls,
  myLines,
  placeCall,
  setCallNotes,
  type MyLines,
  type CallListFilter,
  type CallView,
} from './calls.service.js'
export {
  getRecording,
  listCallRecordings,
  listRecordings,
  playRecording,
  recordingRecords,
  recordingResource,
  type RecordingView,
} from './recordings.service.js'
export { simulatedTelephony, telephony, useTelephony, type TelephonyAdapter } from './telephony.js'
export { offerQueueCalls, offerWidened } from './ring.js'
export { startQueueSweep, sweepWaitingCalls, type QueueSweep, type SweepCtx } from './sweep.js'
export {
  listQueuedCalls,
  routeInbound,
  type InboundOutcome,
  type QueuedCall,
} from './inbound.service.js'
