/**
 * Typed hook points for the services other issues add to Postfix (Amavis, Postgrey,
 * policyd-spf, OpenDKIM, the header From check). They are composed into the restriction lists and master.cf
 * at fixed, reviewed positions; there is no free-text escape hatch.
 */
import { MasterService } from '../format/postfix-master-cf';

/** A Postfix client endpoint: `unix:<path relative to the queue directory>` or `inet:<host>:<port>`. */
export type PostfixEndpoint = `unix:${string}` | `inet:${string}:${number}`;

/** A policy service (postgrey, policyd-spf, Dovecot's quota-status) asked at RCPT time. */
export interface PolicyService {
  /** Where it listens. */
  readonly endpoint: PostfixEndpoint;
}

/** A content filter that receives every message from port 25 and re-injects it (Amavis). */
export interface ContentFilter {
  /** `content_filter` value: `<master.cf transport>:[host]:port`, e.g. `smtp-amavis:[127.0.0.1]:10024`. */
  readonly nexthop: string;
  /**
   * `content_filter` of the submission services (587/465), e.g. a port where the filter
   * treats mail as outbound (Amavis' ORIGINATING policy bank).
   * @default null (mail from authenticated users is not filtered)
   */
  readonly submissionNexthop?: string | null;
}

/**
 * Milters (OpenDKIM, the header From check). A daemon gives its own; `postfixExtensionsFor`
 * composes them in daemon list order.
 */
export interface Milters {
  /** Milter endpoints for port 25 and locally submitted mail (and submission), in call order. */
  readonly endpoints: readonly PostfixEndpoint[];
  /** What to do when a milter is unavailable. @default 'accept' (mail flow over signing) */
  readonly defaultAction?: 'accept' | 'tempfail';
  /** The milters of the submission services (587, 465), in call order. @default endpoints */
  readonly submissionEndpoints?: readonly PostfixEndpoint[];
  /** The same on the submission ports (587, 465). @default defaultAction */
  readonly submissionDefaultAction?: 'accept' | 'tempfail';
}

/** Everything another component may add to Postfix. All optional; empty by default. */
export interface PostfixExtensions {
  /** Asked after unknown recipients are rejected, so they never see (or greylist) them. */
  readonly policyServices?: readonly PolicyService[];
  /**
   * About the recipient's mailbox (quota): asked on port 25 after unknown recipients are rejected
   * and before anyone is let past the policy services, and on submission; on the primary, the
   * backup MX gets their rejections as deferrals (it has accepted the mail already).
   */
  readonly mailboxPolicyServices?: readonly PolicyService[];
  readonly contentFilter?: ContentFilter | null;
  readonly milters?: Milters | null;
  /** Extra master.cf services (filter transports, re-injection listeners, spawn services). */
  readonly masterServices?: readonly MasterService[];
}
