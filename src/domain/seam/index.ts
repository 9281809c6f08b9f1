export {
  defineResource,
  type Found,
  type ListRequest,
  type Narrow,
  type ResourceSeam,
  type ResourceSpec,
} from './define-resource.js'
