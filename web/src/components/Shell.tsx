import { App as AntApp, Button, Layout, Menu, Result, Space, Spin, Typography } from 'antd'
import { Suspense, useEffect, useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { Link, Navigate, Outlet, useLocation, useNavigate } from 'react-router'
import { api, ApiError } from '../api/client'
import { SECTIONS, sectionLabel, sectionsFor, useMe } from '../me'
import { LanguageSwitch } from './LanguageSwitch'
import { PreviewBanner } from './Preview'
import { Problem } from './Problem'

/** The section a path belongs to (the longest matching prefix). */
function sectionOf(pathname: string) {
  return [...SECTIONS]
    .sort((a, b) => b.path.length - a.path.length)
    .find((s) => (s.path === '/' ? pathname === '/' : pathname.startsWith(s.path)))
}

/**
 * The signed-in frame: navigation built from GET /api/v1/me (only the sections this person may
 * enter), who is signed in, the language, sign-out. The server stays the authority: a page a
 * person opens by its address still gets the server's refusal, shown with its reason.
 */
export function Shell() {
  const { t } = useTranslation()
  const me = useMe()
  const location = useLocation()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  // Set from the click on Sign out: a /me that answers 401 from then on (a refetch racing the
  // sign-out) must not send the next sign-in back to the page that was left.
  const [signingOut, setSigningOut] = useState(false)
  // Each navigation asks /me again: a role changed meanwhile shows in the next page's menu.
  useEffect(() => {
    void queryClient.invalidateQueries({ queryKey: ['me'] })
  }, [location.pathname, queryClient])

  if (me.isPending) return <Spin fullscreen tip={t('common.loading')} />
  if (me.error instanceof ApiError && me.error.status === 401) {
    return <Navigate to="/login" replace state={signingOut ? null : { from: location.pathname }} />
  }
  if (me.error) {
    return (
      <main style={{ padding: 24 }}>
        <Problem error={me.error} />
      </main>
    )
  }

  const allowed = sectionsFor(me.data)
  const current = sectionOf(location.pathname)
  const mayEnter =
    current === undefined ||
    allowed.some((s) => s.key === current.key) ||
    // the page shows the server's own refusal (admin2: settings)
    'pageDecides' in current

  const logout = async () => {
    setSigningOut(true)
    await api.POST('/api/v1/auth/logout')
    // leave first, then forget: cleared while still on this page, /me would answer 401 here and
    // send the login page back to this page afterwards
    await navigate('/login', { replace: true })
    queryClient.clear()
  }

  return (
    // AntApp (messages, modals) only here: the pages before sign-in do without its weight
    <AntApp>
      <Layout style={{ minHeight: '100vh' }}>
        <Layout.Header
          style={{ display: 'flex', alignItems: 'center', gap: 16, background: '#14325c' }}
        >
          <Link to="/" style={{ color: '#fff', fontWeight: 600, fontSize: 18 }}>
            Tessera
          </Link>
          <span style={{ flex: 1 }} />
          <Space>
            <span style={{ color: '#fff' }}>{me.data.user?.name}</span>
            <LanguageSwitch />
            <Button size="small" onClick={() => void logout()}>
              {t('common.logout')}
            </Button>
          </Space>
        </Layout.Header>
        <Layout>
          <Layout.Sider width={220} theme="light" breakpoint="md" collapsedWidth={0}>
            <nav aria-label={t('nav.label')}>
              <Menu
                mode="inline"
                selectedKeys={current ? [current.key] : []}
                items={allowed.map((s) => ({
                  key: s.key,
                  label: <Link to={s.path}>{t(sectionLabel(s))}</Link>,
                }))}
              />
            </nav>
          </Layout.Sider>
          <Layout.Content style={{ padding: 24 }}>
            <main>
              <PreviewBanner me={me.data} />
              {me.data.mfaEnrolmentRequired && location.pathname !== '/security' && (
                <Typography.Paragraph type="warning">
                  {t('mfa.enrolmentRequired')}{' '}
                  <Link to="/security" style={{ textDecoration: 'underline' }}>
                    {t('mfa.setUp')}
                  </Link>
                </Typography.Paragraph>
              )}
              {mayEnter ? (
                <Suspense fallback={<Spin />}>
                  <Outlet />
                </Suspense>
              ) : (
                <Result
                  status="403"
                  title={t('nav.deniedTitle')}
                  subTitle={t('nav.deniedWhy', {
                    actions:
                      current === undefined
                        ? ''
                        : 'anyOf' in current
                          ? current.anyOf.join(' | ')
                          : current.needs.join(', '),
                  })}
                />
              )}
            </main>
          </Layout.Content>
        </Layout>
      </Layout>
    </AntApp>
  )
}
