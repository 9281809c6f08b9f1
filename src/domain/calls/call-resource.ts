import type { AttrOf, Resource } from '../../authz/index.js'
import type { Call } from './calls.js'

/** A call as the engine sees it: the same attributes the seam reads from the row. */
export function callResource(c: Pick<Call, 'id' | AttrOf<'call'>>): Resource {
  const attrs: Record<AttrOf<'call'>, string | number | boolean | null> = {
    id: c.id,
    agentId: c.agentId,
    orgUnitId: c.orgUnitId,
    projectId: c.projectId,
    direction: c.direction,
    status: c.status,
    durationSec: c.durationSec,
    customerId: c.customerId,
    blacklisted: c.blacklisted,
  }
  return { type: 'call', id: c.id, attrs }
}
