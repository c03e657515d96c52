import { Lb } from '@cdktf/provider-aws/lib/lb';
import { LbListener } from '@cdktf/provider-aws/lib/lb-listener';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';

/**
 * The TLS policy of the HTTPS listener: TLS 1.3 and 1.2, for 1.2 only ECDHE with AES-GCM (no CBC,
 * no RSA key exchange), with hybrid post-quantum key exchange for clients that offer it. AWS's
 * recommended policy (and the console's default) since 2025-09; the same bar as the mail hosts'
 * policy (`host/tls-policy.ts`). https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html
 */
export const WEB_TLS_POLICY = 'ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09';

/** Properties of {@link WebLoadBalancer}. */
export interface WebLoadBalancerProps {
  /** AWS name of the load balancer (at most 32 characters), e.g. `mail-prod-web`. */
  readonly name: string;
  /** Public subnets, one per zone (at least two zones). */
  readonly subnetIds: readonly string[];
  /** Its security group (443 and 80 from the world). */
  readonly securityGroupId: string;
  /** The ACM certificate the HTTPS listener serves (validated: the listener waits for it). */
  readonly certificateArn: string;
  /** Write access logs to this bucket under `prefix`, once what `ready` lists exists. @default no access logs */
  readonly accessLogs?: { readonly bucket: string; readonly prefix: string; readonly ready: readonly ITerraformDependable[] };
}

/**
 * A public Application Load Balancer for the web tier: HTTPS on 443 with {@link WEB_TLS_POLICY}
 * answering 404 to every request no rule claims, and HTTP on 80 that only redirects to HTTPS
 * (301). What it serves is added as rules of {@link https} by whoever serves something.
 */
export class WebLoadBalancer extends Construct {
  /** The load balancer. */
  readonly loadBalancer: Lb;
  /** The HTTPS listener, where the rules go. */
  readonly https: LbListener;
  /** The HTTP listener (redirects only). */
  readonly http: LbListener;

  constructor(scope: Construct, id: string, props: WebLoadBalancerProps) {
    super(scope, id);
    if (props.name.length > 32) throw new Error(`WebLoadBalancer ${this.node.path}: name "${props.name}" has ${props.name.length} characters; AWS allows 32 — use a shorter environment name`);
    this.loadBalancer = new Lb(this, 'LoadBalancer', {
      name: props.name,
      loadBalancerType: 'application',
      internal: false,
      subnets: [...props.subnetIds],
      securityGroups: [props.securityGroupId],
      // Requests with header names that are not valid HTTP are dropped, not passed to a backend
      // (request smuggling through header-name tricks).
      dropInvalidHeaderFields: true,
      accessLogs: props.accessLogs ? { bucket: props.accessLogs.bucket, prefix: props.accessLogs.prefix, enabled: true } : undefined,
      dependsOn: props.accessLogs ? [...props.accessLogs.ready] : undefined,
    });
    this.https = new LbListener(this, 'Https', {
      loadBalancerArn: this.loadBalancer.arn,
      port: 443,
      protocol: 'HTTPS',
      sslPolicy: WEB_TLS_POLICY,
      certificateArn: props.certificateArn,
      defaultAction: [{ type: 'fixed-response', fixedResponse: { statusCode: '404', contentType: 'text/plain', messageBody: 'Not found\n' } }],
    });
    this.http = new LbListener(this, 'Http', {
      loadBalancerArn: this.loadBalancer.arn,
      port: 80,
      protocol: 'HTTP',
      // Same host, path and query; only the scheme and port change.
      defaultAction: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }],
    });
  }
}
