export * from './projects.js'
export { createProject, listProjects, setProjectMember } from './projects.service.js'
export { findProject, listProjectMemberIds, listUserProjectIds } from './projects.repo.js'
