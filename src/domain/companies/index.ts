export { assertTimeZone, slugify, type Company } from './companies.js'
export {
  companyById,
  companyIdBySlug,
  createCompany,
  freeCompanySlug,
  lockedCompanySettings,
  mergeCompanySettings,
  type NewCompany,
} from './companies.service.js'
