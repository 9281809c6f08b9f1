import type { App, RouteDeps } from '../types.js'

export function usersRoutes(_app: App, _deps: RouteDeps): void {}
