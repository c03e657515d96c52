/**
 * Issue 12, item 1: the metadata guard against real sockets. In a network namespace of its own
 * (`unshare -n`), an HTTP server answers on both metadata addresses; curl asks as root and as
 * `nobody`, before and after the rendered rule set is loaded. A root test (Jest project `root`):
 * switching users needs root, so `npm run test:unit` leaves it out; `npm test` runs it.
 */
import { execFileSync } from 'node:child_process';
import { IMDS_ADDRESSES, renderImdsGuardRules } from '../../host/base/imds-guard';

const NOBODY = 65534;

/** Each line: `<when> <who> <address> <HTTP status> <curl exit code>`. */
const probeScript = `
set -eu
dir=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$dir"' EXIT
echo '{"AccessKeyId": "stand-in"}' > "$dir/credentials"
ip link set lo up
ip addr add ${IMDS_ADDRESSES.ipv4}/32 dev lo
ip -6 addr add ${IMDS_ADDRESSES.ipv6}/128 dev lo nodad
python3 -m http.server --bind ${IMDS_ADDRESSES.ipv4} --directory "$dir" 80 >/dev/null 2>&1 &
python3 -m http.server --bind ${IMDS_ADDRESSES.ipv6} --directory "$dir" 80 >/dev/null 2>&1 &
for url in http://${IMDS_ADDRESSES.ipv4}/credentials 'http://[${IMDS_ADDRESSES.ipv6}]/credentials'; do
  for _ in $(seq 50); do curl -gfs -o /dev/null "$url" && break; sleep 0.1; done
done
probe() {
  local when=$1 url
  for url in http://${IMDS_ADDRESSES.ipv4}/credentials 'http://[${IMDS_ADDRESSES.ipv6}]/credentials'; do
    printf '%s root %s %s\\n' "$when" "$url" "$(curl -gs -m 5 -o /dev/null -w '%{http_code} ' "$url"; echo $?)"
    printf '%s nobody %s %s\\n' "$when" "$url" "$(setpriv --reuid=${NOBODY} --regid=${NOBODY} --clear-groups curl -gs -m 5 -o /dev/null -w '%{http_code} ' "$url"; echo $?)"
  done
}
probe before
nft -f - <<'EOF'
${renderImdsGuardRules()}EOF
probe after
`;

describe('the metadata guard on real sockets', () => {
  const lines = execFileSync('unshare', ['-n', 'bash', '-c', probeScript], { encoding: 'utf8', timeout: 60_000 }).trim().split('\n');
  const urls = [`http://${IMDS_ADDRESSES.ipv4}/credentials`, `http://[${IMDS_ADDRESSES.ipv6}]/credentials`];

  it('lets every user in while it is not loaded (so the test can fail)', () => {
    expect(lines.filter((l) => l.startsWith('before '))).toEqual(urls.flatMap((url) => [`before root ${url} 200 0`, `before nobody ${url} 200 0`]));
  });

  it('then answers root and refuses nobody at once (connection refused, no timeout), on IPv4 and IPv6', () => {
    expect(lines.filter((l) => l.startsWith('after '))).toEqual(urls.flatMap((url) => [`after root ${url} 200 0`, `after nobody ${url} 000 7`]));
  });
});
