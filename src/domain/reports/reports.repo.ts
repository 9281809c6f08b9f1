// The reports' aggregates, private to this module: only reports.service.ts imports it.
import { sql, type Kysely } from 'kysely'
import type { Database } from '../database.js'

type Db = Kysely<Database>

export interface UnitRow {
  readonly id: string
  readonly name: string
}

export async function listUnits(db: Db, companyId: string): Promise<UnitRow[]> {
  return db
    .selectFrom('org_units')
    .select(['id', 'name'])
    .where('company_id', '=', companyId)
    .orderBy('name')
    .orderBy('id')
    .execute()
}

export interface Aggregate {
  readonly orgUnitId: string | null
  readonly calls: number
  readonly connected: number
  readonly averageHandleSeconds: number | null
  readonly ticketsOpened: number
  readonly ticketsOpenNow: number
}

/**
 * Calls and tickets per team over [from, to), for the named teams only (and the work of no
 * team when `noTeam`). One statement; the teams were chosen by the engine before.
 */
export async function aggregate(
  db: Db,
  companyId: string,
  units: readonly string[],
  noTeam: boolean,
  from: Date,
  to: Date,
): Promise<Aggregate[]> {
  if (units.length === 0 && !noTeam) return []
  const unitList = units.length === 0 ? sql`null` : sql.join(units.map((u) => sql`${u}`))
  const inScope = (column: string) =>
    noTeam
      ? sql`(${sql.ref(column)} in (${unitList}) or ${sql.ref(column)} is null)`
      : sql`${sql.ref(column)} in (${unitList})`
  const result = await sql<{
    org_unit_id: string | null
    calls: string
    connected: string
    handle: string | null
    opened: string
    open_now: string
  }>`
    with c as (
      select coalesce(org_unit_id, '') as k, count(*) as calls, count(answered_at) as connected,
        avg(extract(epoch from ended_at - answered_at))
          filter (where answered_at is not null and ended_at is not null) as handle
      from calls
      where company_id = ${companyId} and ${inScope('org_unit_id')}
        and started_at >= ${from} and started_at < ${to}
      group by 1
    ), t as (
      select coalesce(org_unit_id, '') as k,
        count(*) filter (where created_at >= ${from} and created_at < ${to}) as opened,
        count(*) filter (where status not in ('resolved', 'closed')) as open_now
      from tickets
      where company_id = ${companyId} and ${inScope('org_unit_id')}
      group by 1
    )
    select nullif(coalesce(c.k, t.k), '') as org_unit_id,
      coalesce(c.calls, 0) as calls, coalesce(c.connected, 0) as connected, c.handle,
      coalesce(t.opened, 0) as opened, coalesce(t.open_now, 0) as open_now
    from c full join t on c.k = t.k`.execute(db)
  return result.rows.map((r) => ({
    orgUnitId: r.org_unit_id,
    calls: Number(r.calls),
    connected: Number(r.connected),
    averageHandleSeconds: r.handle === null ? null : Math.round(Number(r.handle) * 10) / 10,
    ticketsOpened: Number(r.opened),
    ticketsOpenNow: Number(r.open_now),
  }))
}
