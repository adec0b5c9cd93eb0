#!/usr/bin/env bash
# npm run setup:system — the optional system parts, from Debian's packages:
#   the Python servers' frameworks (run with /usr/bin/python3), nginx (proxy scenarios) and
#   chromium (browser checks and the report's screenshot test). Safe to run again.
set -euo pipefail
PACKAGES=(python3-fastapi python3-uvicorn python3-aiohttp python3-flask gunicorn python3-websockets nginx chromium)
if [ "$(id -u)" != "0" ]; then
  echo "setup:system needs root for apt-get: run 'sudo npm run setup:system'" >&2
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
echo "setup:system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
echo "setup:system: done"
