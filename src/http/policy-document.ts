import { parseDocument } from 'yaml'
import type { PolicyDocument } from '../domain/policy/index.js'
import { unstorableText } from '../domain/storable-text.js'
import { AppError, type ErrorDetail } from '../errors.js'
import { orgUnitTreeErrors, oversizeConditions, policyDocumentErrors } from './policy-schemas.js'

/** Largest policy document read (YAML text), in bytes. */
export const policyDocumentLimit = 2 * 1024 * 1024

function unstorable(value: unknown, at: string, errors: ErrorDetail[]): void {
  if (errors.length >= 20) return
  if (typeof value === 'string') {
    const problem = unstorableText(value)
    if (problem !== null) errors.push({ path: at, message: problem })
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => unstorable(v, `${at}/${i}`, errors))
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const problem = unstorableText(k)
      if (problem !== null) errors.push({ path: at, message: `a key ${problem}` })
      unstorable(v, `${at}/${k}`, errors)
    }
  }
}

/**
 * A policy document from a request or a file: YAML text (JSON is YAML too) or an already parsed
 * value. Refused with 400 validation_failed and `body/…` paths: bad YAML (with its line), an
 * org-unit tree too deep or too large, text the database cannot store, conditions too large,
 * anything the schema refuses.
 */
export function readPolicyDocument(input: unknown): PolicyDocument {
  let value = input
  if (typeof input === 'string') {
    if (Buffer.byteLength(input) > policyDocumentLimit)
      throw new AppError('payload_too_large', 'the document is too large')
    const doc = parseDocument(input, { uniqueKeys: true, prettyErrors: true })
    if (doc.errors.length > 0) {
      throw new AppError('validation_failed', 'the document is not valid YAML', {
        errors: doc.errors.slice(0, 20).map((e) => ({
          path: 'body',
          message: e.message.split('\n')[0] ?? e.code,
        })),
      })
    }
    try {
      value = doc.toJS({ maxAliasCount: 100 })
    } catch (error) {
      throw new AppError('validation_failed', 'the document is not valid YAML', {
        errors: [{ path: 'body', message: (error as Error).message }],
      })
    }
  }
  // an org-unit tree too deep or too large is refused before anything walks it recursively
  const errors: ErrorDetail[] = orgUnitTreeErrors(value)
  if (errors.length === 0) unstorable(value, 'body', errors)
  if (errors.length === 0) errors.push(...oversizeConditions(value))
  if (errors.length === 0) errors.push(...policyDocumentErrors(value).slice(0, 50))
  if (errors.length > 0)
    throw new AppError('validation_failed', 'the document is not valid', { errors })
  return value as PolicyDocument
}
