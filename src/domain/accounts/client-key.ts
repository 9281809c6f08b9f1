import ipaddr from 'ipaddr.js'

/**
 * The key a rate limit counts a client address under. An IPv6 client usually holds a whole /64
 * (one subscriber, one prefix), so counting exact addresses would hand an attacker 2^64 fresh
 * budgets; IPv6 counts per /64. IPv4 (and IPv4 mapped into IPv6) counts per address.
 * @example
 * clientKey('2001:db8:1:2:aaaa::1') // '2001:db8:1:2::/64'
 */
export function clientKey(ip: string | null): string {
  if (ip === null || !ipaddr.isValid(ip)) return 'unknown'
  const address = ipaddr.process(ip)
  if (address.kind() === 'ipv4') return address.toString()
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4)
  return `${new ipaddr.IPv6([...parts, 0, 0, 0, 0]).toString()}/64`
}
