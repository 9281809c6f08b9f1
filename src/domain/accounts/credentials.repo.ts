import type { Kysely } from 'kysely'
import type { Database } from '../database.js'
import type { SecretBox } from './secret-box.js'

// The credential columns of `users`: only this module reads or writes them.
type Db = Kysely<Database>

export interface Credentials {
  readonly userId: string
  readonly email: string
  readonly status: 'active' | 'suspended' | 'offboarded'
  readonly passwordHash: string
  readonly mfaSecret: string | null
  readonly mfaPendingSecret: string | null
  readonly mfaLastStep: number | null
  readonly recoveryCodeHashes: readonly string[]
  readonly failedLogins: number
  readonly lockedUntil: Date | null
  readonly loginRestrictions: unknown
}

function selectCredentials(db: Db, companyId: string) {
  return db
    .selectFrom('users')
    .select([
      'id',
      'email',
      'status',
      'password_hash',
      'mfa_secret',
      'mfa_pending_secret',
      'mfa_last_step',
      'recovery_code_hashes',
      'failed_logins',
      'locked_until',
      'login_restrictions',
    ])
    .where('company_id', '=', companyId)
}

type CredentialRow = Awaited<ReturnType<ReturnType<typeof selectCredentials>['executeTakeFirst']>>

/** S15: what seals a user's TOTP secrets, bound to their company and id. */
const secretContext = (companyId: string, userId: string) => `totp:${companyId}:${userId}`

function toCredentials(
  box: SecretBox,
  companyId: string,
  row: CredentialRow,
): Credentials | undefined {
  const open = (stored: string | null, userId: string) =>
    stored === null ? null : box.open(stored, secretContext(companyId, userId))
  return (
    row && {
      userId: row.id,
      email: row.email,
      status: row.status,
      passwordHash: row.password_hash,
      mfaSecret: open(row.mfa_secret, row.id),
      mfaPendingSecret: open(row.mfa_pending_secret, row.id),
      mfaLastStep: row.mfa_last_step,
      recoveryCodeHashes: row.recovery_code_hashes,
      failedLogins: row.failed_logins,
      lockedUntil: row.locked_until,
      loginRestrictions: row.login_restrictions,
    }
  )
}

export async function findCredentialsByEmail(
  db: Db,
  box: SecretBox,
  companyId: string,
  email: string,
) {
  const row = await selectCredentials(db, companyId)
    .where('email', '=', email.toLowerCase())
    .executeTakeFirst()
  return toCredentials(box, companyId, row)
}

/**
 * S3, S6: the credentials as they are now, with the row locked until the transaction ends.
 * Whatever reads this and writes back (failure counter, lockout, last TOTP step, recovery codes)
 * cannot lose another request's write: a parallel request for the same user waits here, then
 * reads what this one committed. `db` must be a transaction.
 */
export async function lockCredentials(db: Db, box: SecretBox, companyId: string, userId: string) {
  const row = await selectCredentials(db, companyId)
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst()
  const cred = toCredentials(box, companyId, row)
  // S15: a secret stored in clear before encryption at rest is sealed on its first locked read.
  const clear = (stored: string | null | undefined) => stored != null && box.isClear(stored)
  if (cred && (clear(row?.mfa_secret) || clear(row?.mfa_pending_secret))) {
    await updateCredentials(db, box, companyId, userId, {
      mfaSecret: cred.mfaSecret,
      mfaPendingSecret: cred.mfaPendingSecret,
    })
  }
  return cred
}

export interface CredentialPatch {
  readonly failedLogins?: number
  readonly lockedUntil?: Date | null
  readonly mfaSecret?: string | null
  readonly mfaPendingSecret?: string | null
  readonly mfaLastStep?: number | null
  readonly recoveryCodeHashes?: readonly string[]
}

/** Writes the patch; TOTP secrets are sealed with `box` here, the one place they are written. */
export async function updateCredentials(
  db: Db,
  box: SecretBox,
  companyId: string,
  userId: string,
  patch: CredentialPatch,
): Promise<void> {
  const seal = (plain: string | null) =>
    plain === null ? null : box.seal(plain, secretContext(companyId, userId))
  await db
    .updateTable('users')
    .set({
      ...(patch.failedLogins !== undefined && { failed_logins: patch.failedLogins }),
      ...(patch.lockedUntil !== undefined && { locked_until: patch.lockedUntil }),
      ...(patch.mfaSecret !== undefined && { mfa_secret: seal(patch.mfaSecret) }),
      ...(patch.mfaPendingSecret !== undefined && {
        mfa_pending_secret: seal(patch.mfaPendingSecret),
      }),
      ...(patch.mfaLastStep !== undefined && { mfa_last_step: patch.mfaLastStep }),
      ...(patch.recoveryCodeHashes !== undefined && {
        recovery_code_hashes: [...patch.recoveryCodeHashes],
      }),
    })
    .where('company_id', '=', companyId)
    .where('id', '=', userId)
    .execute()
}
