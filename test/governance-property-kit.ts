/**
 * What the governance property tests share (test/approvals-property.test.ts,
 * test/governance-property.test.ts): the people whose steps are generated — the non-admins of
 * the governance world — a snapshot of what each of them may do on a fixed universe of
 * customers (asked of the engine through the decision API, as the admin), and the invariant
 * checked after every step: whatever a step gave someone, the step's actor (the approver or
 * granter) held just before, at least as openly.
 */
import { expect } from 'vitest'
import type { governanceWorld } from './governance-setup.js'

export type World = Awaited<ReturnType<typeof governanceWorld>>

/** The non-admins of the world, by name: who every generated step is done by. */
export function nonAdmins(w: World) {
  const { sam, nia, lee, lou, oscar } = w
  return { sam, nia, lee, lou, oscar }
}
export type People = ReturnType<typeof nonAdmins>
export type Name = keyof People
export const names: readonly Name[] = ['sam', 'nia', 'lee', 'lou', 'oscar']

/** The customers asked about: one of team one (sam owns it), one of team two. */
export function customerRecords(w: World) {
  return [
    { id: w.customer.id, attrs: { id: w.customer.id, orgUnitId: w.t1, ownerId: w.sam.id } },
    { id: w.other.id, attrs: { id: w.other.id, orgUnitId: w.t2, ownerId: null } },
  ]
}

const rank: Record<string, number> = { hidden: 0, masked: 1, read: 2, edit: 3 }

/** person → `action record` → the ID number's level (−1: not allowed). */
export type Snapshot = Map<Name, Map<string, number>>

/** A snapshot of every person × action × customer: one batch question to the decision API. */
export function snapshotter(
  w: World,
  actions: readonly string[],
  records: readonly { id: string; attrs: Record<string, unknown> }[] = customerRecords(w),
): () => Promise<Snapshot> {
  const people = nonAdmins(w)
  return async () => {
    const questions = names.flatMap((n) =>
      actions.flatMap((action) =>
        records.map((r) => ({
          subject: { userId: people[n].id },
          action,
          resource: { type: 'customer', id: r.id, attrs: r.attrs },
        })),
      ),
    )
    const res = await w.asA('POST', '/api/v1/authz/check', { checks: questions })
    expect(res.statusCode, res.body).toBe(200)
    const results = res.json().results as {
      allowed: boolean
      obligations: { fields: Record<string, string> }
    }[]
    const out: Snapshot = new Map(names.map((n) => [n, new Map()]))
    questions.forEach((q, i) => {
      const d = results[i]
      const name = names.find((n) => people[n].id === q.subject.userId) as Name
      const level = d?.allowed ? (rank[d.obligations.fields['idNumber'] ?? 'masked'] ?? 1) : -1
      out.get(name)?.set(`${q.action} ${q.resource.id}`, level)
    })
    return out
  }
}

/**
 * The invariant after a step: whatever anyone gained (an action on a customer, or a more revealing
 * ID number), the step's actor held just before, at least as openly. `actor` undefined: the step
 * gave nothing (nobody may gain anything). By induction, nobody ends up with access nobody held
 * at the start.
 */
export function expectNothingFromNothing(
  before: Snapshot,
  after: Snapshot,
  actor: Name | undefined,
  step: string,
): void {
  for (const n of names) {
    for (const [key, level] of after.get(n) ?? []) {
      const was = before.get(n)?.get(key) ?? -1
      if (level <= was) continue
      expect(actor, `${n} gained ${key} (${step}) with nobody giving it`).toBeDefined()
      const held = before.get(actor as Name)?.get(key) ?? -1
      expect(held, `${n} gained ${key} (${level}) from ${actor} (${held})`).toBeGreaterThanOrEqual(
        level,
      )
    }
  }
}
