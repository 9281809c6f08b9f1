import { AppError } from '../../errors.js'
import { recordAudit } from '../audit/index.js'
import { inCompany, type Ctx, type TenantCtx } from '../context.js'
import { rolesRequireMfa } from '../roles/index.js'
import { lockCredentials, updateCredentials, type Credentials } from './credentials.repo.js'
import type { SecretBox } from './secret-box.js'
import { checkTotp, hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpUri } from './totp.js'

const ISSUER = 'Tessera'

/** The MFA services' context: the request's, plus the box that seals TOTP secrets (S15). */
export type MfaCtx = Ctx & { readonly secrets: SecretBox }
type MfaTx = TenantCtx & { readonly secrets: SecretBox }

const inMyCompany = <T>(ctx: MfaCtx, fn: (tx: MfaTx) => Promise<T>) =>
  inCompany(ctx, (tx) => fn({ ...tx, secrets: ctx.secrets }))

/** Locked until the transaction ends (S3): a code proven here is spent before another looks. */
async function myCredentials(tx: MfaTx): Promise<Credentials> {
  const cred = await lockCredentials(tx.db, tx.secrets, tx.actor.companyId, tx.actor.userId)
  if (cred === undefined) throw new AppError('not_authenticated')
  return cred
}

const badCode = () =>
  new AppError('validation_failed', 'the code is not valid', {
    errors: [{ path: 'body/code', message: 'not a current one-time code' }],
  })

/** G10, step 1: a new secret to scan; MFA is not on until confirmed with a code. */
export async function startMfaEnrolment(ctx: MfaCtx) {
  return inMyCompany(ctx, async (tx) => {
    const cred = await myCredentials(tx)
    if (cred.mfaSecret !== null) throw new AppError('conflict', 'MFA is already on')
    const secret = newTotpSecret()
    await updateCredentials(tx.db, tx.secrets, tx.actor.companyId, cred.userId, {
      mfaPendingSecret: secret,
    })
    await recordAudit(tx, {
      action: 'mfa.enrolment_started',
      targetType: 'user',
      targetId: cred.userId,
    })
    return { secret, otpauthUrl: totpUri(secret, ISSUER, cred.email) }
  })
}

/** G10, step 2: a valid code turns MFA on and yields ten recovery codes, shown once. */
export async function confirmMfa(ctx: MfaCtx, code: string) {
  return inMyCompany(ctx, async (tx) => {
    const cred = await myCredentials(tx)
    if (cred.mfaSecret !== null) throw new AppError('conflict', 'MFA is already on')
    if (cred.mfaPendingSecret === null) throw new AppError('conflict', 'start enrolment first')
    const step = checkTotp(cred.mfaPendingSecret, code, tx.now, null)
    if (step === null) throw badCode()
    const recovery = newRecoveryCodes()
    await updateCredentials(tx.db, tx.secrets, tx.actor.companyId, cred.userId, {
      mfaSecret: cred.mfaPendingSecret,
      mfaPendingSecret: null,
      mfaLastStep: step,
      recoveryCodeHashes: recovery.hashes,
    })
    await recordAudit(tx, {
      action: 'mfa.enabled',
      targetType: 'user',
      targetId: cred.userId,
      before: { mfaEnabled: false },
      after: { mfaEnabled: true },
    })
    return { recoveryCodes: recovery.codes }
  })
}

/** Turns MFA off with a current code or a recovery code, unless a role of mine requires it. */
export async function disableMfa(ctx: MfaCtx, code: string): Promise<void> {
  await inMyCompany(ctx, async (tx) => {
    const cred = await myCredentials(tx)
    if (cred.mfaSecret === null) throw new AppError('conflict', 'MFA is not on')
    await proveSecondFactor(tx, cred, code)
    if (await rolesRequireMfa(tx.db, tx.actor.companyId, tx.actor.roleIds)) {
      throw new AppError('forbidden', 'a role you hold requires MFA')
    }
    await updateCredentials(tx.db, tx.secrets, tx.actor.companyId, cred.userId, {
      mfaSecret: null,
      mfaPendingSecret: null,
      mfaLastStep: null,
      recoveryCodeHashes: [],
    })
    await recordAudit(tx, {
      action: 'mfa.disabled',
      targetType: 'user',
      targetId: cred.userId,
      before: { mfaEnabled: true },
      after: { mfaEnabled: false },
    })
  })
}

/** Replaces all recovery codes; needs a current code or an unused recovery code. */
export async function regenerateRecoveryCodes(ctx: MfaCtx, code: string) {
  return inMyCompany(ctx, async (tx) => {
    const cred = await myCredentials(tx)
    if (cred.mfaSecret === null) throw new AppError('conflict', 'MFA is not on')
    await proveSecondFactor(tx, cred, code)
    const recovery = newRecoveryCodes()
    await updateCredentials(tx.db, tx.secrets, tx.actor.companyId, cred.userId, {
      recoveryCodeHashes: recovery.hashes,
    })
    await recordAudit(tx, {
      action: 'mfa.recovery_codes_regenerated',
      targetType: 'user',
      targetId: cred.userId,
    })
    return { recoveryCodes: recovery.codes }
  })
}

async function proveSecondFactor(tx: MfaTx, cred: Credentials, code: string) {
  const step = cred.mfaSecret && checkTotp(cred.mfaSecret, code, tx.now, cred.mfaLastStep)
  if (typeof step === 'number') {
    await updateCredentials(tx.db, tx.secrets, tx.actor.companyId, cred.userId, {
      mfaLastStep: step,
    })
    return
  }
  const hash = hashRecoveryCode(code)
  if (!cred.recoveryCodeHashes.includes(hash)) throw badCode()
  await updateCredentials(tx.db, tx.secrets, tx.actor.companyId, cred.userId, {
    recoveryCodeHashes: cred.recoveryCodeHashes.filter((h) => h !== hash),
  })
}
