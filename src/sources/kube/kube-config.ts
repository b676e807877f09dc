import type https from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

/**
 * The gateway's User-Agent on every request to the API server (typed API clients, watches,
 * readiness probes), so the server's audit log and APF flow metrics tell its requests from
 * kubectl's or another controller's (docs/controller-scale.md#requests-per-minute).
 */
export const CONTROLLER_USER_AGENT = 'portcullis-controller';

/** A KubeConfig whose requests carry `userAgent`. */
export class UserAgentKubeConfig extends KubeConfig {
  constructor(private readonly userAgent = CONTROLLER_USER_AGENT) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam('User-Agent', this.userAgent);
  }

  override async applyToHTTPSOptions(opts: Parameters<KubeConfig['applyToHTTPSOptions']>[0]): Promise<void> {
    await super.applyToHTTPSOptions(opts);
    const o = opts as https.RequestOptions;
    o.headers = { ...(o.headers as Record<string, string> | undefined), 'User-Agent': this.userAgent };
  }
}
