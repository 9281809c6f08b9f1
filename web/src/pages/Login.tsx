import { useQueryClient } from '@tanstack/react-query'
import { Alert, Button, Form, Input, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useLocation, useNavigate } from 'react-router'
import { api, ApiError, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { PublicFrame } from '../components/PublicFrame'

interface LoginForm {
  company: string
  email: string
  password: string
  totp?: string
}

export function LoginPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const location = useLocation()
  const queryClient = useQueryClient()
  const [form] = Form.useForm<LoginForm>()
  const [needsCode, setNeedsCode] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const signedUp = (location.state as { company?: string } | null)?.company

  const submit = async (values: LoginForm) => {
    setBusy(true)
    setError(null)
    try {
      ok(
        await api.POST('/api/v1/auth/login', {
          body: {
            company: values.company.trim(),
            email: values.email.trim(),
            password: values.password,
            ...(needsCode && values.totp ? { totp: values.totp.trim() } : {}),
          },
        }),
      )
      queryClient.clear()
      const from = (location.state as { from?: string } | null)?.from
      await navigate(from && from !== '/login' ? from : '/', { replace: true })
    } catch (e) {
      // The API asks for the one-time code only once the password is right.
      if (e instanceof ApiError && e.code === 'mfa_required' && !needsCode) setNeedsCode(true)
      else setError(e)
    } finally {
      setBusy(false)
    }
  }

  return (
    <PublicFrame title={t('login.title')}>
      {signedUp && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          title={t('login.companyCreated', { company: signedUp })}
        />
      )}
      <Form
        form={form}
        layout="vertical"
        name="login"
        requiredMark={false}
        onFinish={(v) => void submit(v)}
        initialValues={{ company: signedUp ?? '' }}
      >
        <Form.Item
          label={t('login.company')}
          name="company"
          extra={t('login.companyHelp')}
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Input autoComplete="organization" />
        </Form.Item>
        <Form.Item
          label={t('login.email')}
          name="email"
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Input type="email" autoComplete="username" />
        </Form.Item>
        <Form.Item
          label={t('login.password')}
          name="password"
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        {needsCode && (
          <>
            <Alert
              type="info"
              showIcon
              style={{ marginBottom: 16 }}
              title={t('login.codeNeeded')}
            />
            <Form.Item
              label={t('login.code')}
              name="totp"
              extra={t('login.codeHelp')}
              rules={[{ required: true, message: t('form.required') }]}
            >
              <Input autoComplete="one-time-code" inputMode="numeric" autoFocus />
            </Form.Item>
          </>
        )}
        <Problem error={error} />
        <Form.Item style={{ marginTop: 16 }}>
          <Button type="primary" htmlType="submit" loading={busy} block>
            {t('login.submit')}
          </Button>
        </Form.Item>
      </Form>
      <Typography.Paragraph>
        {t('login.noAccount')}{' '}
        <Link to="/signup" style={{ textDecoration: 'underline' }}>
          {t('login.toSignup')}
        </Link>
      </Typography.Paragraph>
    </PublicFrame>
  )
}
