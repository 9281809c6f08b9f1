// The customers table, private to this module: only customers.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely, Updateable } from 'kysely'
import type { Database } from '../database.js'
import type { Customer, CustomerComplaint, CustomerInput, CustomerOrder } from './customers.js'
import type { CustomerRow, CustomersTable } from './customers.table.js'

type Db = Kysely<Database>

export function customerRowToCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    companyId: row.company_id,
    name: row.name,
    phone: row.phone,
    email: row.email,
    idNumber: row.id_number,
    bankCard: row.bank_card,
    region: row.region_id,
    branch: row.branch_id,
    orgUnitId: row.org_unit_id,
    level: row.level,
    tags: row.tags,
    ownerId: row.owner_id,
    projectId: row.project_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** Domain field → column, for the fields a write sets. */
function columnsOf(input: CustomerInput): Updateable<CustomersTable> {
  const set = <T>(v: T | undefined) => v !== undefined
  return {
    ...(set(input.name) && { name: input.name }),
    ...(set(input.phone) && { phone: input.phone }),
    ...(set(input.email) && { email: input.email }),
    ...(set(input.idNumber) && { id_number: input.idNumber }),
    ...(set(input.bankCard) && { bank_card: input.bankCard }),
    ...(set(input.region) && { region_id: input.region }),
    ...(set(input.branch) && { branch_id: input.branch }),
    ...(set(input.orgUnitId) && { org_unit_id: input.orgUnitId }),
    ...(set(input.level) && { level: input.level }),
    ...(set(input.tags) && { tags: [...(input.tags ?? [])] }),
    ...(set(input.ownerId) && { owner_id: input.ownerId }),
    ...(set(input.projectId) && { project_id: input.projectId }),
  }
}

export async function insertCustomer(
  db: Db,
  companyId: string,
  input: CustomerInput & { name: string },
  now: Date,
): Promise<Customer> {
  const row = await db
    .insertInto('customers')
    .values({
      id: randomUUID(),
      company_id: companyId,
      ...columnsOf(input),
      name: input.name,
      level: input.level ?? 'regular',
      tags: [...(input.tags ?? [])],
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow()
  return customerRowToCustomer(row)
}

export async function updateCustomerRow(
  db: Db,
  companyId: string,
  id: string,
  input: CustomerInput,
  now: Date,
): Promise<Customer | undefined> {
  const row = await db
    .updateTable('customers')
    .set({ ...columnsOf(input), updated_at: now })
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst()
  return row && customerRowToCustomer(row)
}

export async function deleteCustomerRow(db: Db, companyId: string, id: string): Promise<boolean> {
  const res = await db
    .deleteFrom('customers')
    .where('company_id', '=', companyId)
    .where('id', '=', id)
    .executeTakeFirst()
  return res.numDeletedRows > 0n
}

// --- history: complaints and orders under a customer ---------------------------------------------

/** One page of a customer's complaints, in id order after `after`. */
export async function listComplaints(
  db: Db,
  companyId: string,
  customerId: string,
  after: string | undefined,
  limit: number,
): Promise<CustomerComplaint[]> {
  const rows = await db
    .selectFrom('customer_complaints')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('customer_id', '=', customerId)
    .$if(after !== undefined, (q) => q.where('id', '>', after as string))
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map((row) => ({
    id: row.id,
    customerId: row.customer_id,
    summary: row.summary,
    status: row.status,
    createdBy: row.created_by,
    createdAt: row.created_at,
  }))
}

/** One page of a customer's orders, in id order after `after`. */
export async function listOrders(
  db: Db,
  companyId: string,
  customerId: string,
  after: string | undefined,
  limit: number,
): Promise<CustomerOrder[]> {
  const rows = await db
    .selectFrom('customer_orders')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('customer_id', '=', customerId)
    .$if(after !== undefined, (q) => q.where('id', '>', after as string))
    .orderBy('id')
    .limit(limit)
    .execute()
  return rows.map((row) => ({
    id: row.id,
    customerId: row.customer_id,
    orderNo: row.order_no,
    amountMinor: Number(row.amount_minor),
    currency: row.currency,
    status: row.status,
    orderedAt: row.ordered_at,
    createdBy: row.created_by,
    createdAt: row.created_at,
  }))
}

export async function insertComplaint(
  db: Db,
  companyId: string,
  input: Pick<CustomerComplaint, 'customerId' | 'summary' | 'createdBy'>,
  now: Date,
): Promise<CustomerComplaint> {
  const id = randomUUID()
  await db
    .insertInto('customer_complaints')
    .values({
      id,
      company_id: companyId,
      customer_id: input.customerId,
      summary: input.summary,
      status: 'open',
      created_by: input.createdBy,
      created_at: now,
    })
    .execute()
  return { id, status: 'open', createdAt: now, ...input }
}

export async function insertOrder(
  db: Db,
  companyId: string,
  input: Omit<CustomerOrder, 'id' | 'createdAt'>,
  now: Date,
): Promise<CustomerOrder> {
  const id = randomUUID()
  await db
    .insertInto('customer_orders')
    .values({
      id,
      company_id: companyId,
      customer_id: input.customerId,
      order_no: input.orderNo,
      amount_minor: input.amountMinor,
      currency: input.currency,
      status: input.status,
      ordered_at: input.orderedAt,
      created_by: input.createdBy,
      created_at: now,
    })
    .execute()
  return { id, createdAt: now, ...input }
}

/** The customers `ownerId` owns, locked (a handover is about to move them). */
export async function customerRowsOwnedBy(
  db: Kysely<Database>,
  companyId: string,
  ownerId: string,
): Promise<CustomerRow[]> {
  return db
    .selectFrom('customers')
    .selectAll()
    .where('company_id', '=', companyId)
    .where('owner_id', '=', ownerId)
    .orderBy('id')
    .forUpdate()
    .execute()
}

/** G6: every customer `fromId` owns becomes `toId`'s; answers the ids moved. */
export async function reassignOwner(
  db: Kysely<Database>,
  companyId: string,
  fromId: string,
  toId: string,
  now: Date,
): Promise<string[]> {
  const rows = await db
    .updateTable('customers')
    .set({ owner_id: toId, updated_at: now })
    .where('company_id', '=', companyId)
    .where('owner_id', '=', fromId)
    .returning('id')
    .execute()
  return rows.map((r) => r.id).sort()
}
