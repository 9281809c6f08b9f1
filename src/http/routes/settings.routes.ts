import { Type, type TSchema } from '@fastify/type-provider-typebox'
import {
  getSettings,
  putSettings,
  settingsLimits,
  type SettingsDocuments,
  type SettingsSection,
} from '../../domain/settings/index.js'
import { problems } from '../api-schemas.js'
import type { App, RouteDeps } from '../types.js'

const security: Record<string, string[]>[] = [{ bearer: [] }, { cookie: [] }]
const tags = ['settings']

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()])
const Percent = Type.Number({ minimum: 0, maximum: 100 })

const FinanceJson = Type.Object(
  {
    currency: Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, e.g. EUR' }),
    refundApprovalThreshold: Nullable(
      Type.Integer({
        minimum: 0,
        maximum: settingsLimits.refundApprovalThreshold,
        description:
          'refunds of this amount or more (minor units: cents) need approval; null: none do',
      }),
    ),
  },
  { additionalProperties: false },
)

const KpiJson = Type.Object(
  {
    satisfactionTarget: Nullable({ ...Percent, description: 'percent of satisfied surveys' }),
    handleTimeTargetSec: Nullable(
      Type.Integer({
        minimum: 1,
        maximum: settingsLimits.handleTimeTargetSec,
        description: 'average handle time target, seconds',
      }),
    ),
    connectRateTarget: Nullable({ ...Percent, description: 'outbound connect rate, percent' }),
  },
  { additionalProperties: false },
)

const Hhmm = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' })
const SecurityJson = Type.Object(
  {
    loginRestrictions: Type.Object(
      {
        hours: Type.Optional(
          Type.Object(
            {
              start: Hhmm,
              end: { ...Hhmm, description: 'before start: overnight' },
              days: Type.Optional(
                Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), {
                  minItems: 1,
                  maxItems: 7,
                  description: '0 = Sunday … 6 = Saturday',
                }),
              ),
            },
            { additionalProperties: false, description: "in the company's time zone (P6)" },
          ),
        ),
        ipRanges: Type.Optional(
          Type.Array(Type.String({ minLength: 1, maxLength: 50 }), {
            minItems: 1,
            maxItems: settingsLimits.ipRanges,
            description: 'IP addresses or CIDRs a login may come from (P7)',
          }),
        ),
      },
      {
        additionalProperties: false,
        description: 'who may log in when and from where, company-wide; `{}`: no restriction',
      },
    ),
  },
  { additionalProperties: false },
)

const sections: Record<SettingsSection, { schema: TSchema; title: string; what: string }> = {
  finance: { schema: FinanceJson, title: 'finance', what: 'currency and refund approval' },
  kpi: { schema: KpiJson, title: 'KPI', what: 'satisfaction, handle time, connect rate targets' },
  security: { schema: SecurityJson, title: 'security', what: 'login hours and IP ranges' },
}

const refusal =
  'Admin reads and changes it; every other built-in and preset role, the Supervisor included ' +
  '(R1), is refused with 403: the section exists in every company, so refusing it reveals nothing.'

// P1, R1 [004]: the settings sections the Supervisor does not reach. One document per section
// and company, read and replaced as a whole (domain/settings).
export function settingsRoutes(app: App, deps: RouteDeps): void {
  for (const [section, { schema, title, what }] of Object.entries(sections) as [
    SettingsSection,
    (typeof sections)[SettingsSection],
  ][]) {
    app.get(
      `/settings/${section}`,
      {
        schema: {
          summary: `The company's ${title} settings (${what})`,
          description: refusal,
          tags,
          security,
          response: { 200: schema, ...problems(401, 403) },
        },
      },
      async (req) => getSettings(deps.ctx(req), section),
    )
    app.put(
      `/settings/${section}`,
      {
        schema: {
          summary: `Replace the company's ${title} settings (audited before → after)`,
          description: refusal,
          tags,
          security,
          body: schema,
          response: { 200: schema, ...problems(400, 401, 403) },
        },
      },
      async (req) =>
        putSettings(deps.ctx(req), section, req.body as SettingsDocuments[typeof section]),
    )
  }
}
