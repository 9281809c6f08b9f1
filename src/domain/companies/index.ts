export { assertTimeZone, slugify, type Company } from './companies.js'
export {
  findCompany,
  findCompanyIdBySlug,
  insertCompany,
  listSlugsLike,
  updateCompanySettings,
} from './companies.repo.js'
