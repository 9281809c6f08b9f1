/**
 * Recordings (G2): metadata of an answered call's audio, read through the seam under the
 * `recording` rules (a novice plays their own, a lead the team's, a QA inspector every one).
 * Playing one is its own action, `recording.play`, and always audited (`recording.played`):
 * the answer is a short-lived URL signed by the telephony adapter.
 */
import type { AttrOf, Projected, Resource } from '../../authz/index.js'
import { AppError } from '../../errors.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx } from '../context.js'
import type { Page, PageRequest } from '../page.js'
import { defineResource, type Narrow } from '../seam/index.js'
import type { Recording } from './calls.js'
import { recordingRowToRecording, recordingRowsOfCall, storageKeyOf } from './calls.repo.js'
import { callRecords } from './calls.service.js'
import { telephony } from './telephony.js'

export type RecordingView = Projected<Recording>

export const recordingRecords = defineResource({
  type: 'recording',
  table: 'recordings',
  toItem: recordingRowToRecording,
  columns: {
    id: 'id',
    agentId: 'agent_id',
    orgUnitId: 'org_unit_id',
    projectId: 'project_id',
    callId: 'call_id',
  },
})

export function recordingResource(r: Pick<Recording, 'id' | AttrOf<'recording'>>): Resource {
  const attrs: Record<AttrOf<'recording'>, string | null> = {
    id: r.id,
    agentId: r.agentId,
    orgUnitId: r.orgUnitId,
    projectId: r.projectId,
    callId: r.callId,
  }
  return { type: 'recording', id: r.id, attrs }
}

const noSuchRecording = () => new AppError('not_found', 'no such recording')

/** The recordings the caller may `recording.view`, one page by id (optionally of one call). */
export async function listRecordings(
  ctx: Ctx,
  filter: { callId?: string | undefined } = {},
  page: PageRequest = { limit: 50 },
): Promise<Page<RecordingView>> {
  return inCompany(ctx, (tx) => {
    const callId = filter.callId
    const where: Narrow<'recordings'> | undefined =
      callId === undefined ? undefined : (eb) => eb('recordings.call_id', '=', callId)
    return recordingRecords.list(tx, 'recording.view', {
      limit: page.limit,
      cursor: page.cursor,
      where,
    })
  })
}

export async function getRecording(ctx: Ctx, id: string): Promise<RecordingView> {
  return inCompany(ctx, async (tx) =>
    recordingRecords.view(await recordingRecords.get(tx, id, 'recording.view', noSuchRecording)),
  )
}

/**
 * A call's recordings the caller may view or play (a novice plays their own without the
 * `recording.view` of QA): the call must be one they may view (404 otherwise).
 */
export async function listCallRecordings(ctx: Ctx, callId: string): Promise<RecordingView[]> {
  return inCompany(ctx, async (tx) => {
    await callRecords.get(tx, callId, 'call.view', () => new AppError('not_found', 'no such call'))
    const rows = await recordingRowsOfCall(tx.db, tx.actor.companyId, callId)
    const viewable = await recordingRecords.keepAllowed(tx, 'recording.view', rows)
    const playable = await recordingRecords.keepAllowed(tx, 'recording.play', rows)
    const shown = new Map(viewable.map((f) => [f.item.id, f]))
    for (const f of playable) if (!shown.has(f.item.id)) shown.set(f.item.id, f)
    return [...shown.values()].map((f) => recordingRecords.view(f))
  })
}

/** How long a playback URL is valid. */
const PLAYBACK_SECONDS = 300

/**
 * G2: plays a recording — `recording.play` on it (404 when the caller may neither view nor play
 * it, 403 when they may view but not play), its `url` field not hidden from them, then an audit
 * event `recording.played` and a playback URL valid for five minutes.
 */
export async function playRecording(
  ctx: Ctx,
  id: string,
): Promise<{ id: string; callId: string; url: string; expiresAt: Date }> {
  return inCompany(ctx, async (tx) => {
    const found = await recordingRecords.get(tx, id, 'recording.play', noSuchRecording, {
      recorded: true,
    })
    if (found.decision.obligations.fields['url'] === 'hidden') {
      throw new AppError('forbidden', 'the recording is hidden from you')
    }
    const key = await storageKeyOf(tx.db, tx.actor.companyId, id)
    if (key === undefined) throw noSuchRecording()
    const expiresAt = new Date(tx.now.getTime() + PLAYBACK_SECONDS * 1000)
    await recordAudit(tx, {
      action: 'recording.played',
      targetType: 'recording',
      targetId: id,
      after: { callId: found.item.callId, ...(tx.meta.reason ? { reason: tx.meta.reason } : {}) },
    })
    return {
      id,
      callId: found.item.callId,
      url: telephony().playbackUrl(key, expiresAt),
      expiresAt,
    }
  })
}
