/** P10: records belong to projects; non-members do not see that they exist. */
export interface Project {
  readonly id: string
  readonly companyId: string
  readonly name: string
  readonly description: string
  readonly createdAt: Date
}
