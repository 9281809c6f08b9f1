import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query'
import { Form, Modal, type FormInstance } from 'antd'
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { showFieldErrors } from '../formErrors'
import { Problem } from './Problem'

/**
 * A dialog's save: the request, then (once the server took it) an announcement, the lists read
 * again and `onSaved` (closing the dialog, going to the new record); a refusal's field errors
 * land on the form's fields (`showFieldErrors`), the whole answer is the dialog's Problem.
 */
export function useDialogSave<V, R>(
  form: FormInstance<V>,
  options: {
    save: (values: V) => Promise<R>
    /** the body fields the form edits */
    fields: readonly string[]
    /** a body field the form edits under another name */
    aliases?: Readonly<Record<string, string>>
    /** said first, once saved (a message) */
    announce?: (saved: R) => void
    /** the queries to read again once saved */
    invalidate: readonly (readonly unknown[])[]
    onSaved: (saved: R) => void
  },
): UseMutationResult<R, Error, V> {
  const queryClient = useQueryClient()
  return useMutation({
    mutationFn: options.save,
    onSuccess: async (saved) => {
      options.announce?.(saved)
      for (const queryKey of options.invalidate) await queryClient.invalidateQueries({ queryKey })
      options.onSaved(saved)
    },
    onError: (error) => showFieldErrors(form, error, options.fields, options.aliases),
  })
}

/**
 * The console's create-and-edit dialog: a form in a modal, OK submitting it (disabled while the
 * save is under way), Cancel closing it, any change clearing the last refusal, and the server's
 * answer below the form (`error`: another query's failure shown first, a list of choices).
 */
export function FormDialog<V>({
  form,
  name,
  title,
  okText,
  save,
  onClose,
  initialValues,
  width,
  error,
  children,
}: {
  form: FormInstance<V>
  /** the form's name (its fields' ids start with it) */
  name: string
  title: ReactNode
  okText: string
  save: UseMutationResult<unknown, Error, V>
  onClose: () => void
  initialValues?: Partial<V>
  width?: number
  error?: unknown
  children: ReactNode
}) {
  const { t } = useTranslation()
  return (
    <Modal
      open
      width={width}
      title={title}
      onCancel={onClose}
      okText={okText}
      cancelText={t('common.cancel')}
      okButtonProps={{ disabled: save.isPending }}
      onOk={() => form.submit()}
    >
      <Form
        form={form}
        layout="vertical"
        name={name}
        initialValues={initialValues}
        onFinish={(v) => save.mutate(v)}
        onValuesChange={() => save.reset()}
      >
        {children}
      </Form>
      <Problem error={error ?? save.error} />
    </Modal>
  )
}
