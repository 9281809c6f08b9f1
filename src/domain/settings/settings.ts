import type { ResourceType } from '../../authz/index.js'
import type { LoginRestrictions } from '../accounts/index.js'

/**
 * P1 [004] the settings sections R1 keeps from the Supervisor: finance, KPI and security. Each
 * is one document per company, read and written as a whole, under its own catalog type.
 */
export const settingsSections = ['finance', 'kpi', 'security'] as const
export type SettingsSection = (typeof settingsSections)[number]

/** The catalog type that governs each section (`<type>.view`, `<type>.edit`). */
export const sectionTypes = {
  finance: 'financeSettings',
  kpi: 'kpiSettings',
  security: 'securitySettings',
} as const satisfies Record<SettingsSection, ResourceType>

export interface FinanceSettings {
  /** ISO 4217 code of the company's currency. */
  readonly currency: string
  /**
   * A refund of this amount or more (minor units of `currency`, e.g. cents) needs approval;
   * null: no refund does.
   */
  readonly refundApprovalThreshold: number | null
}

export interface KpiSettings {
  /** Customer satisfaction target, percent of satisfied surveys (G11 reads it). */
  readonly satisfactionTarget: number | null
  /** Average handle time target, seconds. */
  readonly handleTimeTargetSec: number | null
  /** Outbound connect rate target, percent. */
  readonly connectRateTarget: number | null
}

/**
 * P6/P7 the company-wide login restrictions, the very document login reads
 * (`companies.settings.loginRestrictions`, domain/accounts/login-restrictions.ts): this section
 * exposes it, it does not keep a copy. Session and lockout limits are fixed for the whole
 * deployment (domain/accounts/security-policy.ts), not per company, and MFA is required per role
 * (G10, `roles.mfaRequired`, whose removal also needs `securitySettings.edit`).
 */
export interface SecuritySettings {
  readonly loginRestrictions: LoginRestrictions
}

export interface SettingsDocuments {
  readonly finance: FinanceSettings
  readonly kpi: KpiSettings
  readonly security: SecuritySettings
}

/** What a section reads before anyone set it. */
export const settingsDefaults: SettingsDocuments = {
  finance: { currency: 'USD', refundApprovalThreshold: null },
  kpi: { satisfactionTarget: null, handleTimeTargetSec: null, connectRateTarget: null },
  security: { loginRestrictions: {} },
}

/** Bounds the routes' schemas and the service share. */
export const settingsLimits = {
  refundApprovalThreshold: 1_000_000_000_000,
  handleTimeTargetSec: 86_400,
  ipRanges: 100,
} as const
