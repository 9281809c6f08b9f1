import { useQuery } from '@tanstack/react-query'
import { api, ok } from './api/client'

export type MeAnswer = Awaited<ReturnType<typeof fetchMe>>

export async function fetchMe() {
  return ok(await api.GET('/api/v1/me'))
}

export function useMe() {
  return useQuery({ queryKey: ['me'], queryFn: fetchMe, retry: false, staleTime: 30_000 })
}

/** The zone the console shows dates in: the company's (`/me`), the browser's until it is known. */
export function useTimeZone(): string {
  const { data } = useMe()
  return data?.company.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone
}

/** The console's sections; each is shown only when /me allows what it needs. */
export const SECTIONS = [
  { key: 'home', path: '/', needs: [] },
  // the workspace and its governance (issue 12 item 4): labels under `work.nav`
  { key: 'customers', path: '/customers', needs: ['customer.view'], work: true },
  { key: 'tickets', path: '/tickets', needs: ['ticket.view'], work: true },
  // calls, QA and reports (issue 12): the call log, scoring calls, team metrics
  { key: 'calls', path: '/calls', needs: ['call.view'], work: true },
  // the chat log (issue 12): opened by its address without the right, the page shows the
  // server's refusal
  { key: 'chats', path: '/chats', needs: ['chat.view'], work: true, pageDecides: true },
  { key: 'qa', path: '/qa', needs: ['qaEvaluation.view'], work: true },
  { key: 'reports', path: '/reports', needs: ['report.view'], work: true },
  // everyone's own requests (a write may open one: W3) and temporary grants
  { key: 'approvals', path: '/approvals', needs: [], work: true },
  { key: 'users', path: '/users', needs: ['user.view'] },
  { key: 'roles', path: '/roles', needs: ['role.view'] },
  { key: 'explain', path: '/explain', needs: ['role.view', 'user.view'] },
  // managing API keys needs role.assign, as handing out a role does (api-keys.service.ts)
  { key: 'apiKeys', path: '/api-keys', needs: ['role.assign'] },
  { key: 'audit', path: '/audit', needs: ['audit.view'] },
  // everyone's own second factor
  { key: 'security', path: '/security', needs: [] },
  // administration (R4, R5, R7, P1): the org tree, permission groups, who enters which section
  { key: 'orgUnits', path: '/org-units', needs: ['orgUnit.view'] },
  { key: 'permissionGroups', path: '/permission-groups', needs: ['permissionGroup.view'] },
  { key: 'sectionAccess', path: '/section-access', needs: ['role.view'] },
  // administration, part 2 (issue 12): labels under `admin2.nav`. `anyOf`: shown when /me allows
  // one of them; `pageDecides`: opened by its address the page asks the server and shows its reason
  { key: 'positions', path: '/positions', needs: ['role.view'], admin2: true },
  {
    key: 'settings',
    path: '/settings',
    needs: [],
    anyOf: ['financeSettings.view', 'kpiSettings.view', 'securitySettings.view'],
    pageDecides: true,
    admin2: true,
  },
  {
    key: 'outbound',
    path: '/outbound',
    needs: [],
    anyOf: ['queue.view', 'dialer.view', 'campaign.view'],
    admin2: true,
  },
  {
    key: 'sales',
    path: '/sales',
    needs: [],
    anyOf: ['lead.view', 'opportunity.view', 'quote.view', 'contract.view'],
    admin2: true,
  },
  // IVR menus and shifts (issue 12): labels under `ivr.nav` and `shifts.nav`; opened by its
  // address without the right, the page shows the server's refusal
  {
    key: 'ivrMenus',
    path: '/ivr-menus',
    needs: ['ivrMenu.view'],
    label: 'ivr.nav',
    pageDecides: true,
  },
  {
    key: 'shifts',
    path: '/shifts',
    needs: ['schedule.view'],
    label: 'shifts.nav',
    pageDecides: true,
  },
] as const

export type SectionKey = (typeof SECTIONS)[number]['key']

export function allowedActions(me: MeAnswer | undefined): Set<string> {
  return new Set((me?.permissions ?? []).map((p) => p.action))
}

export function sectionsFor(me: MeAnswer | undefined) {
  const actions = allowedActions(me)
  return SECTIONS.filter(
    (s) =>
      s.needs.every((a) => actions.has(a)) &&
      (!('anyOf' in s) || s.anyOf.some((a) => actions.has(a))),
  )
}

/** A section's name in the navigation. */
export function sectionLabel(s: (typeof SECTIONS)[number]): string {
  if ('label' in s) return s.label
  if ('admin2' in s) return `admin2.nav.${s.key}`
  return 'work' in s ? `work.nav.${s.key}` : `nav.${s.key}`
}
