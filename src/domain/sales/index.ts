// The sales module's public face: its repository stays private (docs/resources.md).
export * from './sales.js'
export {
  assignLead,
  countLeads,
  createLead,
  deleteLead,
  exportLeads,
  getLead,
  leadRecords,
  leadResource,
  listLeads,
  normaliseLead,
  updateLead,
  type LeadView,
  type SalesListFilter,
} from './leads.service.js'
export {
  countOpportunities,
  createOpportunity,
  deleteOpportunity,
  exportOpportunities,
  getOpportunity,
  listOpportunities,
  opportunityRecords,
  opportunityResource,
  updateOpportunity,
  type OpportunityView,
} from './opportunities.service.js'
export {
  approveQuote,
  countQuotes,
  createQuote,
  deleteQuote,
  getQuote,
  listQuotes,
  quoteRecords,
  quoteResource,
  updateQuote,
  type QuoteView,
} from './quotes.service.js'
export {
  approveContract,
  contractRecords,
  contractResource,
  countContracts,
  createContract,
  deleteContract,
  getContract,
  listContracts,
  updateContract,
  type ContractView,
} from './contracts.service.js'
