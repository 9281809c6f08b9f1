import type { Generated, Selectable } from 'kysely'
import type { CustomerLevel } from './customers.js'

export interface CustomersTable {
  id: string
  company_id: string
  name: string
  phone: string | null
  email: string | null
  id_number: string | null
  bank_card: string | null
  region_id: string | null
  branch_id: string | null
  org_unit_id: string | null
  level: CustomerLevel
  tags: string[]
  owner_id: string | null
  project_id: string | null
  created_at: Generated<Date>
  updated_at: Generated<Date>
}

export type CustomerRow = Selectable<CustomersTable>
