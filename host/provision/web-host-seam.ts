/**
 * What the web hosts and the Terraform side that runs them agree on beyond `runtime-seam.ts`: the
 * port both applications serve plain HTTP on behind the load balancer and the page its health
 * checks ask for (the webmail host's, `host/web/roundcube.ts`: one place for both). The
 * applications' secrets are named where their hosts read them (`host/web`).
 */
import { HEALTH_CHECK_URL_PATH } from '../web/roundcube';
import { WEB_APPLICATION_HTTP_PORT } from '../web/web-plan';

/** The two web applications; each runs in its own auto-scaling group. */
export type WebApplication = 'roundcube' | 'phpmyadmin';

/**
 * The port a web host's Apache listens on for the load balancer: plain HTTP, the load balancer
 * terminates TLS and says so in `X-Forwarded-Proto`. Only the load balancer's group reaches it.
 */
export const WEB_HOST_PORT = WEB_APPLICATION_HTTP_PORT;

/** The page the load balancer's health check asks each web host for: 200 only while the application answers. */
export const WEB_HEALTH_PATH = HEALTH_CHECK_URL_PATH;
