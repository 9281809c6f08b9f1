import { useQueryClient } from '@tanstack/react-query'
import { Button, Form, Input, Typography } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router'
import { api, ok } from '../api/client'
import { Problem } from '../components/Problem'
import { PublicFrame } from '../components/PublicFrame'

interface SignupForm {
  companyName: string
  name: string
  email: string
  password: string
}

/** R1: a new company and its first person, its Admin; signed in at once. */
export function SignupPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const queryClient = useQueryClient()
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const [created, setCreated] = useState<string | null>(null)

  const submit = async (values: SignupForm) => {
    setBusy(true)
    setError(null)
    try {
      const result = ok(
        await api.POST('/api/v1/signup', {
          body: {
            companyName: values.companyName.trim(),
            name: values.name.trim(),
            email: values.email.trim(),
            password: values.password,
            timezone: Intl.DateTimeFormat().resolvedOptions().timeZone,
          },
        }),
      )
      queryClient.clear()
      setCreated(result.company.slug)
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }

  if (created !== null) {
    return (
      <PublicFrame title={t('signup.doneTitle')}>
        <Typography.Paragraph>{t('signup.doneText')}</Typography.Paragraph>
        <Typography.Paragraph>
          {t('signup.slug')}{' '}
          <Typography.Text code copyable>
            {created}
          </Typography.Text>
        </Typography.Paragraph>
        <Button type="primary" block onClick={() => void navigate('/', { replace: true })}>
          {t('signup.continue')}
        </Button>
      </PublicFrame>
    )
  }

  return (
    <PublicFrame title={t('signup.title')}>
      <Form
        layout="vertical"
        name="signup"
        requiredMark={false}
        onFinish={(v: SignupForm) => void submit(v)}
      >
        <Form.Item
          label={t('signup.companyName')}
          name="companyName"
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Input autoComplete="organization" />
        </Form.Item>
        <Form.Item
          label={t('signup.name')}
          name="name"
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Input autoComplete="name" />
        </Form.Item>
        <Form.Item
          label={t('signup.email')}
          name="email"
          rules={[
            { required: true, message: t('form.required') },
            { type: 'email', message: t('form.email') },
          ]}
        >
          <Input type="email" autoComplete="email" />
        </Form.Item>
        <Form.Item
          label={t('signup.password')}
          name="password"
          extra={t('signup.passwordHelp')}
          rules={[{ required: true, message: t('form.required') }]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <Problem error={error} />
        <Form.Item style={{ marginTop: 16 }}>
          <Button type="primary" htmlType="submit" loading={busy} block>
            {t('signup.submit')}
          </Button>
        </Form.Item>
      </Form>
      <Typography.Paragraph>
        {t('signup.haveAccount')}{' '}
        <Link to="/login" style={{ textDecoration: 'underline' }}>
          {t('signup.toLogin')}
        </Link>
      </Typography.Paragraph>
    </PublicFrame>
  )
}
