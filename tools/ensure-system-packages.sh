#!/usr/bin/env bash
# Makes sure the Debian packages the tests drive for real are installed. As root it installs
# what is missing with apt-get; otherwise it stops at once and names what to install.
set -euo pipefail

# command that must exist -> the Debian package that provides it
declare -A needed=(
  [/usr/sbin/nginx]=nginx
  [/usr/bin/redis-server]=redis-server
  [/usr/bin/chromium]=chromium
  # OpenSearch's test distribution runs on Java 17 and is fetched with Maven (tools/ensure-test-servers.sh).
  [/usr/bin/java]=openjdk-17-jre-headless
  [/usr/bin/mvn]=maven
  # The lab's layer-4 balancer (stage 8+) is nginx's stream module, a dynamic module in Debian.
  [/usr/lib/nginx/modules/ngx_stream_module.so]=libnginx-mod-stream
)

missing=()
for path in "${!needed[@]}"; do
  [ -e "$path" ] || missing+=("${needed[$path]}")
done
# PostgreSQL's server binaries live in a versioned folder.
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "The tests need these Debian packages: ${missing[*]}" >&2
  echo "Install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing ${missing[*]} for the tests..." >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Installed to be run by the tests on their own ports, not as system services.
for service in nginx redis-server postgresql; do
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now "$service" >/dev/null 2>&1 || true; fi
  service "$service" stop >/dev/null 2>&1 || true
done
