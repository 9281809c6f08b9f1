import {
  createPrivateKey,
  createPublicKey,
  hkdfSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto'
import { canonicalJson } from './canonical-json.js'

/** What a checkpoint vouches for: the head of a company's chain at a moment (S14). */
export interface CheckpointClaim {
  readonly companyId: string
  readonly seq: number
  readonly hash: string
  readonly signedAt: string
}

/**
 * S14: signs audit checkpoints with Ed25519 under a key derived (HKDF) from the server secret
 * (TESSERA_SECRET_KEY). Whoever can write to the database but does not hold the secret cannot
 * sign a head; anyone holding the public key can check a checkpoint offline.
 */
export interface AuditSigner {
  /** The text signed: canonical JSON of the claim. */
  payload(claim: CheckpointClaim): string
  sign(claim: CheckpointClaim): string
  check(claim: CheckpointClaim, signature: string): boolean
  /** SPKI PEM, for offline checks. */
  readonly publicKeyPem: string
}

// PKCS#8 DER prefix of an Ed25519 private key; the 32-byte seed follows (RFC 8410).
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')

export function createAuditSigner(secretKey: Buffer): AuditSigner {
  const seed = Buffer.from(
    hkdfSync('sha256', secretKey, Buffer.alloc(0), 'tessera audit checkpoint v1', 32),
  )
  const privateKey = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  })
  const publicKey: KeyObject = createPublicKey(privateKey)
  const payload = (claim: CheckpointClaim) =>
    canonicalJson({
      companyId: claim.companyId,
      seq: claim.seq,
      hash: claim.hash,
      signedAt: claim.signedAt,
    })
  return {
    payload,
    sign: (claim) => sign(null, Buffer.from(payload(claim)), privateKey).toString('base64'),
    check: (claim, signature) =>
      verify(null, Buffer.from(payload(claim)), publicKey, Buffer.from(signature, 'base64')),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  }
}
