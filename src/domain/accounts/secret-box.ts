import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { AppError } from '../../errors.js'

/**
 * S15: seals small secrets (TOTP secrets) for storage with AES-256-GCM under the server key
 * (TESSERA_SECRET_KEY, or the key file of the embedded database; see src/secret-key.ts).
 * Stored form: `v1:` + base64url(iv ‖ tag ‖ ciphertext). `context` is bound as associated data
 * (company and user id), so a sealed value copied into another user's row does not open.
 */
export interface SecretBox {
  seal(plain: string, context: string): string
  /** The plain text; a value without the `v1:` prefix was stored before S15 and is clear. */
  open(stored: string, context: string): string
  /** True when `stored` is still the cleartext of before S15 (to be sealed on first read). */
  isClear(stored: string): boolean
}

const PREFIX = 'v1:'
const IV_BYTES = 12
const TAG_BYTES = 16

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new AppError('internal', 'the secret key must be 32 bytes')
  return {
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES)
      const cipher = createCipheriv('aes-256-gcm', key, iv)
      cipher.setAAD(Buffer.from(context))
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()])
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')
    },
    open(stored, context) {
      if (!stored.startsWith(PREFIX)) return stored
      const raw = Buffer.from(stored.slice(PREFIX.length), 'base64url')
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES))
        decipher.setAAD(Buffer.from(context))
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
        const body = raw.subarray(IV_BYTES + TAG_BYTES)
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
      } catch (cause) {
        // Fail closed: a changed key or an altered row must never read as "no MFA".
        throw new AppError('internal', 'a stored secret does not open with the server key', {
          cause,
        })
      }
    },
    isClear: (stored) => !stored.startsWith(PREFIX),
  }
}
