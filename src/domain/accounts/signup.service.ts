import { randomUUID } from 'node:crypto'
import { withCompany } from '../../db/index.js'
import { AppError } from '../../errors.js'
import { appendAudit } from '../audit/index.js'
import { assertTimeZone, createCompany, freeCompanySlug, type Company } from '../companies/index.js'
import type { AnonymousCtx } from '../context.js'
import { setUpCompanyPositions } from '../positions/index.js'
import { assignRoleUnchecked, setUpCompanyRoles } from '../roles/index.js'
import { addUser } from '../users/index.js'
import type { SignupResult } from './accounts.js'
import { openSession } from './open-session.js'
import { hashPassword, passwordProblems } from './password.js'

export interface SignupInput {
  readonly companyName: string
  readonly name: string
  readonly email: string
  readonly password: string
  readonly timezone?: string | undefined
}

/**
 * R1: creates a company with a free slug derived from its name, its built-in roles, and its
 * first user holding the built-in Admin role, logged in; all in one transaction, audited.
 */
export async function signup(ctx: AnonymousCtx, input: SignupInput): Promise<SignupResult> {
  const problems = passwordProblems(input.password, input)
  if (problems.length > 0) {
    throw new AppError('validation_failed', 'the password does not meet the policy', {
      errors: problems.map((message) => ({ path: 'body/password', message })),
    })
  }
  const timeZone = input.timezone ?? 'UTC'
  assertTimeZone(timeZone)
  const passwordHash = await hashPassword(input.password)
  for (let attempt = 0; ; attempt++) {
    const slug = await freeCompanySlug(ctx.db, input.companyName)
    try {
      return await createCompanyWithAdmin(ctx, { ...input, slug, timeZone, passwordHash })
    } catch (error) {
      // Another sign-up took the slug between our look and our insert: look again.
      if (attempt < 3 && isUniqueViolation(error, 'companies_slug_key')) continue
      throw error
    }
  }
}

async function createCompanyWithAdmin(
  ctx: AnonymousCtx,
  input: SignupInput & { slug: string; timeZone: string; passwordHash: string },
): Promise<SignupResult> {
  const companyId = randomUUID()
  return withCompany(ctx.db, companyId, async (trx) => {
    const { now, meta } = ctx
    const company: Company = await createCompany(
      trx,
      { id: companyId, slug: input.slug, name: input.companyName, timeZone: input.timeZone },
      now,
    )
    const roles = await setUpCompanyRoles(trx, companyId, now)
    await setUpCompanyPositions(trx, companyId, now)
    const user = await addUser(
      trx,
      companyId,
      { email: input.email, name: input.name, passwordHash: input.passwordHash, level: 'admin' },
      now,
    )
    await assignRoleUnchecked(trx, companyId, user.id, roles.Admin, now)
    const session = await openSession(trx, { companyId, userId: user.id, now, meta })
    const audit = (action: string, targetType: string, targetId: string, after: unknown) =>
      appendAudit(trx, {
        companyId,
        occurredAt: now,
        actorUserId: user.id,
        action,
        targetType,
        targetId,
        after,
        ip: meta.ip,
        sessionId: session.sessionId,
        requestId: meta.requestId,
        clientRequestId: meta.clientRequestId ?? null,
      })
    await audit('company.created', 'company', companyId, { slug: company.slug, name: company.name })
    await audit('user.created', 'user', user.id, { email: user.email, name: user.name })
    await audit('user.role_assigned', 'user', user.id, { roleId: roles.Admin, role: 'Admin' })
    await audit('session.opened', 'session', session.sessionId, { via: 'signup' })
    return { ...session, user, company, mfaEnrolmentRequired: false }
  })
}

function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string }
  return e.code === '23505' && e.constraint === constraint
}
