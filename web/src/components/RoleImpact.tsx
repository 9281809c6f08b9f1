import { Alert, Card, List, Typography } from 'antd'
import { useTranslation } from 'react-i18next'
import type { paths } from '../api/schema'

export type Impact =
  paths['/api/v1/roles/{id}/impact']['post']['responses']['200']['content']['application/json']
type Change = Impact['holders'][number]['gained'][number]

/**
 * The answer of POST /roles/{id}/impact: whether saving would be refused (and why), then per
 * holder what they would gain and lose.
 */
export function RoleImpact({ impact }: { impact: Impact }) {
  const { t } = useTranslation()
  return (
    <section aria-labelledby="impact-title" style={{ maxWidth: 760, marginTop: 16 }}>
      <Typography.Title level={3} id="impact-title">
        {t('oversight.impact.title')}
      </Typography.Title>
      {impact.refused ? (
        <Alert
          type="error"
          showIcon
          role="alert"
          title={t('oversight.impact.refused')}
          description={
            <>
              <div>{t('problem.serverSays', { detail: impact.refused.detail })}</div>
              {impact.refused.errors.length > 0 && (
                <ul>
                  {impact.refused.errors.map((e) => (
                    <li key={e.path + e.message}>
                      <code>{e.path}</code>: {e.message}
                    </li>
                  ))}
                </ul>
              )}
            </>
          }
        />
      ) : (
        <Alert type="success" showIcon role="status" title={t('oversight.impact.allowed')} />
      )}
      {impact.holders.length === 0 ? (
        <Typography.Paragraph style={{ marginTop: 12 }}>
          {t('oversight.impact.noHolders')}
        </Typography.Paragraph>
      ) : (
        impact.holders.map((h) => (
          <Card key={h.userId} size="small" title={h.name} style={{ marginTop: 12 }}>
            {h.gained.length + h.lost.length === 0 ? (
              <Typography.Text type="secondary">{t('oversight.impact.unchanged')}</Typography.Text>
            ) : (
              <>
                <Changes label={t('oversight.impact.gained')} changes={h.gained} />
                <Changes label={t('oversight.impact.lost')} changes={h.lost} />
              </>
            )}
          </Card>
        ))
      )}
    </section>
  )
}

function Changes({ label, changes }: { label: string; changes: readonly Change[] }) {
  const { t } = useTranslation()
  if (changes.length === 0) return null
  const scope = (s: Change['scopes'][number]) =>
    typeof s === 'string' ? t(`scope.${s}`) : JSON.stringify(s)
  return (
    <List
      size="small"
      header={<strong>{label}</strong>}
      dataSource={[...changes]}
      renderItem={(c) => (
        <List.Item>
          <span>
            <code>{c.action}</code>{' '}
            {c.whole
              ? t('oversight.impact.whole', { scopes: c.scopes.map(scope).join(', ') })
              : [
                  c.scopes.length > 0 &&
                    t('oversight.impact.scopes', { scopes: c.scopes.map(scope).join(', ') }),
                  ...c.fields.map((f) =>
                    t('oversight.impact.field', {
                      field: f.field,
                      from: t(`fieldLevel.${f.from}`),
                      to: t(`fieldLevel.${f.to}`),
                    }),
                  ),
                ]
                  .filter(Boolean)
                  .join('; ')}
          </span>
        </List.Item>
      )}
    />
  )
}
