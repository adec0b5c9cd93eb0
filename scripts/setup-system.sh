#!/usr/bin/env bash
# npm run setup:system — the optional system parts, from Debian's packages:
#   the Python servers' frameworks (run with /usr/bin/python3), nginx (proxy scenarios) and
#   chromium (browser checks and the report's screenshot test), iproute2 and nftables (`--net`:
#   a namespace, veth, tc and nft for loss and bandwidth), openssl (node-sse-h2's throw-away TLS
#   certificate for browsers), libnginx-mod-nchan and pushpin (the broker targets nchan-* and
#   pushpin-*; the harness runs its own instances, so Pushpin's system service is stopped and
#   disabled after installing). Safe to run again: it installs only
#   what is missing, and with everything present it needs no root.
set -euo pipefail
PACKAGES=(python3-fastapi python3-uvicorn python3-aiohttp python3-flask gunicorn python3-websockets nginx chromium iproute2 nftables openssl libnginx-mod-nchan pushpin)

if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null; then
  echo "setup:system needs a Debian-based system (apt-get, dpkg-query); install these yourself: ${PACKAGES[*]}" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup:system: all present (${PACKAGES[*]})"
  exit 0
fi

if [ "$(id -u)" != "0" ]; then
  echo "setup:system: missing ${missing[*]}; installing needs root for apt-get: run 'sudo npm run setup:system'" >&2
  exit 1
fi

echo "setup:system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Recommended packages stay on: chromium needs its fonts to render the report's screenshot.
apt-get install -y -qq "${missing[@]}" >/dev/null
# Debian starts Pushpin as a service on install (ports 7999 and 5560-5563 on every interface): the
# broker targets run their own instance per step, on free loopback ports, so the service goes.
if printf '%s\n' "${missing[@]}" | grep -qx pushpin; then
  [ -x /etc/init.d/pushpin ] && { /etc/init.d/pushpin stop >/dev/null 2>&1 || true; }
  # disable works without a running systemd too (containers): it removes the boot-time links.
  command -v systemctl >/dev/null && { systemctl disable --now pushpin >/dev/null 2>&1 || systemctl disable pushpin >/dev/null 2>&1 || true; }
  command -v update-rc.d >/dev/null && { update-rc.d pushpin disable >/dev/null 2>&1 || true; }
fi
echo "setup:system: done"
