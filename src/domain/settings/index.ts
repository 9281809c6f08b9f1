// The settings sections' public face (finance, KPI, security: R1, P1).
export * from './settings.js'
export { getSettings, putSettings } from './settings.service.js'
