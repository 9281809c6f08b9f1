// The customers table, private to this module: only customers.service.ts imports it.
import { randomUUID } from 'node:crypto'
import type { Kysely, Updateable } from 'kysely'
import type { Database } from '../database.js'
import type { Customer, CustomerInput } from './customers.js'
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
