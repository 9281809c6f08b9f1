export * from './policy.service.js'
