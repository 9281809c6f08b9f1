import type { App, RouteDeps } from '../types.js'

export function projectsRoutes(_app: App, _deps: RouteDeps): void {}
