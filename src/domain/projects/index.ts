export * from './projects.js'
export {
  createProject,
  deleteProject,
  getProject,
  listProjectMembers,
  listProjects,
  projectResource,
  setProjectMember,
} from './projects.service.js'
