import { AcmCertificate } from '@cdktf/provider-aws/lib/acm-certificate';
import { AcmCertificateValidation } from '@cdktf/provider-aws/lib/acm-certificate-validation';
import { Route53Record } from '@cdktf/provider-aws/lib/route53-record';
import { Fn, TerraformIterator, Token } from 'cdktf';
import { Construct } from 'constructs';
import { zoneOf } from '../../configs/zones';
import { ResolvedZone } from '../dns/hosted-zones';

/** Properties of {@link AcmDnsCertificate}. */
export interface AcmDnsCertificateProps {
  /** The names the certificate covers, the first as its subject; at least one. */
  readonly names: readonly string[];
  /** The zones the validation records go to: each name's record to the most specific zone enclosing it. */
  readonly zones: readonly ResolvedZone[];
  /** Time to live of the validation records, in seconds. @default 300 */
  readonly ttl?: number;
}

/**
 * An ACM certificate validated by DNS: the certificate, one validation CNAME per name in Route53,
 * and the validation that waits until ACM has issued it. ACM renews it by itself for as long as the
 * CNAMEs stay. {@link certificateArn} is the validated certificate, so whatever uses it (a
 * listener) is made only once the certificate can be served.
 */
export class AcmDnsCertificate extends Construct {
  /** The certificate. */
  readonly certificate: AcmCertificate;
  /** The validation; its ARN is the certificate's, known once ACM has issued it. */
  readonly validation: AcmCertificateValidation;
  /** ARN of the issued certificate. */
  readonly certificateArn: string;

  constructor(scope: Construct, id: string, props: AcmDnsCertificateProps) {
    super(scope, id);
    const [subject, ...alternatives] = props.names;
    if (!subject) throw new Error(`AcmDnsCertificate ${this.node.path}: names is empty; give the names the certificate covers`);
    const zoneIds = Object.fromEntries(
      props.names.map((name) => {
        const zone = zoneOf(name, props.zones);
        if (!zone) throw new Error(`AcmDnsCertificate ${this.node.path}: no zone encloses ${name} (zones: ${props.zones.map((z) => z.name).join(', ')}); its validation record has nowhere to go`);
        return [name, zone.zoneId];
      }),
    );
    this.certificate = new AcmCertificate(this, 'Certificate', {
      domainName: subject,
      subjectAlternativeNames: alternatives.length ? alternatives : undefined,
      validationMethod: 'DNS',
      keyAlgorithm: 'RSA_2048',
      // A change of names makes a new certificate; the listener moves to it before the old one goes.
      lifecycle: { createBeforeDestroy: true },
    });
    // One record per name, keyed by it (known at plan time: the names are the config's).
    const option = TerraformIterator.fromComplexList(this.certificate.domainValidationOptions, 'domain_name');
    const records = new Route53Record(this, 'ValidationRecord', {
      forEach: option,
      zoneId: Fn.lookup(zoneIds, option.getString('domain_name')),
      name: option.getString('resource_record_name'),
      type: option.getString('resource_record_type'),
      records: [option.getString('resource_record_value')],
      ttl: props.ttl ?? 300,
      // ACM's validation record of a name is the same for every certificate of the account: a
      // replacement certificate (create before destroy) validates with the record already there.
      allowOverwrite: true,
    });
    this.validation = new AcmCertificateValidation(this, 'Validation', {
      certificateArn: this.certificate.arn,
      validationRecordFqdns: Token.asList(TerraformIterator.fromResources(records).pluckProperty('fqdn')),
    });
    this.certificateArn = this.validation.certificateArn;
  }
}
