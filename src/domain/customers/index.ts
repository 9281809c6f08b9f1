// The customers module's public face: its repository stays private (docs/resources.md).
export * from './customers.js'
export {
  addCustomerComplaint,
  addCustomerOrder,
  countCustomers,
  listCustomerComplaints,
  listCustomerOrders,
  customerExportColumns,
  exportCustomers,
  createCustomer,
  customerRecords,
  customerResource,
  deleteCustomer,
  getCustomer,
  handOverCustomers,
  listCustomers,
  normaliseCustomer,
  unmaskCustomerField,
  updateCustomer,
  type CustomerListFilter,
  type CustomerRequest,
  type CustomerView,
} from './customers.service.js'
