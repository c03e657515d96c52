#!/bin/bash
# Installs the host tools the rehearsal needs (idempotent).
# CI starts on a fresh Debian 12 machine, so this list must be complete; when every
# package is already installed it neither refreshes apt lists nor touches the network.
set -euo pipefail

# Why each tool is here:
#   mmdebstrap, debootstrap, debian-archive-keyring  build the trixie rootfs and the package closure
#   systemd-container                                systemd-nspawn boots the hosts
#   dpkg-dev                                         dpkg-scanpackages indexes the local apt repository
#   zstd                                             compresses the cached tarballs
#   dnsmasq-base                                     the rehearsal's authoritative DNS server
#   swaks, libnet-ssleay-perl, libio-socket-ssl-perl SMTP client (STARTTLS needs Net::SSLeay)
#   openssl, python3, curl                           TLS / IMAP clients in the tests
#   iproute2                                         ip netns, veth, bridge
#   nftables                                         packet filtering in client netns (tests may use it)
#   util-linux                                       nsenter, unshare, blkid
#   mount, e2fsprogs                                 losetup, mkfs.ext4: the data-volume tests
#   bind9-dnsutils                                   dig checks what the rehearsal DNS serves
#   testssl.sh                                       scans the hosts' TLS as a scanner on the internet would
#   ShellCheck (package shellcheck)                  lints the rendered shell scripts and ours (npm test)
#   php-cli                                          php -l / php -r check the rendered PHP config (host/format/php.ts)
#   chromium                                         the headless browser playwright-core drives (webmail e2e); never downloaded by npm
#   sieve-connect                                    ManageSieve client (users' Sieve scripts on 4190)
PACKAGES=(
  mmdebstrap debootstrap debian-archive-keyring systemd-container dpkg-dev zstd
  dnsmasq-base swaks libnet-ssleay-perl libio-socket-ssl-perl openssl python3 curl
  iproute2 nftables util-linux mount e2fsprogs bind9-dnsutils testssl.sh shellcheck sieve-connect
  php-cli chromium
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
  [[ "$status" == ii* ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "host-tools: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

echo "host-tools: installing ${missing[*]}"
start=$SECONDS
apt-get update -q
# Other jobs on a shared machine may hold the dpkg lock: wait for it instead of failing.
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
echo "host-tools: done in $((SECONDS - start)) s"
