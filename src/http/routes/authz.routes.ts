import type { App, RouteDeps } from '../types.js'

export function authzRoutes(_app: App, _deps: RouteDeps): void {}
