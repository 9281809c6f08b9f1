import { createHmac, randomBytes } from 'node:crypto'

/**
 * The telephony adapter: what Tessera asks of a telephony provider. The call's state lives in
 * Tessera's database (so line limits hold across server processes); the adapter places and ends
 * calls and signs playback URLs. A real provider reports "answered" and "hung up" through
 * its webhook; the built-in simulator has no far end, so `POST /calls/{id}/answer` and
 * `/hangup` stand in for those events.
 */
export interface TelephonyAdapter {
  readonly name: string
  /**
   * True when `dial` and `hangup` reach nothing outside the process (the simulator): a
   * transaction that called them may then be run again after a deadlock (domain/context.ts).
   */
  readonly inProcess?: boolean
  /** Places an outbound call; answers the provider's reference for it. */
  dial(call: { callId: string; phone: string; agentId: string }): Promise<{ providerRef: string }>
  /** Ends a call the provider still holds. */
  hangup(providerRef: string): Promise<void>
  /** Where a recording is stored (the provider's key). */
  storageKey(call: { callId: string }): string
  /** A short-lived playback URL for a recording. */
  playbackUrl(storageKey: string, expiresAt: Date): string
}

const simulatorKey = randomBytes(32)

/** The built-in simulator: every dial rings, nothing leaves the process. */
export const simulatedTelephony: TelephonyAdapter = {
  name: 'simulator',
  inProcess: true,
  dial: ({ callId }) => Promise.resolve({ providerRef: `sim-${callId}` }),
  hangup: () => Promise.resolve(),
  storageKey: ({ callId }) => `sim/recordings/${callId}.wav`,
  playbackUrl(storageKey, expiresAt) {
    const expires = Math.floor(expiresAt.getTime() / 1000)
    const sig = createHmac('sha256', simulatorKey)
      .update(`${storageKey}:${expires}`)
      .digest('base64url')
    return `https://telephony.invalid/${storageKey}?expires=${expires}&sig=${sig}`
  },
}

let current: TelephonyAdapter = simulatedTelephony

/** The adapter in use (the simulator unless an embedding application set its own). */
export function telephony(): TelephonyAdapter {
  return current
}

/**
 * The adapter, for a transaction about to ask it to place or end a call: a provider's request
 * cannot be taken back, so the transaction is then not run again after a deadlock.
 */
export function telephonyIn(tx: { actedOutside?: () => void }): TelephonyAdapter {
  if (current.inProcess !== true) tx.actedOutside?.()
  return current
}

/** Plugs in a telephony provider (for an application embedding Tessera). */
export function useTelephony(adapter: TelephonyAdapter): void {
  current = adapter
}
