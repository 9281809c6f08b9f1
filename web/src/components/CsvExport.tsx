import { Button, Flex, Form, Input } from 'antd'
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { ok } from '../api/client'
import { Problem } from './Problem'

/**
 * A CSV export (P2: high-risk, audited by the server) as a download: the optional reason goes in
 * the `x-tessera-reason` header (percent-encoded, as the server reads it), a refusal (no right, a
 * reason required, an approval needed) is shown with the server's reason, never a blank page.
 */
export function CsvExport({
  load,
  file,
  label,
}: {
  /** the export through the typed client (`parseAs: 'blob'`), with the reason's header */
  load: (headers: Record<string, string>) => Promise<{
    data?: Blob
    error?: unknown
    response: Response
  }>
  file: string
  label: string
}) {
  const { t } = useTranslation()
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const download = async (reason: string) => {
    setBusy(true)
    setError(null)
    try {
      const trimmed = reason.trim()
      const blob = ok(
        await load(trimmed ? { 'x-tessera-reason': encodeURIComponent(trimmed) } : {}),
      )
      const url = URL.createObjectURL(blob)
      const a = document.createElement('a')
      a.href = url
      a.download = file
      document.body.append(a)
      a.click()
      a.remove()
      URL.revokeObjectURL(url)
    } catch (e) {
      setError(e)
    } finally {
      setBusy(false)
    }
  }
  return (
    <Form
      layout="vertical"
      name={`${file}-export`}
      style={{ marginTop: 16, maxWidth: 640 }}
      onFinish={(v: { reason?: string }) => void download(v.reason ?? '')}
    >
      <Flex wrap gap={8} align="flex-end">
        <Form.Item
          label={t('work.export.reason')}
          name="reason"
          style={{ marginBottom: 8, width: 320 }}
        >
          <Input maxLength={500} />
        </Form.Item>
        <Button style={{ marginBottom: 8 }} loading={busy} htmlType="submit">
          {label}
        </Button>
      </Flex>
      <Problem error={error} />
    </Form>
  )
}
