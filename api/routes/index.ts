import type { RouteDef } from '../http/route';
import { actionRoutes } from './actions';
import { assuranceRoutes } from './assurance';
import { calendarRoutes } from './calendar';
import { chairInspectorRoutes } from './chair-inspector';
import { correctionRoutes } from './corrections';
import { dashboardRoutes } from './dashboard';
import { meRoutes } from './me';
import { peopleRoutes } from './people';
import { reopenWithdrawRoutes } from './reopen-withdraw';
import { reportRoutes } from './reports';
import { reviewRoutes } from './reviews';
import { systemRoutes } from './system';
import { themeRoutes } from './themes';
import { tokenRoutes } from './tokens';

/** The one table of routes: Express, the OpenAPI document and the authorization tests all read it. */
export const ROUTES: RouteDef[] = [
  ...systemRoutes,
  ...peopleRoutes,
  ...tokenRoutes,
  ...reviewRoutes,
  ...actionRoutes,
  ...assuranceRoutes,
  ...dashboardRoutes,
  ...reportRoutes,
  ...calendarRoutes,
  ...themeRoutes,
  ...meRoutes,
  ...chairInspectorRoutes, // issue 20
  ...correctionRoutes, // issue 22: the board's corrections
  ...reopenWithdrawRoutes, // issue 22
];
