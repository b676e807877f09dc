import https from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

/**
 * The gateway's User-Agent on every request to the API server (typed API clients, watches,
 * readiness probes), so the server's audit log and APF flow metrics tell its requests from
 * kubectl's or another controller's (docs/controller-scale.md#requests-per-minute).
 */
export const CONTROLLER_USER_AGENT = 'portcullis-controller';

/**
 * A KubeConfig whose requests carry `userAgent` and reuse connections. client-node makes a new
 * https.Agent (without keep-alive) for every request, so every status PATCH, Event, Lease renewal
 * and list page paid a full TLS handshake, on both sides: here one keep-alive agent per TLS
 * identity (CA, client certificate, server name) is shared. A rotated certificate file yields
 * another identity and so a fresh agent. Proxy agents are left as client-node makes them.
 */
export class UserAgentKubeConfig extends KubeConfig {
  readonly #agents = new Map<string, https.Agent>();

  constructor(private readonly userAgent = CONTROLLER_USER_AGENT) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    context.setHeaderParam('User-Agent', this.userAgent);
    const agent = context.getAgent();
    if (agent instanceof https.Agent) context.setAgent(this.#keepAlive(agent));
  }

  override async applyToHTTPSOptions(opts: Parameters<KubeConfig['applyToHTTPSOptions']>[0]): Promise<void> {
    await super.applyToHTTPSOptions(opts);
    const o = opts as https.RequestOptions;
    o.headers = { ...(o.headers as Record<string, string> | undefined), 'User-Agent': this.userAgent };
    if (o.agent instanceof https.Agent) o.agent = this.#keepAlive(o.agent);
  }

  /**
   * Closes the pooled connections no request is using. A watch that went silent says the path to
   * the server may be dead (a middlebox dropped the flows, a server vanished without a FIN): its
   * idle neighbours are likely dead too, and the restarted watch (or a list) must not be handed
   * one of them and stall a second time.
   */
  dropIdleConnections(): void {
    for (const agent of this.#agents.values()) {
      for (const sockets of Object.values(agent.freeSockets)) for (const socket of sockets ?? []) socket.destroy();
    }
  }

  #keepAlive(made: https.Agent): https.Agent {
    const a = made.options;
    const key = JSON.stringify([a.ca, a.cert, a.key, a.pfx, a.passphrase, a.servername, a.rejectUnauthorized].map((v) => (v === undefined ? null : String(v))));
    let agent = this.#agents.get(key);
    if (!agent) {
      // No socket cap: watches hold theirs for minutes and must never queue an API call behind them.
      agent = new https.Agent({ ...a, keepAlive: true, maxFreeSockets: 32 });
      this.#agents.set(key, agent);
    }
    made.destroy();
    return agent;
  }
}

/** Drops idle pooled connections when the KubeConfig pools them (a plain KubeConfig does not). */
export function dropIdleConnections(kc: KubeConfig): void {
  if (kc instanceof UserAgentKubeConfig) kc.dropIdleConnections();
}
