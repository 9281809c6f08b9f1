import { AppError } from '../../errors.js'
import { authorize } from '../access/index.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type Preview, type TenantCtx } from '../context.js'
import { visibleOrgUnit } from '../org-units/index.js'
import { roleById } from '../roles/index.js'
import { userRecords } from '../users/index.js'

// G4 (issue 11 item 3): test a role, simulate a person. A session opens a preview of exactly one
// role (placed in the caller's org unit, or one chosen, with the caller's projects) or exactly
// one person (their roles, groups, grants, unit and projects). The preview is state of the
// session row (migration 0038), read with the session on every request by every process; the
// engine then answers every decision as the preview's AND the caller's own (authz withCeiling,
// domain/access subjectOf), and the HTTP gate refuses every write (http/plugins/auth.ts).

/** How long a preview lasts unless asked otherwise, and at most (minutes). */
export const PREVIEW_DEFAULT_MINUTES = 30
export const PREVIEW_MAX_MINUTES = 240

export interface PreviewInput {
  readonly roleId?: string | undefined
  readonly userId?: string | undefined
  /** A role preview's placement; the caller's own unit when absent. */
  readonly orgUnitId?: string | undefined
  readonly minutes?: number | undefined
}

/** A preview as the API answers it. */
export interface PreviewView {
  readonly kind: 'role' | 'user'
  readonly roleId: string | null
  readonly userId: string | null
  readonly orgUnitId: string | null
  readonly startedAt: string
  readonly expiresAt: string
}

export function previewView(
  p: Pick<Preview, 'roleId' | 'userId' | 'orgUnitId' | 'startedAt' | 'expiresAt'>,
): PreviewView {
  return {
    kind: p.roleId !== null ? 'role' : 'user',
    roleId: p.roleId,
    userId: p.userId,
    orgUnitId: p.orgUnitId,
    startedAt: p.startedAt.toISOString(),
    expiresAt: p.expiresAt.toISOString(),
  }
}

function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', message, { errors: [{ path, message }] })
}

function noSuchRole(): AppError {
  return new AppError('not_found', 'no such role', {
    errors: [{ path: 'body/roleId', message: 'no such role' }],
  })
}

/**
 * `POST /previews`: opens a preview on the caller's session. A role needs `role.preview`, a
 * person `user.impersonate` on them (403 without); a role of another company, or one the caller
 * may not view, is 404 on `body/roleId`; a person they may not view is 404 on `body/userId`; an
 * org unit likewise on `body/orgUnitId`.
 * Audited as `preview.started`. A session already previewing never gets here (read-only).
 */
export async function startPreview(ctx: Ctx, input: PreviewInput): Promise<PreviewView> {
  const { roleId, userId, orgUnitId } = input
  if ((roleId === undefined) === (userId === undefined))
    throw invalid('body', 'give exactly one of roleId and userId')
  if (orgUnitId !== undefined && userId !== undefined)
    throw invalid('body/orgUnitId', 'a person preview is placed where the person is')
  const minutes = input.minutes ?? PREVIEW_DEFAULT_MINUTES
  return inCompany(ctx, async (tx) => {
    await settleExpiredPreview(tx)
    // a role: `role.preview`; a person: `user.impersonate` on them (a data scope: a lead may
    // simulate the people of their team, no one else)
    await authorize(tx, roleId !== undefined ? 'role.preview' : 'user.impersonate')
    // where the subject previewed is placed: the unit chosen, the caller's, or the person's
    let placement = orgUnitId ?? tx.actor.subject?.orgUnitId ?? null
    if (roleId !== undefined) {
      const role = await roleById(tx.db, tx.actor.companyId, roleId)
      if (role === undefined) throw noSuchRole()
      await authorize(tx, 'role.view', { type: 'role', id: role.id }).catch((error: unknown) => {
        throw error instanceof AppError && error.code === 'not_found' ? noSuchRole() : error
      })
      await authorize(tx, 'role.preview', {
        type: 'role',
        id: role.id,
        attrs: { id: role.id, kind: role.kind },
      })
      if (orgUnitId !== undefined) await visibleOrgUnit(tx, orgUnitId, 'body/orgUnitId')
    } else {
      // 404 when they may not see the person, 403 when they see but may not simulate them;
      // `preview.started` below is the audit this high-risk action asks for
      const person = await userRecords.get(
        tx,
        userId as string,
        'user.impersonate',
        () =>
          new AppError('not_found', 'no such user', {
            errors: [{ path: 'body/userId', message: 'no such user' }],
          }),
        { recorded: true },
      )
      placement = person.item.orgUnitId
    }
    const startedAt = tx.now
    const expiresAt = new Date(tx.now.getTime() + minutes * 60_000)
    await setPreview(tx, {
      preview_role_id: roleId ?? null,
      preview_user_id: userId ?? null,
      preview_org_unit_id: orgUnitId ?? null,
      preview_started_at: startedAt,
      preview_expires_at: expiresAt,
    })
    const view: PreviewView = {
      kind: roleId !== undefined ? 'role' : 'user',
      roleId: roleId ?? null,
      userId: userId ?? null,
      orgUnitId: placement,
      startedAt: startedAt.toISOString(),
      expiresAt: expiresAt.toISOString(),
    }
    await recordAudit(tx, {
      action: 'preview.started',
      targetType: roleId !== undefined ? 'role' : 'user',
      targetId: (roleId ?? userId) as string,
      after: view,
    })
    return view
  })
}

/**
 * Issue 11: a preview past its end is over by the clock already (the session loads none); its
 * end is recorded — the session row cleared, `preview.ended` audited with `how: "expired"` —
 * the next time the caller's session touches previews (`GET`, `POST` or `DELETE /previews…`) or
 * logs out. No job runs; at most once (the row is cleared in the same transaction).
 */
export async function settleExpiredPreview(tx: TenantCtx): Promise<void> {
  if (tx.actor.sessionId === undefined) return
  const row = await tx.db
    .selectFrom('sessions')
    .select([
      'preview_role_id',
      'preview_user_id',
      'preview_org_unit_id',
      'preview_started_at',
      'preview_expires_at',
    ])
    .where('company_id', '=', tx.actor.companyId)
    .where('id', '=', tx.actor.sessionId)
    .forUpdate()
    .executeTakeFirst()
  const expiresAt = row?.preview_expires_at ?? null
  if (row === undefined || expiresAt === null || expiresAt.getTime() > tx.now.getTime()) return
  if (row.preview_role_id === null && row.preview_user_id === null) return
  await endIn(
    tx,
    {
      roleId: row.preview_role_id,
      userId: row.preview_user_id,
      orgUnitId: row.preview_org_unit_id,
      startedAt: row.preview_started_at ?? expiresAt,
      expiresAt,
    },
    'expired',
  )
}

/** `GET /previews/current`: the preview the caller's session has open; 404 when none. */
export async function currentPreview(ctx: Ctx): Promise<PreviewView> {
  const preview = ctx.actor.preview
  if (preview === undefined) {
    await inCompany(ctx, settleExpiredPreview)
    throw new AppError('not_found', 'no preview is open')
  }
  return previewView(preview)
}

/** `DELETE /previews/current`: ends the session's preview (404 when none); `preview.ended`. */
export async function endPreview(ctx: Ctx): Promise<void> {
  const preview = ctx.actor.preview
  if (preview === undefined) {
    await inCompany(ctx, settleExpiredPreview)
    throw new AppError('not_found', 'no preview is open')
  }
  await inCompany(ctx, (tx) => endIn(tx, preview, 'ended'))
}

/**
 * Ends `preview` in the caller's transaction and audits it (`how`: ended, logout). Logout calls
 * it with the session's revocation.
 */
export async function endIn(
  tx: TenantCtx,
  preview: Pick<Preview, 'roleId' | 'userId' | 'orgUnitId' | 'startedAt' | 'expiresAt'>,
  how: 'ended' | 'logout' | 'expired',
) {
  await setPreview(tx, {
    preview_role_id: null,
    preview_user_id: null,
    preview_org_unit_id: null,
    preview_started_at: null,
    preview_expires_at: null,
  })
  await recordAudit(tx, {
    action: 'preview.ended',
    targetType: preview.roleId !== null ? 'role' : 'user',
    targetId: (preview.roleId ?? preview.userId) as string,
    before: previewView(preview),
    after: { how },
  })
}

async function setPreview(
  tx: TenantCtx,
  values: {
    preview_role_id: string | null
    preview_user_id: string | null
    preview_org_unit_id: string | null
    preview_started_at: Date | null
    preview_expires_at: Date | null
  },
): Promise<void> {
  await tx.db
    .updateTable('sessions')
    .set(values)
    .where('company_id', '=', tx.actor.companyId)
    .where('id', '=', tx.actor.sessionId)
    .execute()
}
