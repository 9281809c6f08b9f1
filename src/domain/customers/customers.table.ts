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

export interface CustomerComplaintsTable {
  id: string
  company_id: string
  customer_id: string
  summary: string
  status: 'open' | 'resolved'
  created_by: string | null
  created_at: Generated<Date>
}

export interface CustomerOrdersTable {
  id: string
  company_id: string
  customer_id: string
  order_no: string
  /** In the currency's minor unit (cents, fen, kopecks). */
  amount_minor: number
  currency: string
  status: 'placed' | 'paid' | 'shipped' | 'cancelled' | 'returned'
  ordered_at: Date
  created_by: string | null
  created_at: Generated<Date>
}
