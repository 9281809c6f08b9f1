export * from './roles.js'
// The roles service and routes come with the engine wiring; until then other modules use
// these storage functions directly.
export * from './roles.repo.js'
