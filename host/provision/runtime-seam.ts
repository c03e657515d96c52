/**
 * The one seam between a host and where it runs. Everything a host learns at run time — the
 * database endpoint, secret ids, passwords, its TLS certificate — comes through
 * `mirovoy-fetch`, which reads it on EC2 from instance tags (metadata service, IMDSv2) and AWS
 * Secrets Manager, and in the rehearsal from files the harness placed before boot. The rest of
 * the provision step is the same code on both.
 *
 * What the deployment must provide on EC2 (the Terraform side):
 * - an instance tag `mirovoy:<setting>` for each of {@link RUNTIME_SETTINGS}, readable through
 *   the metadata service (launch template `instance_metadata_tags = "enabled"`);
 * - an instance tag `mirovoy:secret-<name>` holding the ARN of each secret of
 *   {@link RUNTIME_SECRETS} the host uses, and `secretsmanager:GetSecretValue` on it.
 * In the rehearsal the harness writes `<REHEARSAL_SEAM_DIRECTORY>/settings/<setting>` and
 * `<REHEARSAL_SEAM_DIRECTORY>/secrets/<name>` (the secret's JSON) instead.
 */
import { generatedHeader, RenderedFile } from '../files';
import { withoutCommentLines } from '../format/shell';

/** Where the rehearsal harness puts settings and secrets; never present on EC2. */
export const REHEARSAL_SEAM_DIRECTORY = '/etc/mirovoy/rehearsal';
/** Prefix of the instance tags that carry run-time settings on EC2. */
export const SETTING_TAG_PREFIX = 'mirovoy:';
/** Path of the seam command on the host. */
export const FETCH_COMMAND = '/usr/local/sbin/mirovoy-fetch';
/**
 * Path of the seam's writing half: backups into the bucket of setting `backup-bucket`, metrics
 * to CloudWatch. It travels in the bundle (not the user data), so it can grow without replacing
 * an instance. In the rehearsal it keeps both under {@link REHEARSAL_STORE_DIRECTORY}.
 */
export const STORE_COMMAND = '/usr/local/sbin/mirovoy-store';
/**
 * Where the rehearsal's `mirovoy-store` keeps backups (`backups/<key>`) and metrics bodies
 * (`metrics/<time>.json`), and finds the objects of other buckets it reads (`objects/<bucket>/<key>`).
 */
export const REHEARSAL_STORE_DIRECTORY = `${REHEARSAL_SEAM_DIRECTORY}/store`;
/** Where the rehearsal's `mirovoy-store object-get <bucket> <key>` reads the object. */
export const rehearsalObjectPath = (bucket: string, key: string): string => `${REHEARSAL_STORE_DIRECTORY}/objects/${bucket}/${key}`;
/** The CloudWatch namespace of the hosts' metrics; their role may put metrics into this one only. */
export const METRICS_NAMESPACE = 'Mirovoy/Mail';

/**
 * Run-time settings a mail host reads (plain strings, not secrets). On EC2 each is the
 * instance tag `mirovoy:<setting>`.
 */
export const RUNTIME_SETTINGS = {
  /** Host name of the database server: the RDS endpoint address (no port). */
  databaseHost: 'database-host',
  /**
   * HTTPS URL of the PEM bundle of CAs that sign the database server's certificate, e.g.
   * `https://truststore.pki.rds.amazonaws.com/<region>/<region>-bundle.pem`. On EC2 the secret
   * `db-ca` is built from it (the RDS bundle is public, not a secret); unused in the rehearsal.
   */
  databaseCaUrl: 'database-ca-url',
  /**
   * The configuration bundle this host should run: `<object key> <sha256>` (see
   * `host/provision/bundle.ts`). On EC2 the instance tag `mirovoy:bundle`, which the metadata
   * service serves live, so an in-place tag update reaches the running host.
   */
  bundle: 'bundle',
  /** S3 bucket holding the bundles (EC2 only; the rehearsal serves them from files). */
  bundleBucket: 'bundle-bucket',
  /** S3 bucket the primary keeps its database dumps in (EC2 only; see {@link STORE_COMMAND}). */
  backupBucket: 'backup-bucket',
} as const;

/**
 * What the setting `database-host` may hold: a host name, checked before it goes into an option
 * or map file (a newline there would add options of its own).
 */
export const DATABASE_HOST_VALUE = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/**
 * Secrets a mail host reads; each a JSON object. On EC2 the instance tag
 * `mirovoy:secret-<name>` holds the Secrets Manager id of secret `<name>`.
 */
export const RUNTIME_SECRETS = {
  /**
   * `{"username","password"}` of the RDS master user: primary only, read by `mirovoy-db-migrate`
   * (migrations and accounts) and `mirovoy-restore`; on disk only while `mirovoy-db-migrate` runs.
   */
  databaseMaster: 'db-master',
  /** `{"username","password"}` of Dovecot's read-only lookup user (primary only: it reads password hashes). */
  databaseLookup: 'db-lookup',
  /** `{"username","password"}` of Postfix's lookup user (column grants, no password hashes). */
  databasePostfix: 'db-postfix',
  /** `{"username","password"}` of the admin user. */
  databaseAdmin: 'db-admin',
  /** `{"username","password"}` of the Amavis user. */
  databaseAmavis: 'db-amavis',
  /** `{"username","password"}` of the dump-only user (primary only, `databaseDumps`). */
  databaseDump: 'db-dump',
  /**
   * `{"username","password"}` of Roundcube's database owner: read by the webmail hosts, and by the
   * primary, whose schema step creates the database and the account (`webmail` of its spec).
   */
  databaseRoundcube: 'db-roundcube',
  /**
   * `{"username","password"}` of the password plugin's account (UPDATE of `users.crypt` and
   * `users.clear` only): read by the webmail hosts, and by the primary, which creates it.
   */
  databaseWebmailPassword: 'db-webmail-password',
  /**
   * `{"des_key"}`: Roundcube's `des_key` (exactly 24 characters of `DATABASE_SECRET_VALUE`'s
   * alphabet), the same on every webmail host, which encrypts the IMAP password in its sessions.
   */
  roundcube: 'roundcube',
  /**
   * `{"username","password"}`: SMTP credentials for an authenticated relay (Amazon SES SMTP
   * credentials), only on hosts whose spec has `relay.authenticated`.
   */
  relay: 'relay',
  /**
   * `{"xandros","vivita"}`: passwords of the sample mailboxes (primary, with `testData` only),
   * hashed by `mirovoy-db-import`.
   */
  testData: 'test-data',
  /** `{"certificate_chain","private_key"}`: PEM chain (leaf first) and key of the host. */
  tls: 'tls',
  /**
   * `{"certificate"}`: PEM of the CA(s) that signed the database server's certificate. Not in
   * Secrets Manager on EC2: `mirovoy-fetch` downloads it from the setting `database-ca-url`.
   */
  databaseCa: 'db-ca',
} as const;

/** The secret holding a domain's DKIM key: `{"private_key"}` (PEM). */
export const dkimSecretName = (domain: string): string => `dkim-${domain.replace(/\./g, '-')}`;

/** An S3 object key a host may name: path segments of safe characters (callers also refuse `..`). */
const OBJECT_KEY_PATTERN = '^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$';

/**
 * Shell functions both seam commands share: `imds <path>` (the metadata service, IMDSv2),
 * `aws <service> <curl arguments…>` (one request signed with the instance role's credentials;
 * `@REGION@` in an argument becomes the instance's region) and `setting <name>`.
 */
const AWS_REQUESTS = `imds() {
  local token
  token=$(curl -fsS -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' http://169.254.169.254/latest/api/token)
  curl -fsS -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/$1"
}

# aws <service> <curl arguments...>: one signed HTTPS request with the instance role's credentials.
aws() {
  local service=$1 region role credentials
  shift
  region=$(imds meta-data/placement/region)
  role=$(imds meta-data/iam/security-credentials/)
  credentials=$(imds "meta-data/iam/security-credentials/$role" |
    python3 -c 'import json, sys; c = json.load(sys.stdin); print("user = \\"%s:%s\\"\\nheader = \\"x-amz-security-token: %s\\"" % (c["AccessKeyId"], c["SecretAccessKey"], c["Token"]))')
  printf '%s\\n' "$credentials" | curl -fsS --proto =https --retry 3 -K - --aws-sigv4 "aws:amz:$region:$service" "\${@//@REGION@/$region}"
}

setting() {
  if [[ -d ${REHEARSAL_SEAM_DIRECTORY} ]]; then cat "${REHEARSAL_SEAM_DIRECTORY}/settings/$1"
  else imds "meta-data/tags/instance/${SETTING_TAG_PREFIX}$1"; fi
}`;

// Shipped without its comment lines (EC2 caps user data at 16 KB); the usage message says what they say.
// AWS is called with curl's own SigV4 signing (curl >= 7.75, Debian 13 has 8.14) and the role's
// credentials from the metadata service, instead of the AWS CLI (121 MB, 8,841 files).
// Credentials reach curl on its standard input (-K -), never in its arguments.
const BODY = `# Usage: mirovoy-fetch setting <name>          print a run-time setting
#        mirovoy-fetch secret <name> [<field>] print a secret (or one field of its JSON)
#        mirovoy-fetch bundle <key>            print a configuration bundle
set -euo pipefail
usage='usage: mirovoy-fetch setting|secret|bundle <name> [field]'
kind=\${1:?$usage}
name=\${2:?$usage}
field=\${3:-}
if [[ $kind == bundle ]]; then
  [[ $name =~ ${OBJECT_KEY_PATTERN} && $name != *..* ]] || { echo "mirovoy-fetch: bad bundle key '$name'" >&2; exit 2; }
else
  [[ $name =~ ^[a-z0-9-]+$ ]] || { echo "mirovoy-fetch: bad name '$name'" >&2; exit 2; }
fi

${AWS_REQUESTS}
secret() {
  if [[ -d ${REHEARSAL_SEAM_DIRECTORY} ]]; then cat "${REHEARSAL_SEAM_DIRECTORY}/secrets/$1"
  elif [[ $1 == ${RUNTIME_SECRETS.databaseCa} ]]; then
    # Public, so not in Secrets Manager: the CA bundle from its URL, as {"certificate": <PEM>}.
    url=$(setting ${RUNTIME_SETTINGS.databaseCaUrl})
    curl -fsS --proto =https "$url" | python3 -c 'import json, sys; print(json.dumps({"certificate": sys.stdin.read()}))'
  else
    id=$(setting "secret-$1")
    aws secretsmanager -H 'X-Amz-Target: secretsmanager.GetSecretValue' -H 'Content-Type: application/x-amz-json-1.1' \\
      --data "{\\"SecretId\\": \\"$id\\"}" https://secretsmanager.@REGION@.amazonaws.com/ |
      python3 -c 'import json, sys; print(json.load(sys.stdin)["SecretString"])'
  fi
}

bundle() {
  if [[ -d ${REHEARSAL_SEAM_DIRECTORY} ]]; then cat "${REHEARSAL_SEAM_DIRECTORY}/bundles/$1"
  else
    bucket=$(setting ${RUNTIME_SETTINGS.bundleBucket})
    # curl adds and signs x-amz-content-sha256 itself for service s3 (since 8.0).
    aws s3 "https://$bucket.s3.@REGION@.amazonaws.com/$1"
  fi
}

case $kind in
  setting) setting "$name" ;;
  secret)
    if [[ -z $field ]]; then secret "$name"
    else secret "$name" | python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]], end="")' "$field"; fi ;;
  bundle) bundle "$name" ;;
  *) echo "mirovoy-fetch: unknown kind '$kind' (setting, secret or bundle)" >&2; exit 2 ;;
esac
`;

const SCRIPT = `#!/bin/bash\n${generatedHeader('#', 'host/provision/runtime-seam.ts')}${withoutCommentLines(BODY)}`;

/** The seam command, as a file for the host. */
export const renderFetchCommand = (): RenderedFile => ({
  path: FETCH_COMMAND,
  content: SCRIPT,
  mode: '0755',
  owner: 'root',
  group: 'root',
});

// The body is staged in a file: curl reads the role's credentials on its standard input (-K -).
// S3: curl signs x-amz-content-sha256 of the body itself. CloudWatch: the AWS JSON 1.0 protocol.
const STORE_BODY = `# Usage: mirovoy-store backup-put <key> < file   store a backup object (never overwritten in place: keys carry a time)
#        mirovoy-store backup-get <key> > file   read one back
#        mirovoy-store backup-list [<prefix>]    list the keys under a prefix, one per line, sorted
#        mirovoy-store metrics < body.json       send a CloudWatch PutMetricData body {"Namespace", "MetricData"}
#        mirovoy-store object-get <bucket> <key> > file   read an object of another bucket (a migration's dump)
set -euo pipefail
usage='usage: mirovoy-store backup-put|backup-get <key>, backup-list [<prefix>], metrics, object-get <bucket> <key>'
kind=\${1:?$usage}
key=\${2:-}
case $kind in
  backup-put | backup-get) [[ $key =~ ${OBJECT_KEY_PATTERN} && $key != *..* ]] || { echo "mirovoy-store: bad key '$key'" >&2; exit 2; } ;;
  object-get)
    bucket=$key key=\${3:-}
    [[ $bucket =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ && $key =~ ${OBJECT_KEY_PATTERN} && $key != *..* ]] || { echo "mirovoy-store: bad bucket or key '$bucket' '$key'" >&2; exit 2; } ;;
  backup-list) [[ -z $key || ($key =~ ^[A-Za-z0-9._/-]+$ && $key != *..* && $key != /*) ]] || { echo "mirovoy-store: bad prefix '$key'" >&2; exit 2; } ;;
  metrics) ;;
  *) echo "mirovoy-store: unknown kind '$kind' ($usage)" >&2; exit 2 ;;
esac
rehearsal=false
[[ -d ${REHEARSAL_SEAM_DIRECTORY} ]] && rehearsal=true
body=$(mktemp)
trap 'rm -f "$body"' EXIT

${AWS_REQUESTS}

bucket_url() { echo "https://$(setting ${RUNTIME_SETTINGS.backupBucket}).s3.@REGION@.amazonaws.com/$1"; }
urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }

case $kind in
  backup-put)
    cat >"$body"
    if $rehearsal; then
      mkdir -p "$(dirname "${REHEARSAL_STORE_DIRECTORY}/backups/$key")"
      cp "$body" "${REHEARSAL_STORE_DIRECTORY}/backups/$key.part" && mv "${REHEARSAL_STORE_DIRECTORY}/backups/$key.part" "${REHEARSAL_STORE_DIRECTORY}/backups/$key"
    else
      aws s3 -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$body" -o /dev/null "$(bucket_url "$key")"
    fi ;;
  backup-get)
    if $rehearsal; then cat "${REHEARSAL_STORE_DIRECTORY}/backups/$key"
    else aws s3 "$(bucket_url "$key")"; fi ;;
  backup-list)
    if $rehearsal; then
      [[ -d ${REHEARSAL_STORE_DIRECTORY}/backups ]] || exit 0
      (cd "${REHEARSAL_STORE_DIRECTORY}/backups" && find . -type f ! -name '*.part' -printf '%P\\n' | awk -v prefix="$key" 'index($0, prefix) == 1' | LC_ALL=C sort)
    else
      # ListObjectsV2, page by page: each page prints its keys, then "next <token>" when more follow.
      token=''
      while :; do
        page=$(aws s3 "$(bucket_url "?list-type=2&prefix=$(urlencode "$key")\${token:+&continuation-token=$(urlencode "$token")}")" |
          python3 -c 'import sys, xml.etree.ElementTree as T
root = T.parse(sys.stdin).getroot()
ns = {"s": root.tag[1:].split("}")[0]}
for k in root.findall("s:Contents/s:Key", ns): print(k.text)
t = root.find("s:NextContinuationToken", ns)
if t is not None: print("next " + t.text)')
        token=''
        while IFS= read -r line; do
          if [[ $line == "next "* ]]; then token=\${line#next }; elif [[ -n $line ]]; then printf '%s\\n' "$line"; fi
        done <<<"$page"
        [[ -n $token ]] || break
      done | LC_ALL=C sort
    fi ;;
  object-get)
    if $rehearsal; then cat "${REHEARSAL_STORE_DIRECTORY}/objects/$bucket/$key"
    # A dotted bucket name does not match S3's wildcard certificate as a host name: path style.
    elif [[ $bucket == *.* ]]; then aws s3 "https://s3.@REGION@.amazonaws.com/$bucket/$key"
    else aws s3 "https://$bucket.s3.@REGION@.amazonaws.com/$key"; fi ;;
  metrics)
    cat >"$body"
    python3 -c 'import json, sys; b = json.load(open(sys.argv[1])); assert b["Namespace"] == sys.argv[2] and isinstance(b["MetricData"], list)' "$body" ${METRICS_NAMESPACE} ||
      { echo "mirovoy-store: the metrics body must be JSON {\\"Namespace\\": \\"${METRICS_NAMESPACE}\\", \\"MetricData\\": [...]}" >&2; exit 2; }
    if $rehearsal; then
      mkdir -p "${REHEARSAL_STORE_DIRECTORY}/metrics"
      cp "$body" "${REHEARSAL_STORE_DIRECTORY}/metrics/$(date -u +%Y%m%dT%H%M%S%NZ).json"
    else
      aws monitoring -H 'Content-Type: application/x-amz-json-1.0' -H 'X-Amz-Target: GraniteServiceVersion20100801.PutMetricData' \\
        --data-binary "@$body" -o /dev/null https://monitoring.@REGION@.amazonaws.com
    fi ;;
esac
`;

/** The seam's writing half (`mirovoy-store`), as a file for the bundle. */
export const renderStoreCommand = (): RenderedFile => ({
  path: STORE_COMMAND,
  content: `#!/bin/bash\n${generatedHeader('#', 'host/provision/runtime-seam.ts')}${withoutCommentLines(STORE_BODY)}`,
  mode: '0755',
  owner: 'root',
  group: 'root',
});
