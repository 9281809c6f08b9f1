import { Card, Layout, Typography } from 'antd'
import type { ReactNode } from 'react'
import { LanguageSwitch } from './LanguageSwitch'

/** The frame of the pages before signing in. */
export function PublicFrame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Layout style={{ minHeight: '100vh', alignItems: 'center', justifyContent: 'center' }}>
      <main style={{ width: 'min(440px, 94vw)' }}>
        <div style={{ display: 'flex', justifyContent: 'flex-end', marginBottom: 12 }}>
          <LanguageSwitch />
        </div>
        <Card>
          <Typography.Title level={1} style={{ fontSize: 24, marginTop: 0 }}>
            {title}
          </Typography.Title>
          {children}
        </Card>
      </main>
    </Layout>
  )
}
