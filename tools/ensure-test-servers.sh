#!/usr/bin/env bash
# Fetches the servers the tests run that Debian does not package, once, into a cache outside
# the repository, and prints where each is:
#   OpenSearch: the project's own minimal distribution for integration tests, from Maven Central
#     (the AWS domain runs OpenSearch_2.19), unpacked; it runs on the machine's Java 17. That
#     distribution holds only the transport module, so the analysis-common module (stemmers,
#     n-grams, the language analyzers: built into every AWS domain) joins it from Maven Central.
#   moto: an S3- and SSM-compatible server from PyPI, in a virtual environment of its own.
# Needs java, mvn and python3 (tools/ensure-system-packages.sh installs them as root).
set -euo pipefail

opensearch_version=2.19.6
moto_version=5.2.5
# OpenSearch runs as an unprivileged user, who cannot enter root's home: as root, the cache is system-wide.
if [ "$(id -u)" -eq 0 ]; then default_cache=/var/cache/shop-evolution; else default_cache="${XDG_CACHE_HOME:-$HOME/.cache}/shop-evolution"; fi
cache="${SHOP_TEST_CACHE:-$default_cache}"

opensearch_home="$cache/opensearch/$opensearch_version/opensearch-$opensearch_version"
if [ ! -x "$opensearch_home/bin/opensearch" ]; then
  echo "Fetching OpenSearch $opensearch_version from Maven Central..." >&2
  download="$cache/opensearch/$opensearch_version"
  mkdir -p "$download"
  mvn -q -B dependency:copy \
    -Dartifact="org.opensearch.distribution.integ-test-zip:opensearch:$opensearch_version:zip" \
    -DoutputDirectory="$download" >&2
  rm -rf "$opensearch_home.partial"
  mkdir -p "$opensearch_home.partial"
  # The zip holds one folder, opensearch-<version>/.
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$download/opensearch-$opensearch_version.zip" "$opensearch_home.partial"
  module="$opensearch_home.partial/opensearch-$opensearch_version/modules/analysis-common"
  mkdir -p "$module"
  mvn -q -B dependency:copy -Dartifact="org.opensearch.plugin:analysis-common:$opensearch_version:jar" -DoutputDirectory="$module" >&2
  # The descriptor the full distribution ships; without lang-painless (absent here) to extend.
  cat >"$module/plugin-descriptor.properties" <<DESCRIPTOR
description=Adds "built in" analyzers to OpenSearch.
version=$opensearch_version
name=analysis-common
classname=org.opensearch.analysis.common.CommonAnalysisPlugin
java.version=11
opensearch.version=$opensearch_version
custom.foldername=
extended.plugins=
has.native.controller=false
DESCRIPTOR
  chmod -R a+rX "$opensearch_home.partial"
  chmod a+x "$opensearch_home.partial/opensearch-$opensearch_version"/bin/*
  mv "$opensearch_home.partial/opensearch-$opensearch_version" "$opensearch_home"
  rm -rf "$opensearch_home.partial"
fi

moto_home="$cache/moto/$moto_version"
if ! "$moto_home/bin/moto_server" --help >/dev/null 2>&1; then
  echo "Installing moto $moto_version from PyPI..." >&2
  rm -rf "$moto_home"
  python3 -m venv "$moto_home"
  "$moto_home/bin/pip" install -q "moto[server]==$moto_version" >&2
fi

echo "OPENSEARCH_HOME=$opensearch_home"
echo "MOTO_SERVER=$moto_home/bin/moto_server"
