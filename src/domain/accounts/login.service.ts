import type { Transaction } from 'kysely'
import { withCompany } from '../../db/index.js'
import type { Database } from '../database.js'
import { AppError } from '../../errors.js'
import { appendAudit } from '../audit/index.js'
import { companyById, companyIdBySlug } from '../companies/index.js'
import type { AnonymousCtx } from '../context.js'
import { userRequiresMfa } from '../roles/index.js'
import { userById } from '../users/index.js'
import type { AuthResult } from './accounts.js'
import {
  findCredentialsByEmail,
  lockCredentials,
  updateCredentials,
  type Credentials,
} from './credentials.repo.js'
import type { LoginLimiter } from './login-limiter.js'
import { loginRefusal, type LoginRefusal } from './login-restrictions.js'
import { openSession } from './open-session.js'
import { verifyAgainstDummy, verifyPassword } from './password.js'
import { clientKey } from './client-key.js'
import type { SecretBox } from './secret-box.js'
import { securityPolicy } from './security-policy.js'
import { checkTotp, hashRecoveryCode } from './totp.js'

export interface LoginInput {
  /** The company's slug. */
  readonly company: string
  readonly email: string
  readonly password: string
  /** A TOTP code or a recovery code, when MFA is on. */
  readonly totp?: string | undefined
}

const invalidCredentials = () =>
  new AppError('not_authenticated', 'the company, email or password is not correct')

const refusalMessages: Record<LoginRefusal, string> = {
  outside_hours: 'logins are not allowed at this time (company login hours)',
  ip_not_allowed: 'logins are not allowed from this network address',
  restrictions_invalid: 'the login restrictions for this account are not valid; ask an admin',
}

/** S15: login opens TOTP secrets with the server's box. */
type LoginCtx = AnonymousCtx & { readonly secrets: SecretBox }

type Outcome = { ok: AuthResult } | { error: AppError }

/**
 * Password login, then (P6/P7) hours and network restrictions, then (G10) the second factor.
 * Every attempt that reaches a company is audited; failures are committed (counter, lockout,
 * audit) before the error is thrown, so a rejected login still leaves its trace.
 */
export async function login(
  ctx: LoginCtx & { limiter: LoginLimiter },
  input: LoginInput,
): Promise<AuthResult> {
  const email = input.email.trim().toLowerCase()
  const allowed =
    (await ctx.limiter.consume(ctx.db, `ip:${clientKey(ctx.meta.ip)}`, ctx.now)) &&
    (await ctx.limiter.consume(ctx.db, `account:${input.company}:${email}`, ctx.now))
  if (!allowed) {
    throw new AppError('rate_limited', 'too many login attempts; wait a minute', {
      retryAfter: ctx.limiter.windowMs / 1000,
    })
  }
  const companyId = await companyIdBySlug(ctx.db, input.company)
  if (companyId === undefined) {
    await verifyAgainstDummy(input.password)
    throw invalidCredentials()
  }
  const outcome = await withCompany(ctx.db, companyId, (trx) =>
    attempt(trx, ctx, companyId, { ...input, email }),
  )
  if ('error' in outcome) throw outcome.error
  return outcome.ok
}

async function attempt(
  trx: Transaction<Database>,
  ctx: LoginCtx,
  companyId: string,
  input: LoginInput,
): Promise<Outcome> {
  const { now, meta } = ctx
  const audit = (action: string, userId: string | null, after: unknown, sessionId?: string) =>
    appendAudit(trx, {
      companyId,
      occurredAt: now,
      actorUserId: userId,
      action,
      targetType: 'user',
      targetId: userId,
      after,
      ip: meta.ip,
      sessionId: sessionId ?? null,
      requestId: meta.requestId,
      clientRequestId: meta.clientRequestId ?? null,
    })
  const fail = async (cred: Credentials | undefined, reason: string, error: AppError) => {
    await audit('auth.login_failed', cred?.userId ?? null, { email: input.email, reason })
    return { error }
  }
  const countFailure = async (cred: Credentials, reason: string, error: AppError) => {
    const failed = cred.failedLogins + 1
    const lock = failed >= securityPolicy.maxFailedLogins
    const lockedUntil = new Date(now.getTime() + securityPolicy.lockoutMs)
    await updateCredentials(trx, ctx.secrets, companyId, cred.userId, {
      failedLogins: lock ? 0 : failed,
      lockedUntil: lock ? lockedUntil : null,
    })
    const outcome = await fail(cred, reason, error)
    if (lock) await audit('auth.locked', cred.userId, { until: lockedUntil.toISOString() })
    return outcome
  }

  const found = await findCredentialsByEmail(trx, ctx.secrets, companyId, input.email)
  if (found === undefined) {
    await verifyAgainstDummy(input.password)
    return fail(undefined, 'unknown_email', invalidCredentials())
  }
  const passwordMatches = await verifyPassword(input.password, found.passwordHash)
  // S3, S6: decide on the row locked as it is now (the slow hash above ran without the lock), so
  // parallel attempts on one account take turns and each sees the last one's counter, lockout,
  // TOTP step and recovery codes.
  const cred = await lockCredentials(trx, ctx.secrets, companyId, found.userId)
  if (cred === undefined) return fail(undefined, 'unknown_email', invalidCredentials())
  // S13: locked, suspended and offboarded answer as an unknown email or a wrong password do,
  // right password or not (the audit keeps the real reason), so answers reveal no account.
  if (cred.lockedUntil !== null && cred.lockedUntil > now) {
    return fail(cred, 'locked', invalidCredentials())
  }
  if (!passwordMatches || cred.passwordHash !== found.passwordHash) {
    return countFailure(cred, 'wrong_password', invalidCredentials())
  }
  if (cred.status !== 'active') {
    return fail(cred, `user_${cred.status}`, invalidCredentials())
  }
  const company = await companyById(trx, companyId)
  const at = { now, timeZone: company?.timeZone ?? 'UTC', ip: meta.ip }
  const refusal =
    loginRefusal(company?.settings['loginRestrictions'], at) ??
    loginRefusal(cred.loginRestrictions, at)
  if (refusal !== null) {
    return fail(cred, refusal, new AppError('login_restricted', refusalMessages[refusal]))
  }

  let secondFactor: { mfaLastStep?: number; recoveryCodeHashes?: string[] } = {}
  let mfaEnrolmentRequired = false
  if (cred.mfaSecret !== null) {
    if (input.totp === undefined || input.totp.trim() === '') {
      return fail(cred, 'mfa_code_missing', new AppError('mfa_required'))
    }
    const code = input.totp.trim()
    const step = checkTotp(cred.mfaSecret, code, now, cred.mfaLastStep)
    const recovery = hashRecoveryCode(code)
    if (step !== null) secondFactor = { mfaLastStep: step }
    else if (cred.recoveryCodeHashes.includes(recovery)) {
      secondFactor = { recoveryCodeHashes: cred.recoveryCodeHashes.filter((h) => h !== recovery) }
    } else {
      return countFailure(
        cred,
        'mfa_code_wrong',
        new AppError('mfa_required', 'the one-time code is not valid'),
      )
    }
  } else {
    mfaEnrolmentRequired = await userRequiresMfa(trx, companyId, cred.userId)
  }

  await updateCredentials(trx, ctx.secrets, companyId, cred.userId, {
    failedLogins: 0,
    lockedUntil: null,
    ...secondFactor,
  })
  const session = await openSession(trx, { companyId, userId: cred.userId, now, meta })
  const user = await userById(trx, companyId, cred.userId)
  if (user === undefined) throw new AppError('internal', 'user vanished during login')
  const via = secondFactor.recoveryCodeHashes
    ? 'recovery_code'
    : cred.mfaSecret
      ? 'totp'
      : 'password'
  await audit('auth.login_succeeded', cred.userId, { via }, session.sessionId)
  return { ok: { ...session, user, mfaEnrolmentRequired } }
}
