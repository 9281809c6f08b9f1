export * from './projects.js'
export {
  addProjectMemberUnchecked,
  createProject,
  deleteProject,
  getProject,
  listProjectMembers,
  listProjects,
  projectResource,
  setProjectMember,
} from './projects.service.js'
