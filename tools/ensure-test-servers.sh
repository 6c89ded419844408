#!/usr/bin/env bash
# Fetches the servers the tests run that Debian does not package, once, into a cache outside
# the repository, and prints where each is:
#   OpenSearch: the project's own minimal distribution for integration tests, from Maven Central
#     (the AWS domain runs OpenSearch_2.19), unpacked; it runs on the machine's Java 17. That
#     distribution holds only the transport module, so the analysis-common module (stemmers,
#     n-grams, the language analyzers: built into every AWS domain) joins it from Maven Central.
#   OpenSearch with the security plugin (the AWS domain's fine-grained access control): the same
#     distribution at the version the plugin's zip on Maven Central matches, the plugin installed.
#   moto: an S3- and SSM-compatible server from PyPI, in a virtual environment of its own.
# Needs java, mvn and python3 (tools/ensure-system-packages.sh installs them as root).
set -euo pipefail

opensearch_version=2.19.6
# The security plugin's zip must match the core's version exactly: Maven Central has it for 2.19.4
# (2.19.4.0), not for 2.19.6. The search user's test runs on this one.
security_version=2.19.4
moto_version=5.2.5
# OpenSearch runs as an unprivileged user, who cannot enter root's home: as root, the cache is system-wide.
if [ "$(id -u)" -eq 0 ]; then default_cache=/var/cache/shop-evolution; else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/shop-evolution"; fi
cache="${SHOP_TEST_CACHE:-$default_cache}"

# Unpacks the integration-test distribution of version $1 into $2, with the analysis-common module.
fetch_opensearch() {
  local version="$1" home="$2"
  echo "Fetching OpenSearch $version from Maven Central..." >&2
  local download
  download="$(dirname "$home")"
  mkdir -p "$download"
  mvn -q -B dependency:copy \
    -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$version:zip" \
    -DoutputDirectory="$download" >&2
  rm -rf "$home.partial"
  mkdir -p "$home.partial"
  # The zip holds one folder, opensearch-<version>/.
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$download/opensearch-$version.zip" "$home.partial"
  local module="$home.partial/opensearch-$version/modules/analysis-common"
  mkdir -p "$module"
  mvn -q -B dependency:copy -Dartifact="org.opensearch.plugin:analysis-common:$version:jar" -DoutputDirectory="$module" >&2
  # The descriptor the full distribution ships; without lang-painless (absent here) to extend.
  cat >"$module/plugin-descriptor.properties" <<DESCRIPTOR
description=Adds "built in" analyzers to OpenSearch.
version=$version
name=analysis-common
classname=org.opensearch.analysis.common.CommonAnalysisPlugin
java.version=11
opensearch.version=$version
custom.foldername=
extended.plugins=
has.native.controller=false
DESCRIPTOR
  chmod a+x "$home.partial/opensearch-$version"/bin/*
}

# Makes the unpacked distribution readable by the unprivileged user it runs as, and puts it in place.
publish_opensearch() {
  local version="$1" home="$2"
  chmod -R a+rX "$home.partial"
  mv "$home.partial/opensearch-$version" "$home"
  rm -rf "$home.partial"
}

opensearch_home="$cache/opensearch/$opensearch_version/opensearch-$opensearch_version"
if [ ! -x "$opensearch_home/bin/opensearch" ]; then
  fetch_opensearch "$opensearch_version" "$opensearch_home"
  publish_opensearch "$opensearch_version" "$opensearch_home"
fi

security_home="$cache/opensearch-security/$security_version/opensearch-$security_version"
if [ ! -d "$security_home/plugins/opensearch-security" ]; then
  fetch_opensearch "$security_version" "$security_home"
  mvn -q -B dependency:copy -Dartifact="org.opensearch.plugin:opensearch-security:$security_version.0:zip" -DoutputDirectory="$(dirname "$security_home")" >&2
  # The installer runs on the machine's Java (the distribution bundles none) and asks nothing in batch mode.
  JAVA_HOME="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}" \
    "$security_home.partial/opensearch-$security_version/bin/opensearch-plugin" install --batch \
    "file://$(dirname "$security_home")/opensearch-security-$security_version.0.zip" >&2
  publish_opensearch "$security_version" "$security_home"
fi

moto_home="$cache/moto/$moto_version"
if ! "$moto_home/bin/moto_server" --help >/dev/null 2>&1; then
  echo "Installing moto $moto_version from PyPI..." >&2
  rm -rf "$moto_home"
  python3 -m venv "$moto_home"
  "$moto_home/bin/pip" install -q "moto[server]==$moto_version" >&2
fi

echo "OPENSEARCH_HOME=$opensearch_home"
echo "OPENSEARCH_SECURITY_HOME=$security_home"
echo "MOTO_SERVER=$moto_home/bin/moto_server"
