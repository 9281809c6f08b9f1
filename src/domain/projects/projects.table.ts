import type { Generated, Selectable } from 'kysely'

export interface ProjectsTable {
  id: string
  company_id: string
  name: string
  description: string
  created_at: Generated<Date>
}

export interface ProjectMembersTable {
  company_id: string
  project_id: string
  user_id: string
  created_at: Generated<Date>
}

export type ProjectRow = Selectable<ProjectsTable>
export type ProjectMemberRow = Selectable<ProjectMembersTable>
