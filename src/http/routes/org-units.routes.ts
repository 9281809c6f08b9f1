import type { App, RouteDeps } from '../types.js'

export function orgUnitsRoutes(_app: App, _deps: RouteDeps): void {}
