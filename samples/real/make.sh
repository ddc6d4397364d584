#!/usr/bin/env bash
# Remake the captures in this folder from real failover software (issue 5). Needs root, Linux
# network namespaces, libpcap (the cap package), keepalived, corosync, iproute2, iptables,
# util-linux — the packages .ci/run installs. The network tests build the labs, run the software,
# capture with `teamscope live --write`, check what teamscope finds, and (because of
# TEAMSCOPE_SAMPLES_DIR) copy their captures here. Nothing leaves the test's own namespaces.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TEAMSCOPE_SAMPLES_DIR="$PWD/samples/real"
export TEAMSCOPE_REQUIRE_NET=1
npx vitest run test/net/keepalived.test.ts test/net/corosync.test.ts
ls -l samples/real/*.pcapng
