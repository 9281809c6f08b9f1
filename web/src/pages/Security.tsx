import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import {
  Alert,
  App,
  Badge,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  QRCode,
  Space,
  Table,
  Tag,
  Typography,
} from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { api, ApiError, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { formatDateTime } from '../format'
import { allowedActions, useMe, useTimeZone } from '../me'

type Status = 'on' | 'off' | 'unknown'

interface CodeForm {
  code: string
}

const STATUS_BADGE: Record<Status, 'success' | 'default'> = {
  on: 'success',
  off: 'default',
  unknown: 'default',
}

/**
 * The signed-in person's second factor (G10): start enrolment (a QR code of the otpauth URI and
 * the key to type instead), confirm it with a code from the app (then the recovery codes, shown
 * once), replace the recovery codes, turn it off. The server decides each step and says why not
 * (a role that requires MFA keeps it on).
 */
export function SecurityPage() {
  const { t } = useTranslation()
  const { message } = App.useApp()
  const queryClient = useQueryClient()
  const me = useMe()
  const may = allowedActions(me.data)
  const userId = me.data?.user?.id
  const required = me.data?.mfaEnrolmentRequired ?? false
  // /me does not say whether MFA is on; my own user record does, when my roles let me read it
  const account = useQuery({
    queryKey: ['users', userId, 'mfa'],
    enabled: userId !== undefined && may.has('user.view') && !required,
    retry: false,
    queryFn: async () =>
      ok(await api.GET('/api/v1/users/{id}', { params: { path: { id: userId ?? '' } } })),
  })
  // what this page's own steps have shown since it opened, over what was read
  const [known, setKnown] = useState<Status | null>(null)
  const [pending, setPending] = useState<{ secret: string; otpauthUrl: string } | null>(null)
  const [codes, setCodes] = useState<string[] | null>(null)

  const status: Status =
    known ??
    (required ? 'off' : account.data ? (account.data.mfaEnabled ? 'on' : 'off') : 'unknown')

  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: ['me'] })
    await queryClient.invalidateQueries({ queryKey: ['users'] })
  }

  const enrol = useMutation({
    mutationFn: async () => ok(await api.POST('/api/v1/auth/mfa/enrol')),
    onSuccess: (answer) => {
      setCodes(null)
      setPending(answer)
    },
    // 409: it is on already (what this page could not read)
    onError: (e) => {
      if (e instanceof ApiError && e.status === 409) setKnown('on')
    },
  })
  const confirm = useMutation({
    mutationFn: async (code: string) =>
      ok(await api.POST('/api/v1/auth/mfa/confirm', { body: { code } })),
    onSuccess: async (answer) => {
      setPending(null)
      setKnown('on')
      setCodes(answer.recoveryCodes)
      await refresh()
    },
  })
  const regenerate = useMutation({
    mutationFn: async (code: string) =>
      ok(await api.POST('/api/v1/auth/mfa/recovery-codes', { body: { code } })),
    onSuccess: (answer) => setCodes(answer.recoveryCodes),
  })
  const disable = useMutation({
    mutationFn: async (code: string) =>
      ok(await api.POST('/api/v1/auth/mfa/disable', { body: { code } })),
    onSuccess: async () => {
      setKnown('off')
      setCodes(null)
      void message.success(t('security.turnedOff'))
      await refresh()
    },
  })
  const alreadyOn = enrol.error instanceof ApiError && enrol.error.status === 409

  return (
    <>
      <Typography.Title level={2}>{t('security.title')}</Typography.Title>
      <Typography.Paragraph type="secondary" style={{ maxWidth: 720 }}>
        {t('security.help')}
      </Typography.Paragraph>
      <Descriptions bordered size="small" column={1} style={{ maxWidth: 720, marginBottom: 24 }}>
        <Descriptions.Item label={t('security.status')}>
          <Badge
            status={STATUS_BADGE[status]}
            text={<span data-testid="mfa-status">{t(`security.statuses.${status}`)}</span>}
          />
        </Descriptions.Item>
      </Descriptions>
      {required && status !== 'on' && (
        <Alert
          type="warning"
          showIcon
          style={{ maxWidth: 720, marginBottom: 16 }}
          title={t('security.required')}
        />
      )}
      {status === 'unknown' && !pending && (
        <Typography.Paragraph type="secondary" style={{ maxWidth: 720 }}>
          {t('security.unknownHelp')}
        </Typography.Paragraph>
      )}

      {codes && <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />}

      {pending ? (
        <Enrolment
          secret={pending.secret}
          otpauthUrl={pending.otpauthUrl}
          busy={confirm.isPending}
          error={confirm.error}
          onConfirm={(code) => confirm.mutate(code)}
          onCancel={() => {
            confirm.reset()
            setPending(null)
          }}
        />
      ) : (
        status !== 'on' &&
        !codes && (
          <Space orientation="vertical" style={{ display: 'flex', maxWidth: 720 }}>
            <Button type="primary" loading={enrol.isPending} onClick={() => enrol.mutate()}>
              {t('security.start')}
            </Button>
            {!alreadyOn && <Problem error={enrol.error} />}
          </Space>
        )
      )}

      {status === 'on' && !pending && (
        <Manage
          alreadyOn={alreadyOn}
          busy={regenerate.isPending || disable.isPending}
          error={regenerate.error ?? disable.error}
          onRegenerate={(code) => {
            disable.reset()
            regenerate.mutate(code)
          }}
          onDisable={(code) => {
            regenerate.reset()
            disable.mutate(code)
          }}
        />
      )}

      <MySessions />
    </>
  )
}

/**
 * The person's own live sessions (this browser marked), each with where and when it was used,
 * and Sign out for any other one (`DELETE /auth/sessions/{id}`; the server ends it at once).
 */
function MySessions() {
  const { t, i18n } = useTranslation()
  const timeZone = useTimeZone()
  const queryClient = useQueryClient()
  const sessions = useQuery({
    queryKey: ['auth', 'sessions'],
    queryFn: async () => ok(await api.GET('/api/v1/auth/sessions')),
  })
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      ok(await api.DELETE('/api/v1/auth/sessions/{id}', { params: { path: { id } } })),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['auth', 'sessions'] }),
  })
  const when = (iso: string) => formatDateTime(iso, i18n.language, timeZone)
  return (
    <Card title={t('security.sessions.title')} style={{ maxWidth: 720, marginTop: 24 }}>
      <Typography.Paragraph type="secondary">{t('security.sessions.help')}</Typography.Paragraph>
      <Problem error={sessions.error ?? revoke.error} />
      <Table
        rowKey="id"
        size="small"
        loading={sessions.isPending}
        pagination={false}
        dataSource={sessions.data?.items ?? []}
        columns={[
          {
            title: t('security.sessions.device'),
            key: 'device',
            render: (_: unknown, s: Session) => (
              <Space orientation="vertical" size={0}>
                <span>{s.userAgent ?? t('security.sessions.unknownDevice')}</span>
                <Typography.Text type="secondary">{s.ip ?? '—'}</Typography.Text>
              </Space>
            ),
          },
          {
            title: t('security.sessions.lastSeen'),
            key: 'lastSeen',
            render: (_: unknown, s: Session) => when(s.lastSeenAt),
          },
          {
            title: t('security.sessions.expires'),
            key: 'expires',
            render: (_: unknown, s: Session) => when(s.expiresAt),
          },
          {
            title: t('security.sessions.action'),
            key: 'action',
            render: (_: unknown, s: Session) =>
              s.current ? (
                <Tag color="blue">{t('security.sessions.current')}</Tag>
              ) : (
                <Button
                  size="small"
                  danger
                  loading={revoke.isPending && revoke.variables === s.id}
                  onClick={() => revoke.mutate(s.id)}
                  aria-label={t('security.sessions.revokeOne', { when: when(s.lastSeenAt) })}
                >
                  {t('security.sessions.revoke')}
                </Button>
              ),
          },
        ]}
      />
    </Card>
  )
}

/** One row of `GET /auth/sessions` (the generated client types the response the same way). */
interface Session {
  id: string
  createdAt: string
  lastSeenAt: string
  expiresAt: string
  ip: string | null
  userAgent: string | null
  current: boolean
}

/** Step 1: scan (or type) the secret; step 2: prove it with a code from the app. */
function Enrolment(props: {
  secret: string
  otpauthUrl: string
  busy: boolean
  error: unknown
  onConfirm: (code: string) => void
  onCancel: () => void
}) {
  const { t } = useTranslation()
  return (
    <Card title={t('security.enrolTitle')} style={{ maxWidth: 720 }}>
      <Typography.Paragraph>{t('security.step1')}</Typography.Paragraph>
      <QRCode
        value={props.otpauthUrl}
        type="svg"
        size={200}
        role="img"
        aria-label={t('security.qrLabel')}
        style={{ marginBottom: 16 }}
      />
      <Typography.Paragraph>
        {t('security.manual')}{' '}
        <Typography.Text code copyable={{ text: props.secret }}>
          <span data-testid="totp-secret">{props.secret}</span>
        </Typography.Text>
      </Typography.Paragraph>
      <Typography.Paragraph>{t('security.step2')}</Typography.Paragraph>
      <Form<CodeForm>
        layout="vertical"
        name="mfa-confirm"
        requiredMark={false}
        onFinish={(v) => props.onConfirm(v.code.trim())}
        style={{ maxWidth: 360 }}
      >
        <Form.Item
          label={t('security.code')}
          name="code"
          extra={t('security.codeHelp')}
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Input autoComplete="one-time-code" inputMode="numeric" />
        </Form.Item>
        <Problem error={props.error} />
        <Space style={{ marginTop: 16 }}>
          <Button type="primary" htmlType="submit" loading={props.busy}>
            {t('security.confirm')}
          </Button>
          <Button onClick={props.onCancel}>{t('common.cancel')}</Button>
        </Space>
      </Form>
    </Card>
  )
}

/** The ten single-use codes, shown once by the server: the person must keep them now. */
function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone: () => void }) {
  const { t } = useTranslation()
  return (
    <Card title={t('security.codesTitle')} style={{ maxWidth: 720, marginBottom: 24 }}>
      <Alert type="warning" showIcon title={t('security.codesHelp')} style={{ marginBottom: 16 }} />
      <ol data-testid="recovery-codes" style={{ columns: 2, fontSize: 15 }}>
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
      <Space>
        <Typography.Text copyable={{ text: codes.join('\n') }}>
          {t('security.copyCodes')}
        </Typography.Text>
        <Button type="primary" onClick={onDone}>
          {t('security.codesDone')}
        </Button>
      </Space>
    </Card>
  )
}

/** MFA is on: new recovery codes, or off; either needs a current code or a recovery code. */
function Manage(props: {
  alreadyOn: boolean
  busy: boolean
  error: unknown
  onRegenerate: (code: string) => void
  onDisable: (code: string) => void
}) {
  const { t } = useTranslation()
  const [form] = Form.useForm<CodeForm>()
  const withCode = (then: (code: string) => void) => () => {
    void form
      .validateFields()
      .then((v) => then(v.code.trim()))
      .catch(() => undefined)
  }
  return (
    <Card title={t('security.manageTitle')} style={{ maxWidth: 720 }}>
      {props.alreadyOn && (
        <Alert type="info" showIcon title={t('security.alreadyOn')} style={{ marginBottom: 16 }} />
      )}
      <Typography.Paragraph>{t('security.manageHelp')}</Typography.Paragraph>
      <Form<CodeForm>
        form={form}
        layout="vertical"
        name="mfa-manage"
        requiredMark={false}
        style={{ maxWidth: 360 }}
      >
        <Form.Item
          label={t('security.manageCode')}
          name="code"
          extra={t('security.manageCodeHelp')}
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Input autoComplete="one-time-code" />
        </Form.Item>
        <Problem error={props.error} />
        <Space wrap style={{ marginTop: 16 }}>
          <Button loading={props.busy} onClick={withCode(props.onRegenerate)}>
            {t('security.regenerate')}
          </Button>
          <Button danger loading={props.busy} onClick={withCode(props.onDisable)}>
            {t('security.disable')}
          </Button>
        </Space>
      </Form>
    </Card>
  )
}
