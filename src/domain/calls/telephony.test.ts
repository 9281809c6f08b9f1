import { afterEach, describe, expect, it } from 'vitest'
import {
  simulatedTelephony,
  telephony,
  telephonyIn,
  useTelephony,
  type TelephonyAdapter,
} from './telephony.js'

describe('the telephony simulator', () => {
  afterEach(() => useTelephony(simulatedTelephony))

  it('places every call under a reference of its own', async () => {
    const a = await simulatedTelephony.dial({ callId: 'c1', phone: '+8613800138000', agentId: 'u' })
    const b = await simulatedTelephony.dial({ callId: 'c2', phone: '+8613800138000', agentId: 'u' })
    expect(a.providerRef).not.toBe(b.providerRef)
  })

  it('signs a playback URL with its expiry: another key or expiry gives another signature', () => {
    const key = simulatedTelephony.storageKey({ callId: 'c1' })
    const at = new Date('2026-11-23T09:35:00.000Z')
    const url = new URL(simulatedTelephony.playbackUrl(key, at))
    expect(url.hostname).toBe('telephony.invalid')
    expect(url.pathname).toBe(`/${key}`)
    expect(url.searchParams.get('expires')).toBe(String(at.getTime() / 1000))
    const sig = url.searchParams.get('sig')
    expect(sig).toMatch(/^[\w-]{43}$/)
    const later = new URL(simulatedTelephony.playbackUrl(key, new Date(at.getTime() + 1000)))
    expect(later.searchParams.get('sig')).not.toBe(sig)
    const other = new URL(simulatedTelephony.playbackUrl('sim/recordings/c2.wav', at))
    expect(other.searchParams.get('sig')).not.toBe(sig)
  })

  it('is replaced by an adapter an embedding application plugs in', () => {
    const provider: TelephonyAdapter = { ...simulatedTelephony, name: 'provider' }
    expect(telephony().name).toBe('simulator')
    useTelephony(provider)
    expect(telephony()).toBe(provider)
  })

  it('a provider outside the process marks the transaction that asks it: not run again', () => {
    let marked = 0
    const tx = { actedOutside: () => void marked++ }
    expect(telephonyIn(tx)).toBe(simulatedTelephony)
    expect(marked).toBe(0) // the simulator reaches nothing outside: a deadlock may re-run it
    const { inProcess: _, ...outside } = simulatedTelephony
    const provider: TelephonyAdapter = { ...outside, name: 'provider' }
    useTelephony(provider)
    expect(telephonyIn(tx)).toBe(provider)
    expect(marked).toBe(1)
  })
})
