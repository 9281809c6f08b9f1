// The sales tables, private to this module: only its services import it (docs/resources.md).
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { ApprovalStatus, Contract, Lead, LeadStatus, Opportunity, Quote } from './sales.js'
import type { ContractRow, LeadRow, OpportunityRow, QuoteRow } from './sales.table.js'

type Db = Kysely<Database>
export type SalesTable = 'leads' | 'opportunities' | 'quotes' | 'contracts'

const owned = (row: LeadRow | OpportunityRow | QuoteRow | ContractRow) => ({
  id: row.id,
  ownerId: row.owner_id,
  orgUnitId: row.org_unit_id,
  projectId: row.project_id,
  createdBy: row.created_by,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export function leadRowToLead(row: LeadRow): Lead {
  return {
    ...owned(row),
    name: row.name,
    phone: row.phone,
    email: row.email,
    source: row.source,
    status: row.status,
  }
}

export function opportunityRowToOpportunity(row: OpportunityRow): Opportunity {
  return {
    ...owned(row),
    name: row.name,
    stage: row.stage,
    amount: Number(row.amount),
    customerId: row.customer_id,
  }
}

export function quoteRowToQuote(row: QuoteRow): Quote {
  return {
    ...owned(row),
    name: row.name,
    amount: Number(row.amount),
    opportunityId: row.opportunity_id,
    status: row.status,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
  }
}

export function contractRowToContract(row: ContractRow): Contract {
  return {
    ...owned(row),
    name: row.name,
    amount: Number(row.amount),
    quoteId: row.quote_id,
    opportunityId: row.opportunity_id,
    status: row.status,
    approvedBy: row.approved_by,
    approvedAt: row.approved_at,
  }
}

/** Domain field → column, for every field a write may set on any of the four tables. */
const columnOf: Readonly<Record<string, string>> = {
  name: 'name',
  phone: 'phone',
  email: 'email',
  source: 'source',
  status: 'status',
  stage: 'stage',
  amount: 'amount',
  customerId: 'customer_id',
  opportunityId: 'opportunity_id',
  quoteId: 'quote_id',
  ownerId: 'owner_id',
  orgUnitId: 'org_unit_id',
  projectId: 'project_id',
  approvedBy: 'approved_by',
  approvedAt: 'approved_at',
}

/** A change (domain names) → its columns; a key this module does not write is an error. */
function columnsOf(changes: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue
    const column = columnOf[key]
    if (column === undefined) throw new Error(`sales: no column for ${key}`)
    out[column] = value
  }
  return out
}

const mappers = {
  leads: leadRowToLead,
  opportunities: opportunityRowToOpportunity,
  quotes: quoteRowToQuote,
  contracts: contractRowToContract,
} as const
type ItemOf<T extends SalesTable> = ReturnType<(typeof mappers)[T]>

// Kysely's table types do not narrow through a type parameter: the four tables are written
// through one untyped builder here, every key mapped by `columnOf` above.
type Loose = Kysely<{ sales: Record<string, unknown> }>

/** A new record of `table`, created by `createdBy`; the values in domain names. */
export async function insertSalesRow<T extends SalesTable>(
  db: Db,
  table: T,
  companyId: string,
  values: Readonly<Record<string, unknown>>,
  createdBy: string,
  now: Date,
): Promise<ItemOf<T>> {
  const row = await (db as unknown as Loose)
    .insertInto(table as 'sales')
    .values({
      ...columnsOf(values),
      id: randomUUID(),
      company_id: companyId,
      created_by: createdBy,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return (mappers[table] as (r: unknown) => ItemOf<T>)(row)
}

/**
 * Changes one record; with `from`, only while its status is still `from` (a conditional UPDATE:
 * of two approvals at once, the second finds no draft and answers undefined).
 */
export async function updateSalesRow<T extends SalesTable>(
  db: Db,
  table: T,
  companyId: string,
  id: string,
  changes: Readonly<Record<string, unknown>>,
  now: Date,
  from?: ApprovalStatus | LeadStatus,
): Promise<ItemOf<T> | undefined> {
  const row = await (db as unknown as Loose)
    .updateTable(table as 'sales')
    .set({ ...columnsOf(changes), updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .$if(from !== undefined, (q) => q.where('status', '=', from))
    .returningAll()
    .executeTakeFirst()
  return row && (mappers[table] as (r: unknown) => ItemOf<T>)(row)
}

export async function deleteSalesRow(
  db: Db,
  table: SalesTable,
  companyId: string,
  id: string,
): Promise<boolean> {
  const res = await (db as unknown as Loose)
    .deleteFrom(table as 'sales')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return res.numDeletedRows > 0n
}
