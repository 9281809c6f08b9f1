import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { ConfigProvider } from 'antd'
import { useTranslation } from 'react-i18next'
import { createBrowserRouter, RouterProvider } from 'react-router'
import { ApiError } from './api/client'
import { antdLocale } from './i18n'

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A refusal or a missing record will not change by asking again at once.
      retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      refetchOnWindowFocus: false,
    },
  },
})

// Every page is its own chunk: the first load carries the shell only.
const router = createBrowserRouter([
  {
    path: '/login',
    lazy: () => import('./pages/Login').then((m) => ({ Component: m.LoginPage })),
  },
  {
    path: '/signup',
    lazy: () => import('./pages/Signup').then((m) => ({ Component: m.SignupPage })),
  },
  {
    path: '/',
    lazy: () => import('./components/Shell').then((m) => ({ Component: m.Shell })),
    children: [
      {
        index: true,
        lazy: () => import('./pages/Home').then((m) => ({ Component: m.HomePage })),
      },
      {
        path: 'users',
        lazy: () => import('./pages/Users').then((m) => ({ Component: m.UsersPage })),
      },
      {
        path: 'roles',
        lazy: () => import('./pages/Roles').then((m) => ({ Component: m.RolesPage })),
      },
      {
        path: 'roles/new',
        lazy: () => import('./pages/RoleEditor').then((m) => ({ Component: m.RoleEditorPage })),
      },
      {
        path: 'roles/:id/edit',
        lazy: () => import('./pages/RoleEditor').then((m) => ({ Component: m.RoleEditorPage })),
      },
      {
        path: 'roles/:id',
        lazy: () => import('./pages/RoleDetail').then((m) => ({ Component: m.RoleDetailPage })),
      },
      {
        path: 'explain',
        lazy: () => import('./pages/Explain').then((m) => ({ Component: m.ExplainPage })),
      },
      {
        path: 'api-keys',
        lazy: () => import('./pages/ApiKeys').then((m) => ({ Component: m.ApiKeysPage })),
      },
      {
        path: 'audit',
        lazy: () => import('./pages/Audit').then((m) => ({ Component: m.AuditPage })),
      },
      {
        path: 'security',
        lazy: () => import('./pages/Security').then((m) => ({ Component: m.SecurityPage })),
      },
      // the workspace and its governance (issue 12 item 4)
      ...(
        [
          ['customers', () => import('./pages/Customers').then((m) => m.CustomersPage)],
          [
            'customers/:id',
            () => import('./pages/CustomerDetail').then((m) => m.CustomerDetailPage),
          ],
          ['tickets', () => import('./pages/Tickets').then((m) => m.TicketsPage)],
          ['tickets/:id', () => import('./pages/TicketDetail').then((m) => m.TicketDetailPage)],
          ['calls', () => import('./pages/Calls').then((m) => m.CallsPage)],
          ['chats', () => import('./pages/Chats').then((m) => m.ChatsPage)],
          ['chats/:id', () => import('./pages/ChatDetail').then((m) => m.ChatDetailPage)],
          ['qa', () => import('./pages/Qa').then((m) => m.QaPage)],
          ['reports', () => import('./pages/Reports').then((m) => m.ReportsPage)],
          ['approvals', () => import('./pages/Approvals').then((m) => m.ApprovalsPage)],
          [
            'approvals/:id',
            () => import('./pages/ApprovalDetail').then((m) => m.ApprovalDetailPage),
          ],
        ] as const
      ).map(([path, page]) => ({
        path,
        lazy: async () => ({ Component: await page() }),
      })),
      {
        path: 'org-units',
        lazy: () => import('./pages/OrgUnits').then((m) => ({ Component: m.OrgUnitsPage })),
      },
      {
        path: 'permission-groups',
        lazy: () =>
          import('./pages/PermissionGroups').then((m) => ({ Component: m.PermissionGroupsPage })),
      },
      {
        path: 'section-access',
        lazy: () =>
          import('./pages/SectionAccess').then((m) => ({ Component: m.SectionAccessPage })),
      },
      // administration, part 2 (issue 12): positions, settings, outbound, sales
      ...(
        [
          ['positions', () => import('./pages/Positions').then((m) => m.PositionsPage)],
          ['settings', () => import('./pages/Settings').then((m) => m.SettingsPage)],
          ['outbound', () => import('./pages/Outbound').then((m) => m.OutboundPage)],
          ['sales', () => import('./pages/Sales').then((m) => m.SalesPage)],
          // IVR menus and shifts (issue 12)
          ['ivr-menus', () => import('./pages/IvrMenus').then((m) => m.IvrMenusPage)],
          ['shifts', () => import('./pages/Shifts').then((m) => m.ShiftsPage)],
        ] as const
      ).map(([path, page]) => ({
        path,
        lazy: async () => ({ Component: await page() }),
      })),
      {
        path: '*',
        lazy: () => import('./pages/NotFound').then((m) => ({ Component: m.NotFoundPage })),
      },
    ],
  },
])

export function App() {
  const { i18n } = useTranslation()
  return (
    <ConfigProvider
      locale={antdLocale(i18n.language)}
      // secondary and description text darker than antd's: 4.5:1 contrast on grey (axe, WCAG AA)
      theme={{
        token: {
          colorPrimary: '#1f4e8c',
          colorLink: '#1f4e8c',
          borderRadius: 4,
          colorTextSecondary: '#595959',
          colorTextDescription: '#595959',
          colorTextTertiary: '#666666',
          // danger buttons' red text on white: 4.5:1 as well (antd's #ff4d4f is 3.3:1)
          colorError: '#cf1322',
        },
        // an empty table's text is read, not disabled: the same contrast
        components: { Table: { colorTextDisabled: '#595959' } },
      }}
      // "中文" must stay "中文" (antd would space two CJK characters on a button: "中 文")
      button={{ autoInsertSpace: false }}
    >
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </ConfigProvider>
  )
}
