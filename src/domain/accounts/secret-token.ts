import { createHash, randomBytes } from 'node:crypto'

/** A new opaque bearer secret: 256 random bits, base64url. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url')
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/**
 * The CSRF token of a session: derived from the session token, so it is bound to the session
 * and a page on another site can neither read nor forge it (double-submit, signed by secrecy).
 */
export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update('tessera-csrf\n').update(sessionToken).digest('base64url')
}
