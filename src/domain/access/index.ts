export { authorize, type ResourceRef } from './authorize.js'
