import type { App, RouteDeps } from '../types.js'

export function rolesRoutes(_app: App, _deps: RouteDeps): void {}
