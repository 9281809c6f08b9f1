// The schedules module's public face: its repository stays private (docs/resources.md).
export * from './shifts.js'
export {
  createShift,
  deleteShift,
  getShift,
  listShifts,
  shiftRecords,
  shiftResource,
  updateShift,
  type NewShift,
  type ShiftListFilter,
  type ShiftView,
} from './shifts.service.js'
