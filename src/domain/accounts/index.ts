export type { AuthResult, SessionInfo, SignupResult } from './accounts.js'
export { createLoginLimiter, type LoginLimiter } from './login-limiter.js'
export { login, type LoginInput } from './login.service.js'
export {
  confirmMfa,
  disableMfa,
  regenerateRecoveryCodes,
  startMfaEnrolment,
} from './mfa.service.js'
export { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, hashPassword } from './password.js'
export { createSecretBox, type SecretBox } from './secret-box.js'
export { csrfTokenFor } from './secret-token.js'
export { securityPolicy } from './security-policy.js'
export {
  authenticateSession,
  forceOffline,
  listMySessions,
  logout,
  resolveSession,
  revokeMySession,
} from './sessions.service.js'
export { signup, type SignupInput } from './signup.service.js'
export { createSignupLimiter, type SignupLimiter, type SignupLimits } from './signup-limiter.js'
export { readLoginRestrictions, type LoginRestrictions } from './login-restrictions.js'
export { createUser, updateUserAccount, type NewUserInput } from './user-accounts.service.js'
export {
  forceOfflineGroup,
  offboardUser,
  type ForceOfflineTarget,
  type OffboardInput,
  type OffboardResult,
} from './offboarding.service.js'
