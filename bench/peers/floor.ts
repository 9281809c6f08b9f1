/**
 * Not a library: the hand-written floor the issue cites (integer ids, one bitset per role, no
 * strings per check). It shows how far from "a lookup" each engine is.
 */
import type { Config, Loaded } from '../harness.js'
import type { Variant, Workload } from '../workload.js'

export function floorConfig(variant: Variant): Config {
  return {
    library: 'reference',
    name: 'integer bitset floor',
    variant,
    native: true,
    eligible: false,
    note: 'hand-written: role bitsets over integer action ids, integer tenant/team/status compares',
    load(w: Workload): Loaded {
      const words = Math.ceil(w.actions.length / 32)
      const bits = new Uint32Array(w.roles.length * words)
      for (const r of w.roles) {
        for (const a of r.actions) bits[r.index * words + (a >> 5)]! |= 1 << (a & 31)
      }
      const cond = Uint8Array.from(w.roles, (r) => (r.editsTeamTickets ? 1 : 0))
      const userRoles = w.users.map((u) => Int32Array.from(u.roles))
      const userTenant = Int32Array.from(w.users, (u) => u.tenant)
      const userTeam = Int32Array.from(w.users, (u) => u.team)
      const resTenant = Int32Array.from(w.resources, (r) => r.tenant)
      const resTeam = Int32Array.from(w.resources, (r) => r.team)
      const resOpen = Uint8Array.from(w.resources, (r) => (r.status === 'closed' ? 0 : 1))
      const conditional = w.variant === 'conditional'
      const { checkUser: U, checkAction: A, checkResource: R } = w
      const one = (i: number): boolean => {
        const u = U[i] as number
        const res = R[i] as number
        if (resTenant[res] !== userTenant[u]) return false
        const rs = userRoles[u] as Int32Array
        if (conditional) {
          if (resTeam[res] !== userTeam[u] || resOpen[res] === 0) return false
          for (let k = 0; k < rs.length; k++) if (cond[rs[k] as number] === 1) return true
          return false
        }
        const a = A[i] as number
        const word = a >> 5
        const bit = 1 << (a & 31)
        for (let k = 0; k < rs.length; k++) {
          if (((bits[(rs[k] as number) * words + word] as number) & bit) !== 0) return true
        }
        return false
      }
      return {
        run(from, to, out) {
          for (let i = from; i < to; i++) out[i] = one(i) ? 1 : 0
        },
        one,
      }
    },
  }
}
